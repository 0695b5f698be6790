#!/usr/bin/env python3
"""No-op poll benchmark (issue 21): mailroom, mbsync and the libcurl floor, interleaved.

    tests/bench/noop_floor_bench.py [--mailroom build/src/mailroom]
        [--floor build/tests/libcurl_noop_floor] [--count 1000] [--runs 60]

Starts the test suite's Dovecot on 127.0.0.1 with plain IMAP (the condition of
../shared/bench, ssl = no), fills the staff INBOX with --count generated course mails,
lets `mailroom run --once` and mbsync take them all, and then times, one after the other
in each round so that all three see the same load:

  mbsync     mbsync's no-op pull (the issue's yardstick)
  floor      tests/bench/libcurl_noop_floor: libcurl loaded, log in, SELECT, one UID FETCH
             and exit; the least any no-op poll made with libcurl can cost
  mailroom   `mailroom run --once` finding nothing new

and, the same way, what loading alone costs: `mbsync --version` against the floor's
--load-only (libcurl loaded and initialised, nothing sent). Prints medians,
quartiles and CPU time (user + sys, from wait4) with ratios to mbsync. floor / mbsync is
the part of the no-op ratio that is libcurl's and that nothing inside mailroom can win
back; mailroom - floor is what mailroom's own start-up adds (its modules, Poco, rules,
ledger, status file).

Needs, as root on Debian: dovecot-imapd isync (scripts/install-deps.sh --bench), and a
build with the benchmark programs (MAILROOM_BENCH, on by default). Not part of the test
suite: it prints figures and asserts nothing but that every tool pulled every mail.
"""

import argparse
import imaplib
import os
import shutil
import statistics
import sys
from pathlib import Path

import imap_ingest_bench as ingest
from startup_bench import timed as spawn_timed  # wall and CPU seconds of one run

ROOT = Path(__file__).resolve().parents[2]
PLAIN_PORT = 20243


def warm(user):
    """Lets Dovecot index the folder before anyone is timed (plain IMAP)."""
    imap = imaplib.IMAP4("127.0.0.1", PLAIN_PORT)
    imap.login(user, "secret")
    imap.select("INBOX")
    imap.uid("FETCH", "1:*", "(FLAGS INTERNALDATE RFC822.SIZE)")
    imap.logout()


def interleaved(commands, runs):
    """{name: [(wall, cpu), ...]}: each round runs every command once, in turn."""
    for command in commands.values():
        spawn_timed(command)  # warm-up
    results = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            results[name].append(spawn_timed(command))
    return results


def quartiles(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 4], statistics.median(ordered), ordered[3 * len(ordered) // 4]


def print_table(title, results, runs):
    print(f"{title} ({runs} rounds, interleaved; ms)")
    print(f"  {'':<10} {'median':>8} {'p25':>8} {'p75':>8} {'CPU':>8}  ratio to mbsync")
    yardstick = statistics.median(wall for wall, _ in results["mbsync"])
    for name, samples in results.items():
        low, median, high = quartiles([wall for wall, _ in samples])
        cpu = statistics.median(cpu for _, cpu in samples)
        print(f"  {name:<10} {median * 1e3:8.2f} {low * 1e3:8.2f} {high * 1e3:8.2f} "
              f"{cpu * 1e3:8.2f}  {median / yardstick:.2f}x")
    return {name: statistics.median(wall for wall, _ in samples)
            for name, samples in results.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mailroom", default=str(ROOT / "build" / "src" / "mailroom"))
    parser.add_argument("--floor", default=str(ROOT / "build" / "tests" / "libcurl_noop_floor"))
    parser.add_argument("--count", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--dir", default="/tmp/mailroom-noop-bench")
    parser.add_argument("--seed", type=int, default=585)
    parser.add_argument("--mix", default="1,0,0",
                        help="small,PDF,deck shares of the mail (default: small mail only)")
    args = parser.parse_args()
    ingest.MIX = [float(x) for x in args.mix.split(",")]
    mailroom, floor = str(Path(args.mailroom).resolve()), str(Path(args.floor).resolve())
    if os.geteuid() != 0:
        sys.exit("run as root (Dovecot serves the mail as uid 5000)")
    for program, hint in ((mailroom, "build mailroom"),
                          (floor, "build the benchmark programs (MAILROOM_BENCH=ON)")):
        if not os.access(program, os.X_OK):
            sys.exit(f"{program} is missing: {hint}")
    mbsync_program = shutil.which("mbsync")
    if not mbsync_program:
        sys.exit("mbsync is missing: scripts/install-deps.sh --bench (apt-get install isync)")
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    files = ingest.corpus(base, args.count, args.seed)
    server = ingest.Server(base)
    server.stop()
    ingest.fill_maildir(server.maildir("staff"), files)
    server.start(tls="off")
    try:
        warm("staff")
        config = ingest.plaintext_term(ingest.mailroom_term(base, server, "term", "staff"))
        _, _, err = ingest.timed([mailroom, "run", "--once", "--config", str(config)])
        if f"{args.count} new, 0 known, 0 failed" not in err:
            sys.exit(f"mailroom did not record every mail once:\n{err[-2000:]}")
        dest = base / "mbsync-dest"
        shutil.rmtree(dest, ignore_errors=True)
        pull = ingest.mbsync(base, server, "staff", dest, tls=False)
        pull[0] = mbsync_program
        ingest.timed(pull)
        if ingest.count_files(dest) != args.count:
            sys.exit(f"mbsync pulled {ingest.count_files(dest)} of {args.count}")
        cursor = (config.parent / "state" / "mailbox-cursor").read_text().split()
        polls = interleaved({
            "mbsync": pull,
            "floor": [floor, f"imap://127.0.0.1:{PLAIN_PORT}/INBOX", "staff",
                      str(config.parent / "imap-password"), cursor[1]],
            "mailroom": [mailroom, "run", "--once", "--config", str(config)],
        }, args.runs)
    finally:
        server.stop()
        shutil.rmtree(base / "mbsync-dest", ignore_errors=True)
    loads = interleaved({
        "mbsync": [mbsync_program, "--version"],
        "floor": [floor, "--load-only"],
    }, args.runs)

    print(f"No-op poll benchmark: {args.count} mails taken, Dovecot on 127.0.0.1, plain IMAP, "
          f"{os.cpu_count()} cores")
    poll = print_table("no-op poll as a process", polls, args.runs)
    load = print_table("loading alone (mbsync --version, the floor's --load-only)", loads,
                       args.runs)
    print(f"libcurl's share: the floor's no-op is {poll['floor'] / poll['mbsync']:.2f}x "
          f"mbsync's ({(poll['floor'] - poll['mbsync']) * 1e3:+.1f} ms); loading libcurl "
          f"costs {(load['floor'] - load['mbsync']) * 1e3:+.1f} ms over loading mbsync")
    print(f"mailroom's own: {(poll['mailroom'] - poll['floor']) * 1e3:+.1f} ms over the floor "
          f"(modules, Poco, rules, ledger, status file)")


if __name__ == "__main__":
    main()
