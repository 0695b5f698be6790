#!/usr/bin/env python3
"""IMAP ingest benchmark (issue 6, point 8): mailroom against mbsync on one loopback Dovecot.

    tests/bench/imap_ingest_bench.py [--mailroom build/mailroom] [--count 10000]

Starts the test suite's Dovecot (tests/support/dovecot.sh, TLS with a throwaway CA) on
127.0.0.1, fills the staff INBOX with a generated course mailbox (60% small text, 30% with
a 0.2-2 MB PDF, 10% with a 5-20 MB deck, sized as ../shared/bench's corpus; fixed seed; From addresses on the example roster
so every mail goes through classification and the reply gates), and prints:

  (a) backlog ingest from empty state by `mailroom run --once`: s, mails/s, MB/s, peak RSS
  (b) the same pull by mbsync into a Maildir, and the ratio a/b
  (c) a poll that finds nothing new: `run --once` on the N-mail box and on a 1,000-mail
      box, and the daemon's own poll on its open connection (its debug log)
  (d) a poll that finds 10 new mails (`run --once`)

Needs, as root on Debian: dovecot-imapd isync (scripts/install-deps.sh --bench). The
corpus lives under --dir (default /tmp/mailroom-bench) and is made once per count and
seed; each measurement starts from a fresh copy of the folder (hard links).
Not part of the test suite: it prints figures, it asserts nothing but that every tool
pulled every mail.
"""

import argparse
import base64
import os
import random
import shutil
import signal
import ssl
import imaplib
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOVECOT = ROOT / "tests" / "support" / "dovecot.sh"
VMAIL = 5000
MIB = 1024 * 1024


def log(text):
    print(text, file=sys.stderr, flush=True)


def roster():
    rows = (ROOT / "examples" / "cse585-f25" / "roster.csv").read_text().splitlines()[1:]
    return [row.split(",") for row in rows if row.strip()]


def lectures():
    rows = (ROOT / "examples" / "cse585-f25" / "assignments.csv").read_text().splitlines()[1:]
    return [row.split(",") for row in rows if row.strip()]


