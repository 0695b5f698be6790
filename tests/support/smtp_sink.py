#!/usr/bin/python3
"""A test SMTP server on 127.0.0.1 for mailroom's integration tests (aiosmtpd, Debian's
python3-aiosmtpd; run with /usr/bin/python3). STARTTLS required, AUTH PLAIN/LOGIN.
Every accepted message is kept in SPOOL/NNNN.eml with SPOOL/NNNN.json (envelope, TLS,
AUTH user, data_end_at: when its DATA ended, seconds since the epoch); a recipient whose local part is a user of the test Dovecot is also delivered
into that mailbox through dovecot-lda before the 250, so tests need no polling.
--reject ADDR answers RCPT TO:<ADDR> with 550 5.1.1 (docs/reliability-cases.md A7). --smtps speaks
TLS from the first byte (implicit TLS, smtps://) instead of requiring STARTTLS.
Faults of the end of DATA (docs/reliability-cases.md E6): --drop-after-data N keeps the first N
messages (delivered and spooled, as a server that took them) and then drops the
connection without a reply, in the RFC 1047 window after the client's `.`;
--reject-data answers every message with 554 5.7.1 and keeps none. --refuse-greeting
greets with 554 5.3.2 (RFC 5321 3.1: no service here) and answers every command but QUIT
with 503: a server that refuses before any message is named.
usage: smtp_sink.py --port P --cert C --key K --spool DIR --auth user:pass
                    [--dovecot-conf FILE --users-file FILE] [--reject ADDR ...] [--smtps]
                    [--drop-after-data N] [--reject-data] [--refuse-greeting]"""
import logging
logging.getLogger('mail.log').setLevel(logging.ERROR)
import argparse, asyncio, itertools, json, os, signal, ssl, subprocess, sys, time
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

ap = argparse.ArgumentParser()
ap.add_argument('--host', default='127.0.0.1')
ap.add_argument('--port', type=int, required=True)
ap.add_argument('--cert', required=True)
ap.add_argument('--key', required=True)
ap.add_argument('--spool', required=True)
ap.add_argument('--auth', action='append', default=[])
ap.add_argument('--dovecot-conf')
ap.add_argument('--users-file')
ap.add_argument('--reject', action='append', default=[])
ap.add_argument('--smtps', action='store_true')
ap.add_argument('--drop-after-data', type=int, default=0)
ap.add_argument('--reject-data', action='store_true')
ap.add_argument('--refuse-greeting', action='store_true')
a = ap.parse_args()
os.makedirs(a.spool, exist_ok=True)
creds = dict(x.split(':', 1) for x in a.auth)
users = set()
if a.users_file:
    users = {l.split(':', 1)[0] for l in open(a.users_file) if l.strip() and not l.startswith('#')}
rejected = {x.lower() for x in a.reject}
counter = itertools.count(1 + sum(n.endswith('.eml') for n in os.listdir(a.spool)))
drops_left = a.drop_after_data
LDA = '/usr/lib/dovecot/dovecot-lda'


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in rejected:
            return '550 5.1.1 no such user'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        global drops_left
        data_end_at = time.time()  # the client's final dot is in: tests/bench's latency ends here
        if a.reject_data:
            # One log line per refused message, so a test can count the attempts.
            print(f'refused a message to {",".join(envelope.rcpt_tos)}', file=sys.stderr, flush=True)
            return '554 5.7.1 message refused by policy'
        n = next(counter)
        data = envelope.original_content
        for rcpt in envelope.rcpt_tos:
            user = rcpt.split('@', 1)[0].lower()
            if a.dovecot_conf and user in users:
                p = await asyncio.create_subprocess_exec(
                    LDA, '-c', a.dovecot_conf, '-d', user, '-f', envelope.mail_from or 'MAILER-DAEMON',
                    stdin=subprocess.PIPE, stderr=subprocess.PIPE)
                _, err = await p.communicate(data)
                if p.returncode != 0:
                    print(f'lda for {user} failed rc={p.returncode}: {err.decode()}', file=sys.stderr, flush=True)
                    return '451 4.3.0 local delivery failed'
        # Written last and renamed into place: a test never reads half a message.
        with open(os.path.join(a.spool, f'.{n:04d}.eml'), 'wb') as f:
            f.write(data)
        with open(os.path.join(a.spool, f'{n:04d}.json'), 'w') as f:
            json.dump({'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
                       'data_end_at': data_end_at,
                       'tls': session.ssl is not None
                       or server.transport.get_extra_info('ssl_object') is not None,
                       'auth': session.auth_data.login.decode()
                       if session.authenticated and isinstance(session.auth_data, LoginPassword)
                       else None}, f)
        os.rename(os.path.join(a.spool, f'.{n:04d}.eml'), os.path.join(a.spool, f'{n:04d}.eml'))
        if drops_left > 0:
            drops_left -= 1
            # The message is kept, but the client never hears so: the connection goes
            # before the 250. abort() closes the socket at once (under TLS, without a
            # close_notify); aiosmtpd then cancels this session, so no reply is written.
            print(f'dropped the connection after message {n:04d}', file=sys.stderr, flush=True)
            server.transport.abort()
            await asyncio.sleep(60)
            return '421 4.3.0 dropped'
        return '250 2.0.0 delivered'


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and \
        creds.get(auth_data.login.decode()) == auth_data.password.decode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(a.cert, a.key)


class Refuser(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.pending = transport, b''
        print('refused a connection at the greeting', file=sys.stderr, flush=True)
        transport.write(b'554 5.3.2 no SMTP service here\r\n')

    def data_received(self, data):
        self.pending += data
        while b'\n' in self.pending:
            line, self.pending = self.pending.split(b'\n', 1)
            if line.strip().upper() == b'QUIT':
                self.transport.write(b'221 2.0.0 bye\r\n')
                self.transport.close()
                return
            self.transport.write(b'503 5.5.1 no SMTP service here\r\n')


def factory():
    if a.refuse_greeting:
        return Refuser()
    # With --smtps the whole connection is TLS (asyncio's ssl= below): no STARTTLS to offer
    # or require, and AUTH is already encrypted, which aiosmtpd cannot see by itself.
    return SMTP(Handler(), hostname='localhost', ident='mailroom-test-sink',
                tls_context=None if a.smtps else ctx, require_starttls=not a.smtps,
                authenticator=authenticator if creds else None,
                auth_required=bool(creds), auth_require_tls=not a.smtps, decode_data=False)


async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(factory, host=a.host, port=a.port,
                                   ssl=ctx if a.smtps else None)
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    print(f'READY {a.host}:{a.port} pid {os.getpid()}', flush=True)
    await stop.wait()
    srv.close()
    await srv.wait_closed()

asyncio.run(main())
