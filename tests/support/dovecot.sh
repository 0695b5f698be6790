#!/bin/bash
# A test IMAP server: Dovecot on 127.0.0.1 only, with its own config, users, maildirs and a
# throwaway CA, nothing read from /etc/dovecot. Run as root (the CI and test machines are).
# usage: dovecot.sh start DIR | stop DIR | restart DIR
#   start writes DIR/{dovecot.conf,users,certs/,mail/,state/,dovecot.log} and waits for the
#   greeting; stop sends SIGTERM to this instance's master only and waits until it is gone.
# env: IMAP_PORT (10143, STARTTLS), IMAPS_PORT (10993), VMAIL_UID/VMAIL_GID (5000),
#      TLS (required; "off" serves plain IMAP on IMAP_PORT only, no STARTTLS and no IMAPS,
#      as ../shared/bench's Dovecot does: for tests/bench/imap_ingest_bench.py only)
# users: staff/secret, student/secret, course/secret (a course mailbox of its own, for the
#        end-to-end reply test: mail sent through the SMTP server is polled from it),
#        noidle/secret (a server without IDLE: its CAPABILITY after login is IMAP4rev1 only),
#        desk/secret (the desk of tests/integration/postfix_first_hour_test.cpp)
# LMTP: where dovecot-lmtpd is installed, a socket "lmtp" (mode 0666) in the run dir
#       (`doveconf -c DIR/dovecot.conf -h base_dir`) for the test Postfix (postfix.sh)
set -euo pipefail
cmd=${1:?usage: dovecot.sh start|stop|restart DIR}
T=$(readlink -m "${2:?usage: dovecot.sh start|stop|restart DIR}")
IMAP_PORT=${IMAP_PORT:-10143}
IMAPS_PORT=${IMAPS_PORT:-10993}
VU=${VMAIL_UID:-5000}
VG=${VMAIL_GID:-5000}
TLS=${TLS:-required}
HERE=$(dirname "$(readlink -f "$0")")
# base_dir holds UNIX sockets (sun_path <= 107 bytes, the longest name under it is
# token-login/imap-urlauth): deep build trees get a short run dir of their own.
RUN="$T/run"
INSTANCE="mailroom-test-$IMAP_PORT"
[ ${#RUN} -le 60 ] || RUN="/tmp/mailroom-dovecot-$IMAP_PORT"

now_ms() { date +%s%3N; }

tls_settings() {
  if [ "$TLS" = off ]; then
    printf 'ssl = no\ndisable_plaintext_auth = no\n'
  else
    printf 'ssl = required\nssl_cert = <%s\nssl_key = <%s\n' "$T/certs/server.crt" "$T/certs/server.key"
    printf 'ssl_min_protocol = TLSv1.2\ndisable_plaintext_auth = yes\n'
  fi
}

# LMTP (RFC 2033) for a Postfix in front of this Dovecot, where dovecot-lmtpd is installed.
lmtp_protocol() { if [ -x /usr/lib/dovecot/lmtp ]; then echo " lmtp"; fi; }
lmtp_service() {
  [ -x /usr/lib/dovecot/lmtp ] || return 0
  printf 'service lmtp {\n  unix_listener lmtp {\n    mode = 0666\n  }\n}\n'
}

start() {
  local t0
  t0=$(now_ms)
  [ -e "$RUN/master.pid" ] && stop >/dev/null # leftovers of an aborted run
  mkdir -p "$T"/{state,mail} "$RUN"
  # auth runs as user 'dovecot': it must traverse every parent dir and read the users file.
  chmod 755 "$T"
  [ -f "$T/certs/server.crt" ] || "$HERE/mkcerts.sh" "$T/certs"
  # passwd-file: user:{scheme}pass:uid:gid::home::extra. Dovecot never logs root in, so the
  # mail belongs to an unnamed uid that needs no /etc/passwd entry.
  cat >"$T/users" <<USERS
staff:{PLAIN}secret:$VU:$VG::$T/mail/staff::
student:{PLAIN}secret:$VU:$VG::$T/mail/student::
course:{PLAIN}secret:$VU:$VG::$T/mail/course::
noidle:{PLAIN}secret:$VU:$VG::$T/mail/noidle::userdb_imap_capability=IMAP4rev1
desk:{PLAIN}secret:$VU:$VG::$T/mail/desk::
USERS
  chmod 644 "$T/users"
  if ! runuser -u dovecot -- test -r "$T/users"; then
    echo "dovecot.sh: $T/users is not readable by user dovecot (is a parent folder 0700?)" >&2
    return 1
  fi
  mkdir -p "$T/mail/staff" "$T/mail/student" "$T/mail/course" "$T/mail/noidle" "$T/mail/desk"
  chown -R "$VU:$VG" "$T/mail"
  cat >"$T/dovecot.conf" <<CONF
# Standalone test instance; nothing from /etc/dovecot is included.
instance_name = $INSTANCE
base_dir = $RUN
state_dir = $T/state
protocols = imap$(lmtp_protocol)
listen = 127.0.0.1
log_path = $T/dovecot.log
info_log_path = $T/dovecot.log
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = $VU

$(tls_settings)
auth_mechanisms = plain login
# A wrong password is answered after 0.5 s instead of 2 s. Dovecot's anvil then still
# delays the next login from that IP by 4-15 s (neither login_trusted_networks nor
# closing the anvil-auth-penalty socket helps cheaply), so tests of wrong passwords run
# an instance of their own.
auth_failure_delay = 0

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $T/users
}
userdb {
  driver = passwd-file
  args = username_format=%n $T/users
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
protocol imap {
  mail_max_userip_connections = 100
}
$(lmtp_service)
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $([ "$TLS" = off ] && echo 0 || echo "$IMAPS_PORT")
    ssl = $([ "$TLS" = off ] && echo no || echo yes)
  }
}
CONF
  doveconf -c "$T/dovecot.conf" -n >"$T/doveconf-n.txt" # validates the config, fails fast
  # The master daemonizes but keeps the caller's stdio open for its whole life: detach it,
  # or ctest (reading our output) would never see EOF.
  if ! dovecot -c "$T/dovecot.conf" </dev/null >"$T/dovecot.stderr" 2>&1; then
    cat "$T/dovecot.stderr" >&2
    return 1
  fi
  # Ready when the STARTTLS port greets; bounded at 10 s.
  local i line
  for i in $(seq 1 200); do
    if exec 3<>"/dev/tcp/127.0.0.1/$IMAP_PORT" 2>/dev/null; then
      if read -t 2 -r line <&3 && [[ $line == "* OK"* ]]; then
        exec 3>&-
        echo "dovecot ready on 127.0.0.1:$IMAP_PORT/$IMAPS_PORT, pid $(cat "$RUN/master.pid"), in $(($(now_ms) - t0)) ms"
        return 0
      fi
      exec 3>&-
    fi
    sleep 0.05
  done
  echo "dovecot.sh: dovecot did not greet on 127.0.0.1:$IMAP_PORT within 10 s" >&2
  cat "$T/dovecot.log" >&2 2>/dev/null || true
  return 1
}

