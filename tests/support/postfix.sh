#!/bin/bash
# A private Postfix for the real-MTA test (tests/integration/postfix_first_hour_test.cpp):
# its own main.cf/master.cf, queue and log under DIR, listening on 127.0.0.1:POSTFIX_PORT
# only, STARTTLS with the test Dovecot's certificate, no SASL (clients on 127.0.0.0/8 may
# relay, as mailroom on the mail server itself does). Mail for example.edu goes over LMTP
# into the test Dovecot (dovecot.sh's "lmtp" socket); nothing else leaves the machine.
# Postfix's bounces for example.edu come back the same way. The system's Postfix (in
# /etc/postfix, /var/spool/postfix) is neither read nor started.
# usage: postfix.sh start DIR DOVECOT_DIR | stop DIR
#   start writes DIR/{etc/,queue/,data/,postfix.log} and waits for the greeting; it writes
#   DIR/ready when Postfix runs, or DIR/skipped with the reason and exits 0 when it cannot
#   run here (not root: the master and its queue need root; or Postfix or dovecot-lmtpd
#   not installed); stop stops this instance only.
# env: POSTFIX_PORT (10525)
set -euo pipefail
cmd=${1:?usage: postfix.sh start DIR DOVECOT_DIR | stop DIR}
T=$(readlink -m "${2:?usage: postfix.sh start DIR DOVECOT_DIR | stop DIR}")
POSTFIX_PORT=${POSTFIX_PORT:-10525}
POSTFIX=/usr/sbin/postfix

now_ms() { date +%s%3N; }

skip() {
  mkdir -p "$T"
  rm -f "$T/ready"
  echo "$1" >"$T/skipped"
  echo "postfix.sh: skipped: $1"
  exit 0
}

master_pid() { tr -d ' ' <"$T/queue/pid/master.pid" 2>/dev/null; }

# True while `pid` is a live process (not a zombie: PID 1 here reaps orphans late).
alive() { ps -o stat= -p "$1" 2>/dev/null | grep -qv Z; }

stop() {
  local t0 pid
  t0=$(now_ms)
  rm -f "$T/ready"
  pid=$(master_pid) || true
  if [ -z "$pid" ] || ! alive "$pid"; then
    echo "postfix not running"
    return 0
  fi
  # postfix stop signals the master and returns; wait for the master and the port.
  "$POSTFIX" -c "$T/etc" stop </dev/null >"$T/stop.out" 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    alive "$pid" || break
    sleep 0.05
  done
  if alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    echo "postfix.sh: postfix (pid $pid) did not stop within 10 s; killed" >&2
  fi
  echo "postfix stopped in $(($(now_ms) - t0)) ms"
}

start() {
  local t0 dv lmtp line
  t0=$(now_ms)
  dv=$(readlink -m "${1:?usage: postfix.sh start DIR DOVECOT_DIR}")
  rm -f "$T/ready" "$T/skipped"
  [ "$(id -u)" -eq 0 ] || skip "Postfix's master runs as root (it binds, owns the queue and drops to user postfix): run the suite as root"
  [ -x "$POSTFIX" ] || skip "postfix is not installed (scripts/install-deps.sh --test installs it)"
  [ -x /usr/lib/dovecot/lmtp ] || skip "dovecot-lmtpd is not installed (scripts/install-deps.sh --test installs it)"
  lmtp="$(doveconf -c "$dv/dovecot.conf" -h base_dir)/lmtp"
  if [ ! -S "$lmtp" ]; then
    echo "postfix.sh: the test Dovecot offers no LMTP socket at $lmtp (start it with dovecot.sh first)" >&2
    return 1
  fi
  [ -e "$T/queue/pid/master.pid" ] && stop >/dev/null # leftovers of an aborted run
  mkdir -p "$T/etc" "$T/queue" "$T/data"
  chmod 755 "$T"
  chown postfix "$T/data"
  : >"$T/postfix.log"
  cat >"$T/etc/transport" <<MAP
example.edu lmtp:unix:$lmtp
MAP
  cat >"$T/etc/main.cf" <<CF
# A private test instance; nothing from /etc/postfix is read.
compatibility_level = 3.6
config_directory = $T/etc
queue_directory = $T/queue
data_directory = $T/data
# No syslog here: Postfix logs to a file through postlogd ("postlog" in master.cf).
maillog_file = $T/postfix.log
maillog_file_prefixes = $T
myhostname = mx.example.edu
mydomain = example.edu
myorigin = \$mydomain
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
# example.edu is the site's domain: every recipient is accepted and handed to Dovecot
# over LMTP, which refuses the ones it does not know; Postfix then bounces to the sender.
relay_domains = example.edu
transport_maps = texthash:$T/etc/transport
# Nothing else may leave the machine.
default_transport = error:outbound mail disabled in tests
relay_transport = error:outbound mail disabled in tests
smtpd_tls_security_level = may
smtpd_tls_cert_file = $dv/certs/server.crt
smtpd_tls_key_file = $dv/certs/server.key
smtpd_tls_received_header = yes
smtpd_banner = \$myhostname ESMTP
biff = no
message_size_limit = 52428800
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
CF
  # Only the services used; no chroot (nothing copied into the queue folder).
  cat >"$T/etc/master.cf" <<MCF
127.0.0.1:$POSTFIX_PORT inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
lmtp      unix - - n - - lmtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
tlsmgr    unix - - n 1000? 1 tlsmgr
MCF
  # Postfix re-reads a config file changed within the last 2 s until it is older (an
  # "being edited" guard): back-date them, or every start waits ~2 s more.
  touch -d '-1 min' "$T/etc/main.cf" "$T/etc/master.cf" "$T/etc/transport"
  # postfix start runs postfix check (creating the queue folders) and starts the master.
  # It prints its errors on stderr only when that is a terminal: `script` gives it one.
  if ! script -qec "$POSTFIX -c '$T/etc' start" /dev/null </dev/null >"$T/start.out" 2>&1; then
    echo "postfix.sh: postfix -c $T/etc start failed:" >&2
    cat "$T/start.out" "$T/postfix.log" >&2
    return 1
  fi
  # Ready when the port greets; bounded at 10 s.
  for _ in $(seq 1 200); do
    if exec 3<>"/dev/tcp/127.0.0.1/$POSTFIX_PORT" 2>/dev/null; then
      if read -t 2 -r line <&3 && [[ $line == 220* ]]; then
        printf 'QUIT\r\n' >&3
        exec 3>&-
        echo "postfix ready on 127.0.0.1:$POSTFIX_PORT, pid $(master_pid), in $(($(now_ms) - t0)) ms"
        touch "$T/ready"
        return 0
      fi
      exec 3>&-
    fi
    sleep 0.05
  done
  echo "postfix.sh: postfix did not greet on 127.0.0.1:$POSTFIX_PORT within 10 s" >&2
  cat "$T/start.out" "$T/postfix.log" >&2
  return 1
}

case $cmd in
start) start "${3:-}" ;;
stop) stop ;;
*) echo "usage: postfix.sh start DIR DOVECOT_DIR | stop DIR" >&2; exit 2 ;;
esac
