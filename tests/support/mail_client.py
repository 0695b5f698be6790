#!/usr/bin/python3
"""A mail client for mailroom's integration tests: reads a user's mailbox in the test
Dovecot over IMAPS and sends mail through the test SMTP server, both with the test CA
verified (Python's imaplib and smtplib; run with /usr/bin/python3).

fetch: logs in as USER, EXAMINEs FOLDER (read-only), finds the messages whose
  In-Reply-To is ID (UID SEARCH HEADER), FETCHes each with BODY.PEEK[] (so \\Seen stays
  unset), writes it to OUT/<uid>.eml and prints "<uid> <path> <flags>" per message.
clear: logs in as USER and deletes every message of FOLDER (STORE \\Deleted, EXPUNGE).
send: sends FILE (a whole RFC 5322 message) over SMTP with STARTTLS, or implicit TLS
  with --smtps, and AUTH (none with --no-auth, as mail from outside reaches an MX), from
  --mail-from to each --rcpt.

usage: mail_client.py fetch --port P --ca CA --user U --password PW --in-reply-to ID --out DIR
       mail_client.py clear --port P --ca CA --user U --password PW
       mail_client.py send  --port P --ca CA --user U --password PW --mail-from A --rcpt B --file FILE"""
import argparse
import imaplib
import os
import smtplib
import ssl
import sys

ap = argparse.ArgumentParser()
ap.add_argument('command', choices=['fetch', 'clear', 'send'])
ap.add_argument('--file')
ap.add_argument('--host', default='127.0.0.1')
ap.add_argument('--port', type=int, required=True)
ap.add_argument('--ca', required=True)
ap.add_argument('--user', required=True)
ap.add_argument('--password', required=True)
ap.add_argument('--folder', default='INBOX')
ap.add_argument('--in-reply-to')
ap.add_argument('--out')
ap.add_argument('--mail-from')
ap.add_argument('--rcpt', action='append', default=[])
ap.add_argument('--smtps', action='store_true')
ap.add_argument('--no-auth', action='store_true')
a = ap.parse_args()

# The test certificate names 127.0.0.1 and localhost; verify both chain and name.
tls = ssl.create_default_context(cafile=a.ca)


def imap():
    conn = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=tls, timeout=20)
    conn.login(a.user, a.password)
    return conn


def check(answer, what):
    status, data = answer
    if status != 'OK':
        sys.exit(f'{what}: {status} {data}')
    return data


if a.command == 'fetch':
    conn = imap()
    check(conn.select(a.folder, readonly=True), 'EXAMINE')
    uids = check(conn.uid('SEARCH', 'HEADER', 'In-Reply-To', f'"{a.in_reply_to}"'),
                 'UID SEARCH')[0].split()
    os.makedirs(a.out, exist_ok=True)
    for uid in uids:
        data = check(conn.uid('FETCH', uid, '(FLAGS BODY.PEEK[])'), 'UID FETCH')
        raw = next(part[1] for part in data if isinstance(part, tuple))
        # FLAGS may come before or after the literal: look at every non-literal piece.
        meta = b' '.join(part[0] if isinstance(part, tuple) else part for part in data)
        flags = b' '.join(imaplib.ParseFlags(meta))
        path = os.path.join(a.out, f'{uid.decode()}.eml')
        with open(path, 'wb') as f:
            f.write(raw)
        print(uid.decode(), path, flags.decode() or '-')
    conn.logout()
elif a.command == 'clear':
    conn = imap()
    check(conn.select(a.folder), 'SELECT')
    if check(conn.search(None, 'ALL'), 'SEARCH')[0].split():
        check(conn.store('1:*', '+FLAGS.SILENT', '(\\Deleted)'), 'STORE')
        check(conn.expunge(), 'EXPUNGE')
    conn.logout()
else:
    message = open(a.file, 'rb').read()
    if a.smtps:
        smtp = smtplib.SMTP_SSL(a.host, a.port, context=tls, timeout=20)
    else:
        smtp = smtplib.SMTP(a.host, a.port, timeout=20)
        smtp.starttls(context=tls)
    if not a.no_auth:
        smtp.login(a.user, a.password)
    refused = smtp.sendmail(a.mail_from, a.rcpt, message)
    smtp.quit()
    if refused:
        sys.exit(f'refused: {refused}')