stop() {
  local t0 pid i
  t0=$(now_ms)
  pid=$(cat "$RUN/master.pid" 2>/dev/null) || {
    echo "dovecot not running ($RUN/master.pid absent)"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  # The master removes master.pid as its last act (~1.1 s). kill -0 is no test here: PID 1
  # of this sandbox reaps orphans late, so the zombie answers for another ~1.5 s.
  for i in $(seq 1 200); do
    [ -e "$RUN/master.pid" ] || break
    sleep 0.05
  done
  if [ -e "$RUN/master.pid" ]; then
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$RUN/master.pid"
    echo "dovecot.sh: dovecot (pid $pid) did not stop within 10 s; killed" >&2
  fi
  # The master leaves the sessions of connected clients (imap-login, imap) and a few
  # helpers running as orphans here, and they keep serving those clients. A stopped
  # server must drop them, as systemd's cgroup kill does: end this instance's processes,
  # found by the instance name in their titles, one pid at a time.
  local leftovers
  leftovers=$(ps -eo pid=,args= | awk -v name="dovecot-$INSTANCE/" 'index($2, name) == 1 {print $1}')
  if [ -n "$leftovers" ]; then
    # shellcheck disable=SC2086
    kill -TERM $leftovers 2>/dev/null || true
    for i in $(seq 1 100); do
      # shellcheck disable=SC2086
      ps -o stat= -p $leftovers 2>/dev/null | grep -qv Z || break
      sleep 0.02
    done
  fi
  echo "dovecot stopped in $(($(now_ms) - t0)) ms"
}

case $cmd in
start) start ;;
stop) stop ;;
restart) stop && start ;;
*) echo "usage: dovecot.sh start|stop|restart DIR" >&2; exit 2 ;;
esac
