#!/usr/bin/env python3
"""Start-up benchmark (issue 21, item 3): what a short command costs as a whole process.

    tests/bench/startup_bench.py [--mailroom build/src/mailroom] [--runs 30]

Times `mailroom --version`, `mailroom --help` and `mailroom ledger` on the bundled
example (the example rules, and a state folder that `replay --state` fills from
examples/maildir once), each run as its own process after one warm-up: wall time and the
CPU time the kernel accounted to it (user + sys, from wait4), median and p95. Prints the
shared libraries the executable loads (ldd), the count most of start-up goes to: the
dynamic loader maps and relocates each of them before main().
Not part of the test suite: it prints figures and asserts nothing. On a loaded machine
quote medians, and expect every figure to be higher than on an idle one.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def timed(command):
    """Wall and CPU seconds of one run of `command`, its output thrown away."""
    started = time.perf_counter()
    pid = os.posix_spawn(command[0], command, os.environ,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                       (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"startup_bench: {' '.join(command)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mailroom", default=str(ROOT / "build" / "src" / "mailroom"))
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    mailroom = str(Path(args.mailroom).resolve())
    libraries = subprocess.run(["ldd", mailroom], capture_output=True, text=True,
                               check=True).stdout.splitlines()
    print(f"{mailroom}: {len(libraries)} shared objects (ldd)")
    with tempfile.TemporaryDirectory(prefix="mailroom-startup-") as work:
        rules, state = Path(work) / "rules", Path(work) / "state"
        subprocess.run([ROOT / "scripts" / "example-rules.sh", rules], check=True)
        subprocess.run([mailroom, "replay", "--rules", rules, "--maildir",
                        ROOT / "examples" / "maildir", "--state", state],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        commands = {
            "--version": [mailroom, "--version"],
            "--help": [mailroom, "--help"],
            "ledger (example)": [mailroom, "ledger", "--rules", str(rules), "--state", str(state),
                                 "--now", "2025-10-10T12:00:00Z"],
        }
        print(f"{'command':<18} {'wall p50':>9} {'wall p95':>9} {'cpu p50':>8} {'cpu p95':>8}"
              f"   ({args.runs} runs each)")
        for name, command in commands.items():
            timed(command)  # warm-up: page cache, dynamic loader cache
            walls, cpus = zip(*(timed(command) for _ in range(args.runs)))
            print(f"{name:<18} {statistics.median(walls) * 1000:7.1f}ms {p95(walls) * 1000:7.1f}ms "
                  f"{statistics.median(cpus) * 1000:6.1f}ms {p95(cpus) * 1000:6.1f}ms")


if __name__ == "__main__":
    main()