def attachment(pool, rng, size, name, mime, boundary):
    """A base64 part of about `size` bytes, cut from the pre-encoded pool at line ends
    (encoding gigabytes afresh would make the corpus, not the tools, the slow part)."""
    lines = size // 57 + 1
    start = rng.randrange(0, len(pool) // 78 - lines) * 78
    data = pool[start:start + lines * 78]
    return (f'--{boundary}\r\nContent-Type: {mime}; name="{name}"\r\n'
            f'Content-Disposition: attachment; filename="{name}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n").encode() + data


def make_mail(index, rng, pool, people, slots, arrival):
    group, name, _, address = rng.choice(people)
    lecture, role, _ = rng.choice(slots)
    kind = rng.random()
    what = "slides" if role == "presenter" else "summary"
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(arrival - 30))
    head = (f"Return-Path: <{address}>\r\n"
            f"Received: from mail.students.example.edu (mail.students.example.edu [192.0.2.7])\r\n"
            f"\tby mx.example.edu with ESMTPS id b{index:06d}; {date}\r\n"
            f"From: {name} <{address}>\r\nTo: CSE 585 Staff <cse585-staff@umich.edu>\r\n"
            f"Subject: Group {group} {what} for {lecture} (#{index})\r\nDate: {date}\r\n"
            f"Message-ID: <bench-{index}-{rng.getrandbits(48):x}@students.example.edu>\r\n"
            "MIME-Version: 1.0\r\n").encode()
    text = (f"Hi staff,\r\n\r\nHere is group {group}'s {what} for the lecture on {lecture}.\r\n"
            + "Some words about the paper we read this week. " * rng.randint(20, 120)
            + f"\r\n\r\nThanks,\r\n{name}\r\n").encode()
    boundary = f"000000000000{rng.getrandbits(48):012x}"  # as Gmail writes them
    if kind < MIX[0]:
        return head + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text
    if kind < MIX[0] + MIX[1]:
        # Log-uniform 200 KB..2 MB, as ../shared/bench/gen_corpus.py makes them.
        size = int(math.exp(rng.uniform(math.log(200e3), math.log(2e6))))
        part = attachment(pool, rng, size, f"group{group}-{what}.pdf", "application/pdf",
                          boundary)
    else:
        # 5..20 MB, right-skewed as real decks are (median ~5.9 MB, mean ~7.7 MB).
        size = int(5e6 * 4 ** (rng.random() ** 3))
        part = attachment(pool, rng, size, f"group{group}-slides.pptx",
                          "application/vnd.openxmlformats-officedocument.presentationml."
                          "presentation", boundary)
    return (head + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode()
            + f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".encode()
            + text + b"\r\n" + part + f"--{boundary}--\r\n".encode())


def encoded_pool(seed):
    """24 MiB of random bytes, base64-encoded in CRLF lines of 76 characters."""
    raw = random.Random(seed + 1).randbytes(24 * MIB)
    return base64.encodebytes(raw).replace(b"\n", b"\r\n")


def corpus(base, count, seed):
    """The generated mails as files, each with its arrival time as mtime."""
    folder = base / f"corpus3-{count}-{seed}-{','.join(map(str, MIX))}"
    stamp = folder / ".complete"
    if stamp.exists():
        return sorted(p for p in folder.iterdir() if p.suffix == ".eml")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    pool = encoded_pool(seed)
    people, slots = roster(), lectures()
    first = 1_760_000_000  # mid-October 2025
    log(f"generating {count} mails under {folder} (once)")
    for index in range(count):
        arrival = first + index * 60
        path = folder / f"{index:06d}.eml"
        path.write_bytes(make_mail(index, rng, pool, people, slots, arrival))
        os.utime(path, (arrival, arrival))
        os.chown(path, VMAIL, VMAIL)
    stamp.touch()
    return sorted(p for p in folder.iterdir() if p.suffix == ".eml")


def fill_maildir(maildir, files):
    """A fresh Dovecot Maildir holding `files` (hard links: no copy of gigabytes), named as
    Dovecot names what it delivers and as ../shared/bench does: with the size (S=) and the
    size with CRLF line ends (W=, what RFC822.SIZE reports; equal here, every line of the
    corpus ends in CRLF). Without W= Dovecot reads the whole mail to answer RFC822.SIZE."""
    shutil.rmtree(maildir, ignore_errors=True)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for index, path in enumerate(files):
        stat = path.stat()
        os.link(path, maildir / "cur" /
                f"{int(stat.st_mtime)}.M{index}P1.bench,S={stat.st_size},W={stat.st_size}:2,")
    for dirpath, _, names in os.walk(maildir):
        os.chown(dirpath, VMAIL, VMAIL)


class Server:
    def __init__(self, base):
        self.dir = base / "dovecot"
        self.env = dict(os.environ, IMAP_PORT="20243", IMAPS_PORT="20993")

    def start(self, tls="required"):
        """tls="off": plain IMAP on 20243 only, the condition ../shared/bench measured in."""
        subprocess.run([str(DOVECOT), "start", str(self.dir)], env=dict(self.env, TLS=tls),
                       check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        subprocess.run([str(DOVECOT), "stop", str(self.dir)], env=self.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def maildir(self, user):
        return self.dir / "mail" / user / "Maildir"

    def ca(self):
        return self.dir / "certs" / "ca.crt"

    def login(self, user):
        context = ssl.create_default_context(cafile=str(self.ca()))
        imap = imaplib.IMAP4_SSL("127.0.0.1", 20993, ssl_context=context)
        imap.login(user, "secret")
        return imap

    def warm(self, user):
        """Lets Dovecot index the folder before anyone is timed."""
        imap = self.login(user)
        imap.select("INBOX")
        imap.uid("SEARCH", "ALL")
        imap.uid("FETCH", "1:*", "(FLAGS INTERNALDATE RFC822.SIZE)")
        imap.logout()

    def append(self, user, mails):
        imap = self.login(user)
        for raw, arrival in mails:
            imap.append("INBOX", None, imaplib.Time2Internaldate(arrival), raw)
        imap.logout()


def timed(command, env=None):
    """Runs `command`; its wall seconds and peak RSS (MiB)."""
    # The log goes to a file: a pipe nobody reads while waiting would stall the tool.
    with tempfile.TemporaryFile() as log_file:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        log_file.seek(0)
        err = log_file.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{err[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, err


def mailroom_term(base, server, name, user, interval="60s"):
    term = base / name
    shutil.rmtree(term, ignore_errors=True)
    term.mkdir(parents=True)
    subprocess.run([str(ROOT / "scripts" / "example-rules.sh"), str(term / "rules")], check=True)
    (term / "imap-password").write_text("secret\n")
    (term / "imap-password").chmod(0o600)
    (term / "term.toml").write_text(
        f'rules = "rules"\nstate_dir = "state"\npoll_interval = "{interval}"\n'
        f'[mailbox]\nurl = "imaps://127.0.0.1:20993/INBOX"\nuser = "{user}"\n'
        f'password_file = "imap-password"\nca_file = "{server.ca()}"\n'
        f'[outbox]\nurl = "dir:outbox"\nfrom = "cse585-staff@umich.edu"\n')
    return term / "term.toml"


def plaintext_term(config):
    """`config` over plain IMAP on loopback (allow_plaintext), same state."""
    plain = config.parent / "plain.toml"
    plain.write_text(config.read_text()
                     .replace("imaps://127.0.0.1:20993/", "imap://127.0.0.1:20243/")
                     .replace("[outbox]", "allow_plaintext = true\n[outbox]"))
    return plain


def mbsync(base, server, user, dest, tls=True):
    """The mbsync command pulling `user`'s INBOX into `dest` (kept between calls)."""
    dest.mkdir(parents=True, exist_ok=True)
    config = base / f"mbsyncrc-{user}{'' if tls else '-plain'}"
    connection = (f"Port 20993\nSSLType IMAPS\nCertificateFile {server.ca()}" if tls
                  else "Port 20243\nSSLType None\nAuthMechs LOGIN")
    config.write_text(f"""IMAPAccount bench
Host localhost
User {user}
Pass secret
{connection}

IMAPStore remote
Account bench

MaildirStore local
Path {dest}/
Inbox {dest}/INBOX

Channel bench
Far :remote:INBOX
Near :local:INBOX
Sync Pull
Create Near
SyncState *
""")
    return ["mbsync", "-q", "-c", str(config), "bench"]


def count_files(dest):
    return sum(len(files) for root, _, files in os.walk(dest)
               if os.path.basename(root) in ("cur", "new"))


def daemon_polls(mailroom, config, seconds=8):
    """The daemon's own poll on its open connection: the 'poll took N us' debug lines."""
    with tempfile.TemporaryFile() as log_file:
        process = subprocess.Popen([mailroom, "run", "--config", str(config), "--log-level",
                                    "debug"], stdout=subprocess.DEVNULL, stderr=log_file)
        time.sleep(seconds)  # a benchmark's measuring window, not a wait for readiness
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log_file.seek(0)
        err = log_file.read().decode(errors="replace")
    took = [int(line.rsplit("poll took ", 1)[1].split()[0]) / 1000
            for line in err.splitlines() if "poll took " in line]
    return took


def main():
    global MIX
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mailroom", default=str(ROOT / "build" / "src" / "mailroom"))
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--small-box", type=int, default=1_000)
    parser.add_argument("--dir", default="/tmp/mailroom-bench")
    parser.add_argument("--seed", type=int, default=585)
    parser.add_argument("--mix", default="0.6,0.3,0.1")
    parser.add_argument("--polls", type=int, default=5)
    parser.add_argument("--skip-mbsync", action="store_true")
    args = parser.parse_args()
    MIX = [float(x) for x in args.mix.split(",")]
    mailroom = str(Path(args.mailroom).resolve())
    if os.geteuid() != 0:
        sys.exit("run as root (Dovecot serves the mail as uid 5000)")
    if not args.skip_mbsync and not shutil.which("mbsync"):
        sys.exit("mbsync is missing: scripts/install-deps.sh --bench (apt-get install isync)")
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    files = corpus(base, args.count, args.seed)
    total_mb = sum(p.stat().st_size for p in files) / 1e6
    largest_mb = max(p.stat().st_size for p in files) / MIB
    server = Server(base)
    server.stop()
    fill_maildir(server.maildir("staff"), files)
    fill_maildir(server.maildir("student"), files[:args.small_box])
    server.start()
    results = {}
    try:
        server.warm("staff")
        server.warm("student")
        subprocess.run(["sync"], check=True)

        # (a) backlog ingest from empty state
        config = mailroom_term(base, server, "term-big", "staff")
        secs, rss, err = timed([mailroom, "run", "--once", "--config", str(config)])
        if f"{args.count} new, 0 known, 0 failed" not in err:
            sys.exit(f"mailroom did not record every mail once:\n{err[-2000:]}")
        results["a"] = (secs, rss)
        log(f"(a) mailroom: {secs:.1f} s, peak RSS {rss:.0f} MiB")

        # (b) mbsync, the yardstick, on the same box in the same run
        if not args.skip_mbsync:
            dest = base / "mbsync-dest"
            shutil.rmtree(dest, ignore_errors=True)
            pull = mbsync(base, server, "staff", dest)
            secs_b, rss_b, _ = timed(pull)
            pulled = count_files(dest)
            if pulled != args.count:
                sys.exit(f"mbsync pulled {pulled} of {args.count}")
            results["b"] = (secs_b, rss_b)
            log(f"(b) mbsync: {secs_b:.1f} s")
            results["b_poll"] = statistics.median(timed(pull)[0] for _ in range(args.polls))

        # (c) no-op polls as their own process, N-mail box and small box
        polls = [timed([mailroom, "run", "--once", "--config", str(config)])[0]
                 for _ in range(args.polls)]
        small = mailroom_term(base, server, "term-small", "student")
        timed([mailroom, "run", "--once", "--config", str(small)])
        small_polls = [timed([mailroom, "run", "--once", "--config", str(small)])[0]
                       for _ in range(args.polls)]
        # The daemon on the same state, polling every second.
        daemon_config = config.parent / "daemon.toml"
        # IDLE off: in IDLE the daemon polls only when mail comes, and this times a poll.
        daemon_config.write_text(config.read_text()
                                 .replace('poll_interval = "60s"', 'poll_interval = "1s"')
                                 .replace("[outbox]", "idle = false\n[outbox]"))
        in_daemon = daemon_polls(mailroom, daemon_config)
        results["c"] = (statistics.median(polls), statistics.median(small_polls),
                        statistics.median(in_daemon[1:]) if len(in_daemon) > 1 else float("nan"))

        # (d) a poll that finds 10 new mails
        rng = random.Random(args.seed + 2)
        fresh = [(make_mail(10_000_000 + i, rng, encoded_pool(args.seed), roster(), lectures(),
                            1_770_000_000 + i), 1_770_000_000 + i) for i in range(10)]
        server.append("staff", fresh)
        secs_d, _, err = timed([mailroom, "run", "--once", "--config", str(config)])
        if "10 new, 0 known, 0 failed" not in err:
            sys.exit(f"the 10 new mails were not recorded:\n{err[-2000:]}")
        results["d"] = secs_d

        # (c) again over plain IMAP on loopback: ../shared/bench's Dovecot runs with
        # ssl = no, and the figures (mbsync's 46-55 ms) were measured there.
        server.stop()
        server.start(tls="off")
        plain, plain_small = plaintext_term(config), plaintext_term(small)
        timed([mailroom, "run", "--once", "--config", str(plain)])
        plain_polls = [timed([mailroom, "run", "--once", "--config", str(plain)])[0]
                       for _ in range(args.polls)]
        plain_small_polls = [timed([mailroom, "run", "--once", "--config", str(plain_small)])[0]
                             for _ in range(args.polls)]
        results["c_plain"] = (statistics.median(plain_polls), statistics.median(plain_small_polls))
        if not args.skip_mbsync:
            pull = mbsync(base, server, "staff", dest, tls=False)
            timed(pull)  # takes (d)'s 10 mails
            results["b_poll_plain"] = statistics.median(timed(pull)[0]
                                                        for _ in range(args.polls))
    finally:
        server.stop()
        shutil.rmtree(base / "mbsync-dest", ignore_errors=True)

    secs, rss = results["a"]
    print(f"IMAP ingest benchmark: {args.count} mails, {total_mb / 1000:.2f} GB "
          f"(mix {args.mix}, largest {largest_mb:.1f} MiB), Dovecot on 127.0.0.1 over TLS, "
          f"{os.cpu_count()} cores")
    print(f"(a) mailroom run --once, empty state: {secs:.1f} s, {args.count / secs:.0f} mails/s, "
          f"{total_mb / secs:.0f} MB/s, peak RSS {rss:.0f} MiB "
          f"(budget 64 + 2 x {largest_mb:.0f} = {64 + 2 * largest_mb:.0f} MiB)")
    if "b" in results:
        secs_b, _ = results["b"]
        print(f"(b) mbsync (isync) full pull: {secs_b:.1f} s, {total_mb / secs_b:.0f} MB/s; "
              f"ratio a/b = {secs / secs_b:.2f}x (goal <= 1.0x, regression > 1.5x)")
        print(f"    mbsync no-op poll: {results['b_poll'] * 1000:.0f} ms over TLS, "
              f"{results['b_poll_plain'] * 1000:.0f} ms over plain IMAP")
    big, small, daemon = results["c"]
    print(f"(c) no-op poll, run --once: {big * 1000:.0f} ms on {args.count} mails, "
          f"{small * 1000:.0f} ms on {args.small_box} ({(big / small - 1) * 100:+.0f}%); "
          f"in the daemon on its open connection: {daemon:.2f} ms (median); all over TLS")
    big, small = results["c_plain"]
    print(f"    over plain IMAP (../shared/bench's ssl = no): {big * 1000:.0f} ms on "
          f"{args.count} mails, {small * 1000:.0f} ms on {args.small_box} "
          f"({(big / small - 1) * 100:+.0f}%)")
    print(f"(d) poll finding 10 new mails, run --once: {results['d'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
