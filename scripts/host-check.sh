#!/bin/bash
# The systemd cases that need systemd as PID 1 (docs/reliability-cases.md section 6, D2-D8), for a
# sysadmin to run on a real Debian host after installing mailroom (the .deb or
# `cmake --install`). As root, from a mailroom source tree (it uses scripts/, examples/
# and tests/support/). It makes a throwaway instance `hostcheck` and two throwaway staff
# users, and removes them afterwards; it changes nothing else on the host.
#   D2 credentials  D3 Type=notify start  D4 watchdog  D5 the sandbox against a real IMAPS
#   server  D6 stop and the start limit  D7 staff read the live ledger  D8 the journal
# D5 and the credential login of D2 need Dovecot (`apt-get install dovecot-imapd`; its own
# service is not used: tests/support/dovecot.sh runs a private instance on 127.0.0.1).
# Without Dovecot those cases are skipped and said so.
# scripts/systemd-vm.sh runs this in a throwaway systemd-nspawn container of Debian
# bookworm with the .deb installed (mailroom's CI sandbox has no systemd as PID 1).
# Exit 0 when every case that ran passed.
set -u # no pipefail: `cmd | grep -q` would fail whenever grep stops reading early
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 2; }
[ -d /run/systemd/system ] || { echo "systemd is not PID 1 here" >&2; exit 2; }
command -v mailroom >/dev/null || { echo "mailroom is not installed" >&2; exit 2; }
getent group mailroom >/dev/null || { echo "no group mailroom (systemd-sysusers?)" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
instance=hostcheck
unit="mailroom@$instance.service"
etc=/etc/mailroom
state=/var/lib/mailroom/$instance
maildir=/var/lib/mailroom/hostcheck-maildir
work=/var/tmp/mailroom-hostcheck
dropins=/run/systemd/system/$unit.d
secret="hostcheck-secret-$RANDOM$RANDOM"
staff=mrhc-staff # in group mailroom
other=mrhc-other # not in it
failures=0
skipped=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
skip() { echo "skip $*"; skipped=$((skipped + 1)); }
known=0
known() { echo "KNOWN $*"; known=$((known + 1)); } # a gap outside mailroom's reach, not a failure
pids=()
etc_created=0
[ -d "$etc" ] || etc_created=1
cleanup() {
  systemctl stop "$unit" 2>/dev/null
  systemctl reset-failed "$unit" 2>/dev/null
  rm -rf "$dropins"
  systemctl daemon-reload
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  [ -x "$root/tests/support/dovecot.sh" ] && [ -e "$work/dovecot/run/master.pid" ] &&
    IMAP_PORT=10143 IMAPS_PORT=10993 "$root/tests/support/dovecot.sh" stop "$work/dovecot" >/dev/null 2>&1
  rm -rf "$etc/$instance" "$etc/$instance".* "$state" "/var/lib/private/mailroom/$instance" "$maildir" "$work"
  [ "$etc_created" -eq 1 ] && rmdir "$etc" 2>/dev/null
  userdel "$staff" 2>/dev/null
  userdel "$other" 2>/dev/null
}
trap cleanup EXIT

journal() { journalctl -u "$unit" --no-pager -o cat --since "@$since" "$@"; }
mark() { # the journal of this case: from the next whole second on
  since=$(($(date +%s) + 1))
  while [ "$(date +%s)" -lt "$since" ]; do sleep 0.1; done
}
prop() { systemctl show -p "$1" --value "$unit"; }
dropin() { # dropin NAME TEXT: a runtime drop-in for this test only ("" removes it)
  mkdir -p "$dropins"
  if [ -n "$2" ]; then printf '[Service]\n%s\n' "$2" >"$dropins/$1.conf"; else rm -f "$dropins/$1.conf"; fi
  systemctl daemon-reload
}
fresh() { # stop, forget the start limit and the state of earlier cases
  systemctl stop "$unit" 2>/dev/null
  systemctl reset-failed "$unit" 2>/dev/null
  mark
}
wait_for() { # wait_for SECONDS command...: polls every 0.5 s
  local until=$(($(date +%s) + $1))
  shift
  while [ "$(date +%s)" -lt "$until" ]; do
    "$@" && return 0
    sleep 0.5
  done
  "$@"
}
polled() { [[ "$(prop StatusText)" == *"last poll"* ]]; }
config() { # config MAILBOX-TOML-LINES [EXTRA]: writes the instance's config
  cat >"$etc/$instance.toml" <<TOML
rules = "$etc/$instance"
state_dir = "$state"
poll_interval = "2s"
${2:-}
[mailbox]
$1
TOML
}
rows() { runuser -u "$staff" -- mailroom ledger --config "$etc/$instance.toml" --json 2>/dev/null | wc -l; }
leaked() { # the secret anywhere but the credential file
  local pid
  pid=$(prop MainPID)
  journalctl --no-pager -o verbose | grep -qF "$secret" && return 0
  if [ "$pid" -gt 0 ]; then
    tr '\0' '\n' </proc/"$pid"/environ | grep -qF "$secret" && return 0
    tr '\0' ' ' </proc/"$pid"/cmdline | grep -qF "$secret" && return 0
  fi
  grep -rqF "$secret" "$etc/$instance.toml" "$etc/$instance" "$state" 2>/dev/null
}

# --- Setup, as the README tells a sysadmin -----------------------------------------------
install -d -m 0750 "$etc"
mkdir -p "$work"
"$root/scripts/example-rules.sh" "$etc/$instance"
"$root/scripts/example-maildir.sh" "$maildir"
chown -R mailroom:mailroom "$maildir"
config "url = \"maildir:$maildir\""
printf '%s\n' "$secret" | install -m 0600 /dev/stdin "$etc/$instance.imap-password"
install -m 0600 /dev/null "$etc/$instance.smtp-password"
useradd --no-create-home --shell /usr/sbin/nologin -G mailroom "$staff"
useradd --no-create-home --shell /usr/sbin/nologin "$other"
# The service (user mailroom) and staff read the config through group mailroom; the .deb
# makes /etc/mailroom root:mailroom 0750.
if ! runuser -u mailroom -- test -r "$etc/$instance.toml"; then
  fail "setup: user mailroom cannot read $etc/$instance.toml ($(stat -c '%U:%G %a' "$etc") $etc): chgrp mailroom $etc"
  chgrp mailroom "$etc"
fi
mark

# --- D3: Type=notify start returns once READY=1 is sent; the unit is active ---------------
t0=$(date +%s%N)
if timeout 30 systemctl start "$unit" && systemctl is-active --quiet "$unit"; then
  pass "D3 systemctl start returned after READY=1 in $((($(date +%s%N) - t0) / 1000000)) ms; active"
else
  fail "D3 start: $(prop ActiveState)/$(prop Result)"
  journal | tail -5
fi
wait_for 10 polled
status=$(prop StatusText)
[[ "$status" == *"last poll"* ]] && pass "D3 STATUS= shows the last poll: $status" || fail "D3 STATUS=: '$status'"

# --- D7: a staff user in group mailroom reads the live ledger; one without it cannot -------
n=$(rows)
[ "$n" -gt 0 ] && pass "D7 $staff (group mailroom) reads the live ledger ($n rows)" ||
  fail "D7 $staff cannot read the ledger: $(runuser -u "$staff" -- mailroom ledger --config "$etc/$instance.toml" 2>&1 | head -2)"
# ... while the daemon records a new mail every 100 ms.
(
  for i in $(seq 1 40); do
    f=$(ls "$maildir/cur" "$maildir/new" 2>/dev/null | grep -m1 example) || break
    src=$(ls "$maildir"/cur/"$f" "$maildir"/new/"$f" 2>/dev/null | head -1)
    sed "1s/^/X-Hostcheck: $i\n/" "$src" >"$maildir/tmp/hc$i" && chown mailroom: "$maildir/tmp/hc$i"
    mv "$maildir/tmp/hc$i" "$maildir/new/$(date +%s).hc$i.hostcheck"
    sleep 0.1
  done
) &
feeder=$!
errors=0
for i in $(seq 1 30); do
  out=$(runuser -u "$staff" -- mailroom ledger --config "$etc/$instance.toml" 2>&1) || {
    [ "$errors" -eq 0 ] && echo "     $(head -1 <<<"$out")"
    errors=$((errors + 1))
  }
  grep -qiE 'readonly|locked|corrupt|malformed' <<<"$out" && errors=$((errors + 1))
  sleep 0.1
done
wait "$feeder"
[ "$errors" -eq 0 ] && pass "D7 30 reads by $staff while the daemon writes: no error" || fail "D7 $errors reader error(s) while the daemon writes"
out=$(runuser -u "$other" -- mailroom ledger --config "$etc/$instance.toml" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -qi 'permission' <<<"$out" && grep -q 'mailroom' <<<"$out"; then
  pass "D7 $other (not in the group) is refused: $(head -1 <<<"$out")"
else
  fail "D7 $other: exit $rc, the message names no permission and group: $(head -2 <<<"$out")"
fi

# --- D2: the password is nowhere but the credential; the credential is secure -------------
pid=$(prop MainPID)
creds=/run/credentials/$unit
if [ -d "$creds" ]; then
  list=$(CREDENTIALS_DIRECTORY=$creds systemd-creds list --no-legend 2>&1)
  if grep -q 'imap-password' <<<"$list" && ! grep -qE 'insecure|weak' <<<"$list"; then
    pass "D2 systemd-creds list: $(tr -s ' \n' ' ' <<<"$list")"
  else
    fail "D2 systemd-creds list: $list"
  fi
  owner=$(stat -c '%U %a' "$creds/imap-password")
  [ "$owner" = "mailroom 400" ] && pass "D2 the credential is mode 0400, owned by mailroom" || fail "D2 credential file: $owner"
else
  fail "D2 no $creds"
fi
if leaked; then fail "D2 the password leaked"; else pass "D2 the password is in no journal entry, environment, command line, config or state"; fi

# --- D8: journal priorities; no timestamps of mailroom's own ------------------------------
if journal | grep -qE '^\[?[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]'; then fail "D8 own timestamps in the journal"; else pass "D8 no own timestamps"; fi
journal -p info | grep -q "recorded" && pass "D8 'recorded' lines at info" || fail "D8 info lines"
if journal -p warning | grep -q "recorded"; then fail "D8 'recorded' lines at warning or above"; else pass "D8 'recorded' is not at warning"; fi

# --- D6: SIGTERM ends it within 5 s with success ------------------------------------------
before=$(rows) # for D4a
t0=$(date +%s%N)
systemctl stop "$unit"
took=$((($(date +%s%N) - t0) / 1000000))
result=$(prop Result)
[ "$took" -lt 5000 ] && [ "$result" = success ] && pass "D6 stop in $took ms, result $result" || fail "D6 stop took $took ms, result $result"

# --- D7: staff read the ledger while the daemon is stopped, too ---------------------------
out=$(runuser -u "$staff" -- mailroom ledger --config "$etc/$instance.toml" 2>&1) &&
  pass "D7 $staff reads the ledger with the daemon stopped" ||
  fail "D7 $staff cannot read the ledger with the daemon stopped: $(head -1 <<<"$out")"

# --- D4 (a): a hung poll: no pings, the watchdog aborts it, systemd restarts it ------------
# An IMAP server that accepts and never answers; the in-process timeout is set to an hour
# and WatchdogSec= to 5 s, so only the watchdog can end the wait.
hang_port=10144
python3 - "$hang_port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    held.append(s.accept()[0])  # never greets
PY
pids+=($!)
sleep 0.5
fresh
config "url = \"imap://127.0.0.1:$hang_port/INBOX\"
user = \"staff\"
timeout = \"1h\""
dropin watchdog "WatchdogSec=5s
RestartSec=1s"
systemctl start "$unit"
if wait_for 25 bash -c "[ \"\$(systemctl show -p NRestarts --value $unit)\" -ge 1 ]"; then
  line=$(journalctl -u "$unit" --no-pager -o cat --since "@$since" | grep -m1 -iE 'watchdog timeout')
  [ -n "$line" ] && pass "D4a hung poll: '$line', then restarted ($(prop NRestarts) restart(s))" || fail "D4a restarted without a watchdog timeout"
  journal | grep -qE 'SIGABRT|status=6/ABRT|code=dumped' && pass "D4a killed with SIGABRT" || fail "D4a no SIGABRT in the journal"
else
  fail "D4a no restart within 25 s: $(prop ActiveState)/$(prop Result)"
fi
after=$(rows) # the restarted daemon has the ledger open: its -shm lets staff read
systemctl stop "$unit"
[ "$after" -eq "$before" ] && runuser -u "$staff" -- mailroom ledger --config "$etc/$instance.toml" >/dev/null &&
  pass "D4a the ledger is intact after the aborts ($after rows)" || fail "D4a ledger: $before rows before, $after after"
dropin watchdog ""

# --- D4 (b): long work keeps the watchdog fed --------------------------------------------
# A 20 MB mail in the Maildir, WatchdogSec=3s: ingesting it must not trip the watchdog.
fresh
config "url = \"maildir:$maildir\""
dropin watchdog "WatchdogSec=3s
RestartSec=1s"
python3 - "$maildir/new/$(date +%s).big.hostcheck" <<'PY'
import sys, base64, os
body = base64.encodebytes(os.urandom(15 * 1024 * 1024)).decode()
with open(sys.argv[1], "w") as f:
    f.write("From: Ann Student <ann@umich.edu>\nTo: cse585-staff@umich.edu\nSubject: big\n"
            "Date: Mon, 15 Sep 2025 23:00:00 -0400\nMessage-ID: <big@hostcheck>\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nbig one\n"
            "--b\nContent-Type: application/pdf; name=big.pdf\nContent-Transfer-Encoding: base64\n\n"
            + body + "\n--b--\n")
PY
chown -R mailroom: "$maildir"
systemctl start "$unit"
wait_for 30 bash -c "journalctl -u $unit --no-pager -o cat --since @$since | grep -q big.hostcheck"
sleep 4
restarts=$(prop NRestarts)
if [ "$restarts" -eq 0 ] && systemctl is-active --quiet "$unit" && ! journal | grep -qi 'watchdog timeout'; then
  pass "D4b a 20 MB mail: $(journal | grep -m1 big.hostcheck | cut -c1-100); no watchdog kill"
else
  fail "D4b 20 MB mail: $restarts restart(s), $(prop ActiveState); $(journal | grep -i -m1 watchdog)"
fi
dropin watchdog ""
systemctl stop "$unit"

# --- D5 and D2's login: the unit against a real IMAPS server ------------------------------
if command -v dovecot >/dev/null && [ -x "$root/tests/support/dovecot.sh" ]; then
  fresh
  IMAP_PORT=10143 IMAPS_PORT=10993 "$root/tests/support/dovecot.sh" start "$work/dovecot" >/dev/null ||
    fail "D5 the test Dovecot did not start"
  sed -i "s/^staff:{PLAIN}secret:/staff:{PLAIN}$secret:/" "$work/dovecot/users" # Dovecot re-reads it
  inbox="$work/dovecot/mail/staff/Maildir"
  mkdir -p "$inbox"/{new,cur,tmp}
  cp "$maildir"/cur/*.example "$maildir"/new/*.example "$inbox/new/" 2>/dev/null
  chown -R 5000:5000 "$work/dovecot/mail"
  install -m 0644 "$work/dovecot/certs/ca.crt" "$etc/$instance.ca.crt"
  rm -rf "$state"
  # localhost: A and AAAA from /etc/hosts through getaddrinfo, without AF_NETLINK.
  imaps="url = \"imaps://localhost:10993/INBOX\"
user = \"staff\"
ca_file = \"$etc/$instance.ca.crt\""
  config "$imaps"
  touch "$work/marker"
  systemctl start "$unit"
  wait_for 20 polled
  status=$(prop StatusText)
  new=$(journal | grep -c '^recorded')
  if [[ "$status" == *"last poll"* && "$status" != *"; "* ]] && [ "$new" -gt 0 ]; then
    pass "D5/D2 login with the credential over TLS (CA verified), $new mails recorded: $status"
  else
    fail "D5/D2 IMAPS poll: '$status'"
    journal | tail -5
  fi
  denied=$(journal | grep -iE 'EPERM|Operation not permitted|SIGSYS|Bad system call|Address family not supported' | head -3)
  [ -z "$denied" ] && pass "D5 no EPERM, SIGSYS or address family error in the journal" || fail "D5 sandbox denials: $denied"
  if leaked; then fail "D2 the password leaked (IMAPS)"; else pass "D2 the password is nowhere after an IMAPS login"; fi
  elsewhere=$(find / -xdev \( -path /proc -o -path /sys -o -path "$state" -o -path /var/lib/private \) -prune -o \
    -newer "$work/marker" -user mailroom -print 2>/dev/null | grep -v "^$maildir" | head -5)
  [ -z "$elsewhere" ] && pass "D5 the service wrote only under $state" || fail "D5 files written elsewhere: $elsewhere"

  # D2: the encrypted credential works the same way.
  fresh
  if systemd-creds encrypt --name=imap-password "$etc/$instance.imap-password" "$etc/$instance.imap-password.cred" 2>"$work/encrypt.err"; then
    dropin cred "LoadCredential=
LoadCredentialEncrypted=imap-password:$etc/$instance.imap-password.cred
LoadCredential=smtp-password:$etc/$instance.smtp-password"
    mv "$etc/$instance.imap-password" "$work/imap-password.plain"
    grep -Fq "$secret" "$etc/$instance.imap-password.cred" && fail "D2 the .cred file holds the password in clear"
    logins=$(grep -c 'Login: user=<staff>' "$work/dovecot/dovecot.log")
    systemctl start "$unit"
    wait_for 20 polled
    status=$(prop StatusText)
    [[ "$status" == *"last poll"* && "$status" != *"; "* ]] &&
      [ "$(grep -c 'Login: user=<staff>' "$work/dovecot/dovecot.log")" -gt "$logins" ] &&
      pass "D2 LoadCredentialEncrypted= login: $status" || fail "D2 encrypted credential: '$status'"
    systemctl stop "$unit"
    mv "$work/imap-password.plain" "$etc/$instance.imap-password"
    dropin cred ""
  else
    fail "D2 systemd-creds encrypt: $(cat "$work/encrypt.err")"
  fi

  # D8: a refused password is an error in `journalctl -p warning`, without the password.
  fresh
  printf 'wrong-%s\n' "$secret" | install -m 0600 /dev/stdin "$etc/$instance.imap-password"
  systemctl start "$unit"
  wait_for 20 polled
  warn=$(journal -p warning | grep -iE 'password|login|auth' | head -1)
  [ -n "$warn" ] && pass "D8 a refused login in journalctl -p warning: $warn" || fail "D8 no refused-login line at warning"
  if journalctl --no-pager -o verbose | grep -qF "wrong-$secret"; then fail "D8 the wrong password is in the journal"; else pass "D8 the wrong password is not in the journal"; fi
  systemctl stop "$unit"
  printf '%s\n' "$secret" | install -m 0600 /dev/stdin "$etc/$instance.imap-password"
  config "url = \"maildir:$maildir\""
else
  skip "D5, D2 login and encrypted credential, D8 refused login: no Dovecot (apt-get install dovecot-imapd)"
fi

# --- D2: a missing credential: one clear error; the start limit ends the loop --------------
fresh
dropin fast "RestartSec=1s"
mv "$etc/$instance.smtp-password" "$work/smtp-password.moved"
systemctl start "$unit" 2>/dev/null
limited() { journal | grep -q 'Start request repeated too quickly'; }
wait_for 20 limited
line=$(journal | grep -m1 -iE 'credential' || true)
if limited && [ "$(prop ActiveState)" != activating ]; then
  pass "D2 missing credential: '$line'; the start limit ends the loop after $(journal | grep -c 'status=243/CREDENTIALS') tries"
else
  fail "D2 missing credential: no start limit ($(prop ActiveState), $(journal | grep -c 'status=243/CREDENTIALS') tries)"
fi
# systemd 252 fails the start before mailroom runs, and says "Failed to set up credentials:
# Protocol error" (status=243/CREDENTIALS) without the name; neither ExecStartPre=+ (also
# stopped at the CREDENTIALS step) nor AssertPathExists= ("Assertion failed") can add it.
grep -q 'smtp-password' <<<"$line" && pass "D2 missing credential named: $line" ||
  known "D2 systemd $(systemctl --version | head -1 | cut -d' ' -f2) does not name the missing credential: '$line'"
mv "$work/smtp-password.moved" "$etc/$instance.smtp-password"

# --- D6: a broken config fails every start; the start limit ends the restart loop ---------
fresh
echo 'pasword = "x"' >>"$etc/$instance.toml"
systemctl start "$unit" 2>/dev/null
wait_for 10 bash -c "journalctl -u $unit --no-pager -o cat --since @$since | grep -q \"unknown key 'pasword'\""
# Between two tries (activating, auto-restart) status shows the failed try's lines; once
# the start limit is hit, systemd 252 shows only its own refusal there (journalctl -u has it).
out=$(systemctl status "$unit" --no-pager -n 20 2>&1)
fields=$(journal -o verbose | grep -B30 -m1 "unknown key 'pasword'" | grep -oE '_SYSTEMD_(UNIT|INVOCATION_ID)=' | sort -u | tr '\n' ' ')
if grep -q "unknown key 'pasword'" <<<"$out"; then
  pass "D6 systemctl status shows it (between tries)"
elif [[ "$fields" != *INVOCATION_ID* ]]; then
  # journald tags a stdout line with the invocation from the writer's cgroup; mailroom has
  # exited (within ms) before journald looks, so status (one invocation) omits the line.
  known "D6 systemctl status omits the config error: journald recorded it without _SYSTEMD_INVOCATION_ID ($fields); journalctl -u shows it"
else
  fail "D6 systemctl status does not show the config error:"
  sed 's/^/     /' <<<"$out"
fi
wait_for 20 limited
line=$(journal | grep -m1 "unknown key 'pasword'")
[[ "$line" == *"$instance.toml:"[0-9]* ]] && pass "D6 broken config in the journal: $line" || fail "D6 broken config message: '$line'"
tries=$(journal | grep -c "unknown key 'pasword'")
limited && pass "D6 start limit hit after $tries tries ($(prop ActiveState))" || fail "D6 broken config: no start limit after $tries tries"
dropin fast ""

echo "exposure (systemd-analyze security on this host): $(systemd-analyze security "$unit" 2>/dev/null | tail -1)"
echo "host-check: $failures failure(s), $skipped skipped, $known known gap(s) outside mailroom"
exit $((failures > 0))
