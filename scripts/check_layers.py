#!/usr/bin/env python3
"""Fails on an #include "folder/..." in src/ that the table of allowed folder edges does
not list, so that dependencies keep pointing one way:

  core <- util <- rules, message, imap <- deadline, classify <- content <- judge <- reply
       <- pipeline <- schedule <- adapters (clock, installed, mailbox, archive, ledger, outbox, sandbox)
       <- network (the module's entry) <- desk <- setup <- daemon, cli (the fronts)

usage: check_layers.py [SRC_DIR]   (default: the src/ beside this script's folder)
       check_layers.py --self-test   (the check rejects an upward include and passes a clean tree)
"""
import pathlib
import re
import sys
import tempfile

PURE = ["core", "util", "rules", "message", "imap", "deadline", "classify", "content", "judge",
        "reply", "pipeline", "schedule"]
ADAPTERS = ["clock", "installed", "mailbox", "archive", "ledger", "outbox", "sandbox"]

# folder -> the folders it may include from (besides itself).
ALLOWED = {
    "core": [],
    "util": ["core"],
    "rules": ["core", "util"],
    "message": ["core", "util"],
    # The IMAP protocol's text (URLs, responses, tokens, quoting, dates): no socket.
    "imap": ["core", "util"],
    "deadline": ["core", "util", "rules"],
    "classify": ["core", "util", "rules", "message", "deadline"],
    # What a submission's files must hold (pages, links, a README): the rules applied to
    # what a reader found; the reading itself is the sandbox's.
    "content": ["core", "util", "rules", "message", "deadline", "classify"],
    "judge": ["core", "util", "rules", "message", "deadline", "classify", "content"],
    "reply": ["core", "util", "rules", "message", "deadline", "classify", "content", "judge"],
    "pipeline": ["core", "util", "rules", "message", "deadline", "classify", "content", "judge",
                 "reply"],
    # What mailroom sends on its own schedule (digest, reminders): planned from the
    # ledger's view, composed like replies.
    "schedule": ["core", "util", "rules", "message", "deadline", "classify", "content", "judge",
                 "reply", "pipeline"],
    # Each adapter implements the engine's ports; none knows another, except that the
    # relay (outbox) sends what the ledger queued, and the outbox folder of `dir:` is
    # written with the archive's one durable write.
    "clock": ["core"],
    # Where the files that came with this binary are (its module and helper), from
    # /proc/self/exe.
    "installed": ["core"],
    "mailbox": ["core", "util", "imap", "pipeline"],
    "archive": ["core", "util", "message", "pipeline"],
    "ledger": PURE,
    "outbox": PURE + ["ledger", "archive"],
    # The content checks' file reader: poppler and libzip in a child process under limits.
    "sandbox": ["core", "util", "content", "installed"],
    # The network module's entry: the IMAP and SMTP adapters (libcurl) behind one table,
    # which the executable loads only for the commands that talk to servers.
    "network": ["core", "util", "imap", "pipeline", "mailbox", "outbox"],
    # The term at a glance: a page from the ledger's view; pure in itself.
    "report": PURE,
    # The staff actions over the ledger, shared by the command line and commands by mail.
    "desk": PURE + ["ledger", "report"],
    # What a front needs before it starts: the config and settings, the rules files and
    # templates, logging, the secrets, and the mailbox and the sender opened from them
    # (the network ones through the module, setup/network.hpp).
    "setup": PURE + ADAPTERS + ["report", "desk", "network"],
    "daemon": PURE + ADAPTERS + ["report", "desk", "setup"],
    "cli": PURE + ADAPTERS + ["report", "daemon", "desk", "setup"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)


def violations(src: pathlib.Path) -> list:
    bad = []
    for path in sorted(src.rglob("*.[ch]pp")):
        relative = path.relative_to(src)
        if len(relative.parts) < 2:
            continue  # main.cpp and the allocator sit above the layers
        folder = relative.parts[0]
        if folder not in ALLOWED:
            bad.append(f"{relative}: folder {folder}/ is not in the table of layers "
                       f"(scripts/check_layers.py): add it with the folders it may include")
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1)
            if target == folder or target in ALLOWED[folder]:
                continue
            bad.append(f"{relative}:{number}: {folder}/ may not include {target}/ "
                       f"({line.strip()}); dependencies point one way (scripts/check_layers.py)")
    return bad


def self_test() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp)
        (src / "pipeline").mkdir()
        (src / "daemon").mkdir()
        engine = src / "pipeline" / "engine.cpp"
        engine.write_text('#include "pipeline/engine.hpp"\n#include "judge/decision.hpp"\n')
        (src / "daemon" / "run_loop.cpp").write_text('#include "pipeline/engine.hpp"\n')
        if violations(src):
            print("self-test: a clean tree was rejected")
            return 1
        engine.write_text(engine.read_text() + '#include "daemon/run_loop.hpp"\n')
        found = violations(src)
        if len(found) != 1 or "pipeline/ may not include daemon/" not in found[0]:
            print(f"self-test: pipeline/ including daemon/ was not caught: {found}")
            return 1
    print("self-test: the layer check catches pipeline/ -> daemon/")
    return 0


def main() -> int:
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent / "src")
    bad = violations(src)
    for line in bad:
        print(line)
    if not bad:
        print("layers: every include follows the table")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
