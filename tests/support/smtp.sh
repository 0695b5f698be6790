#!/bin/bash
# The test SMTP server (tests/support/smtp_sink.py, aiosmtpd) on 127.0.0.1:SMTP_PORT,
# STARTTLS with the test Dovecot's certificate, AUTH staff:secret, delivering to the
# Dovecot users through dovecot-lda and keeping a spool copy of every message.
# usage: smtp.sh start DIR DOVECOT_DIR [SINK_OPTION ...] | stop DIR
# (SINK_OPTION: --reject ADDR, --smtps, --drop-after-data N, --reject-data; see smtp_sink.py)
# env: SMTP_PORT (10025)
set -euo pipefail
cmd=${1:?usage: smtp.sh start DIR DOVECOT_DIR | stop DIR}
T=$(readlink -m "${2:?DIR}")
SMTP_PORT=${SMTP_PORT:-10025}
HERE=$(dirname "$(readlink -f "$0")")

stop() {
  [ -f "$T/smtp.pid" ] || return 0
  local pid
  pid=$(cat "$T/smtp.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    ss -ltn "sport = :$SMTP_PORT" | grep -q LISTEN || break
    sleep 0.02
  done
  rm -f "$T/smtp.pid"
}

case $cmd in
start)
  D=$(readlink -m "${3:?DOVECOT_DIR}")
  shift 3
  stop
  mkdir -p "$T/spool"
  # /usr/bin/python3: python3-aiosmtpd is a Debian package (a pyenv python lacks it).
  setsid /usr/bin/python3 "$HERE/smtp_sink.py" --port "$SMTP_PORT" \
    --cert "$D/certs/server.crt" --key "$D/certs/server.key" \
    --dovecot-conf "$D/dovecot.conf" --users-file "$D/users" \
    --spool "$T/spool" --auth staff:secret "$@" >"$T/smtp.log" 2>&1 </dev/null &
  echo $! >"$T/smtp.pid"
  for _ in $(seq 1 250); do
    grep -q '^READY' "$T/smtp.log" 2>/dev/null && { echo "smtp ready pid $(cat "$T/smtp.pid")"; exit 0; }
    kill -0 "$(cat "$T/smtp.pid")" 2>/dev/null || break
    sleep 0.02
  done
  cat "$T/smtp.log" >&2
  exit 1
  ;;
stop) stop ;;
*) echo "usage: smtp.sh start DIR DOVECOT_DIR | stop DIR" >&2; exit 2 ;;
esac
