#!/bin/sh
# mailroom as ../shared/bench's EXTRA_TOOL (its README): one `mailroom run --once` against
# the bench's Dovecot, with IMAP_HOST IMAP_PORT IMAP_USER IMAP_PASS DEST STATE from the
# bench. The archive folder is DEST/cur (a link from the state folder made before the run),
# so the bench counts the archived mails as it counts a Maildir's. Rules: the bundled
# example, made once by the caller into MAILROOM_BENCH_RULES (readable by the bench's
# unprivileged user). Use:
#   scripts/example-rules.sh /tmp/mailroom-bench-rules
#   EXTRA_TOOL="mailroom|MAILROOM=$PWD/build/src/mailroom MAILROOM_BENCH_RULES=/tmp/mailroom-bench-rules sh $PWD/tests/bench/mailroom_extra_tool.sh|exec $PWD/build/src/mailroom run --once --config \$STATE/term.toml" \
#     TOOLS=mbsync MIX=1,0,0 ../shared/bench/imap-baseline.sh 5000
# The third field is the poll: it runs on the state the pull set up, and the bench's own
# `sh -c` execs mailroom, as it runs mbsync, without this script's shell in between (a
# second process start in each timed no-op poll). Without it the bench polls with this
# script, as the figures before 2026-12-06 (morning) were taken.
set -eu
# Builtins only once set up: a poll is timed as a process, and mkdir would be a second one.
[ -d "$DEST/cur" ] && [ -d "$STATE/state" ] || mkdir -p "$DEST/cur" "$STATE/state"
[ -e "$STATE/state/archive" ] || ln -s "$DEST/cur" "$STATE/state/archive"
if [ ! -f "$STATE/term.toml" ]; then
  printf '%s\n' "$IMAP_PASS" > "$STATE/imap-password"
  chmod 600 "$STATE/imap-password"
  cat > "$STATE/term.toml" <<TOML
rules = "$MAILROOM_BENCH_RULES"
state_dir = "state"
[mailbox]
url = "imap://$IMAP_HOST:$IMAP_PORT/INBOX"
user = "$IMAP_USER"
password_file = "imap-password"
allow_plaintext = true
[outbox]
url = "dir:outbox"
from = "cse585-staff@umich.edu"
TOML
fi
exec "$MAILROOM" run --once --config "$STATE/term.toml"
