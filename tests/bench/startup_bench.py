#!/usr/bin/env python3
"""Start-up benchmark (issue 21, item 3): what a short command costs as a whole process.

    tests/bench/startup_bench.py [--mailroom build/src/mailroom] [--runs 30]
                                 [--baseline OTHER_MAILROOM]

Times `mailroom --version`, `mailroom --help` and `mailroom ledger` on the bundled
example (the example rules, and a state folder that `replay --state` fills from
examples/maildir once), each run as its own process after one warm-up: wall time and the
CPU time the kernel accounted to it (user + sys, from wait4), median and p95. Prints the
shared objects the executable names with their dependencies (ldd), and those each command
actually had mapped (LD_DEBUG=files: with the ones it dlopen'd, e.g. the network module),
the count most of start-up goes to: the dynamic loader maps and relocates each of them,
and runs their static constructors, before main(). With --baseline, the same commands of
another build (e.g. a copy of the binary before a change) run interleaved with these, so
that both see the same load.
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


def loaded_objects(command):
    """Shared objects the dynamic loader mapped for one run of `command` (dlopen'd ones too)."""
    env = dict(os.environ, LD_DEBUG="files")
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, check=False)
    return sum("generating link map" in line for line in done.stderr.splitlines())


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mailroom", default=str(ROOT / "build" / "src" / "mailroom"))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--baseline", help="another mailroom binary, timed interleaved with this one")
    args = ap.parse_args()
    binaries = {"": str(Path(args.mailroom).resolve())}
    if args.baseline:
        binaries = {"baseline ": str(Path(args.baseline).resolve()), "": binaries[""]}
    for label, mailroom in binaries.items():
        libraries = subprocess.run(["ldd", mailroom], capture_output=True, text=True,
                                   check=True).stdout.splitlines()
        print(f"{label}{mailroom}: {len(libraries)} shared objects (ldd)")
    with tempfile.TemporaryDirectory(prefix="mailroom-startup-") as work:
        rules, state = Path(work) / "rules", Path(work) / "state"
        subprocess.run([ROOT / "scripts" / "example-rules.sh", rules], check=True)
        subprocess.run([binaries[""], "replay", "--rules", rules, "--maildir",
                        ROOT / "examples" / "maildir", "--state", state],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        commands = {
            "--version": ["--version"],
            "--help": ["--help"],
            "ledger (example)": ["ledger", "--rules", str(rules), "--state", str(state),
                                 "--now", "2025-10-10T12:00:00Z"],
        }
        print(f"{'command':<27} {'loaded':>6} {'wall p50':>9} {'wall p95':>9} {'cpu p50':>8} "
              f"{'cpu p95':>8}   ({args.runs} runs each)")
        for name, arguments in commands.items():
            runs = {}
            for label, mailroom in binaries.items():
                timed([mailroom] + arguments)  # warm-up: page cache, dynamic loader cache
                runs[label] = []
            for _ in range(args.runs):
                for label, mailroom in binaries.items():
                    runs[label].append(timed([mailroom] + arguments))
            for label, mailroom in binaries.items():
                walls, cpus = zip(*runs[label])
                print(f"{label + name:<27} {loaded_objects([mailroom] + arguments):>6} "
                      f"{statistics.median(walls) * 1000:7.1f}ms {p95(walls) * 1000:7.1f}ms "
                      f"{statistics.median(cpus) * 1000:6.1f}ms {p95(cpus) * 1000:6.1f}ms")


if __name__ == "__main__":
    main()
