#!/usr/bin/env python3
"""Receipt latency benchmark (issue 21, item 5): how soon a student gets the receipt.

    tests/bench/receipt_latency_bench.py [--mailroom build/src/mailroom] [--mails 50]
        [--no-idle [--poll-interval 60s]] [--imap-port 16443] [--smtp-port 16425]

Starts the test suite's Dovecot (tests/support/dovecot.sh, TLS with a throwaway CA) and its
SMTP server (tests/support/smtp.sh: aiosmtpd, delivering into Dovecot with dovecot-lda)
on 127.0.0.1, and `mailroom run` as a daemon on the Dovecot user "course" (the example
rules, replies through that SMTP server). Then, one mail at a time, a student's proposal
goes by SMTP to course@example.edu, which the server delivers into Dovecot before its
250; each mail's latency runs from the end of its DATA (the client's final dot) to the
end of the DATA of the reply that answers it (In-Reply-To) at the same SMTP server, as
that server recorded it. Prints every latency's p50, p95 and maximum.

With IDLE (the default) the daemon learns of each mail from the server; --no-idle turns
IDLE off and shows what the poll interval alone gives.
Needs, as root on Debian: dovecot-imapd python3-aiosmtpd (scripts/install-deps.sh --test).
Not part of the test suite: it prints figures and asserts nothing but that every mail was
answered within 120 s.
"""

import argparse
import os
import re
import shutil
import signal
import smtplib
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"


def log(text):
    print(text, file=sys.stderr, flush=True)


def roster():
    rows = (ROOT / "examples" / "cse585-f25" / "roster.csv").read_text().splitlines()[1:]
    return [row.split(",") for row in rows if row.strip()]


def wait_for(what, ready, bound=120.0):
    until = time.monotonic() + bound
    while time.monotonic() < until:
        found = ready()
        if found:
            return found
        time.sleep(0.002)
    sys.exit(f"receipt_latency_bench: gave up after {bound:.0f} s waiting for {what}")


def write_term(work, args, dovecot):
    subprocess.run([ROOT / "scripts" / "example-rules.sh", work / "rules"], check=True)
    for name in ("imap-password", "smtp-password"):
        (work / name).write_text("secret\n")
        os.chmod(work / name, 0o600)
    ca = dovecot / "certs" / "ca.crt"
    (work / "term.toml").write_text(f"""rules = "rules"
state_dir = "state"
poll_interval = "{args.poll_interval}"
[mailbox]
url = "imaps://127.0.0.1:{args.imaps_port}/INBOX"
user = "course"
password_file = "imap-password"
ca_file = "{ca}"
idle = {"false" if args.no_idle else "true"}
[outbox]
url = "smtp://127.0.0.1:{args.smtp_port}"
from = "staff@example.edu"
user = "staff"
password_file = "smtp-password"
ca_file = "{ca}"
[replies]
recipients = "sender"
max_per_student_per_day = 1000
max_unauthenticated_replies_per_day = 1000
max_per_recipient_per_day = 1000
max_per_hour = 1000
""")


def send(client, sender, number):
    """Sends one proposal; returns its Message-ID and when its DATA ended."""
    mid = f"<latency-{number}-{time.time_ns()}@students.example.edu>"
    now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    message = (f"Received: from laptop.example.edu by mx.example.edu with ESMTPSA; {now}\r\n"
               f"From: {sender[1]} <{sender[3]}>\r\nTo: course@example.edu\r\n"
               f"Subject: Project proposal, group {sender[0]}\r\nDate: {now}\r\n"
               f"Message-ID: {mid}\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
               "Our proposal draft: https://docs.google.com/document/d/abc123/edit\r\n")
    client.mail(sender[3])
    client.rcpt("course@example.edu")
    code, _ = client.docmd("DATA")
    if code != 354:
        sys.exit(f"receipt_latency_bench: DATA answered {code}")
    client.send(smtplib.quotedata(message).encode() + b"\r\n.\r\n")
    data_end = time.time()
    code, reply = client.getreply()
    if code != 250:
        sys.exit(f"receipt_latency_bench: the mail was refused: {code} {reply!r}")
    return mid, data_end, time.time()


def reply_to(spool, mid, seen):
    """The DATA end of the reply to `mid` in the sink's spool, once it is there."""
    for name in sorted(os.listdir(spool)):
        if not name.endswith(".eml") or name.startswith(".") or name in seen:
            continue
        text = (spool / name).read_text(errors="replace")
        seen.add(name)
        match = re.search(r"^In-Reply-To: (<[^>]+>)", text, re.M)
        if match:
            seen_replies[match.group(1)] = spool / name.replace(".eml", ".json")
    json_path = seen_replies.get(mid)
    if not json_path:
        return None
    return float(re.search(r'"data_end_at": ([0-9.]+)', json_path.read_text()).group(1))


seen_replies = {}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mailroom", default=str(ROOT / "build" / "src" / "mailroom"))
    ap.add_argument("--mails", type=int, default=50)
    ap.add_argument("--no-idle", action="store_true")
    ap.add_argument("--poll-interval", default="60s")
    ap.add_argument("--imap-port", type=int, default=16443)
    ap.add_argument("--imaps-port", type=int, default=16444)
    ap.add_argument("--smtp-port", type=int, default=16425)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mailroom-latency-"))
    os.chmod(work, 0o755)
    dovecot, smtp = work / "dovecot", work / "smtp"
    env = dict(os.environ, IMAP_PORT=str(args.imap_port), IMAPS_PORT=str(args.imaps_port),
               SMTP_PORT=str(args.smtp_port))
    daemon = None
    try:
        subprocess.run([SUPPORT / "dovecot.sh", "start", dovecot], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([SUPPORT / "smtp.sh", "start", smtp, dovecot], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        write_term(work, args, dovecot)
        daemon_log = work / "daemon.log"
        with open(daemon_log, "w") as out:
            daemon = subprocess.Popen([args.mailroom, "run", "--log-level", "debug", "--config",
                                       work / "term.toml"], stdout=out, stderr=out)
        ready = "waiting for new mail" if not args.no_idle else "watching"
        wait_for("the daemon to start", lambda: ready in daemon_log.read_text())
        context = ssl.create_default_context(cafile=str(dovecot / "certs" / "ca.crt"))
        client = smtplib.SMTP("127.0.0.1", args.smtp_port)
        client.starttls(context=context)
        client.login("staff", "secret")
        students = roster()
        latencies, deliveries, seen = [], [], set()
        for number in range(args.mails):
            mid, data_end, delivered = send(client, students[number % len(students)], number)
            answered = wait_for(f"the reply to mail {number + 1}",
                                lambda: reply_to(smtp / "spool", mid, seen))
            latencies.append(answered - data_end)
            deliveries.append(delivered - data_end)
        client.quit()
        mode = "IDLE" if not args.no_idle else f"no IDLE, poll_interval {args.poll_interval}"
        print(f"receipt latency, {args.mails} mails one at a time ({mode}): end of the mail's "
              f"DATA to end of the reply's DATA")
        print(f"  p50 {percentile(latencies, 50) * 1000:.0f} ms, p95 "
              f"{percentile(latencies, 95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
              f"(of which delivery into Dovecot, to the 250: p50 "
              f"{statistics.median(deliveries) * 1000:.0f} ms)")
    finally:
        if daemon:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
        subprocess.run([SUPPORT / "smtp.sh", "stop", smtp], env=env, stdout=subprocess.DEVNULL)
        subprocess.run([SUPPORT / "dovecot.sh", "stop", dovecot], env=env,
                       stdout=subprocess.DEVNULL)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
