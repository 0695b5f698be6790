#!/bin/bash
# The systemd cases that need systemd as PID 1 (reliability.md D2, D3, D6, D8), for a
# sysadmin to run on a real Debian host after installing mailroom (the .deb or
# `cmake --install`). As root. It makes a throwaway instance `hostcheck` that watches a
# Maildir with the bundled example mails, and removes it afterwards.
# NOT run in mailroom's CI: the CI sandbox has no systemd as PID 1.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 2; }
[ -d /run/systemd/system ] || { echo "systemd is not PID 1 here" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
instance=hostcheck
unit="mailroom@$instance.service"
etc=/etc/mailroom
secret="hostcheck-secret-$RANDOM$RANDOM"
failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
cleanup() {
  systemctl stop "$unit" 2>/dev/null || true
  systemctl reset-failed "$unit" 2>/dev/null || true
  rm -rf "$etc/$instance" "$etc/$instance".* /var/lib/mailroom/$instance /var/lib/mailroom/hostcheck-maildir
}
trap cleanup EXIT

install -d -m 0750 "$etc"
"$root/scripts/example-rules.sh" "$etc/$instance"
"$root/scripts/example-maildir.sh" /var/lib/mailroom/hostcheck-maildir
chown -R mailroom:mailroom /var/lib/mailroom/hostcheck-maildir
cat > "$etc/$instance.toml" <<TOML
rules = "$etc/$instance"
state_dir = "/var/lib/mailroom/$instance"
poll_interval = "5s"
[mailbox]
url = "maildir:/var/lib/mailroom/hostcheck-maildir"
TOML
printf '%s\n' "$secret" | install -m 0600 /dev/stdin "$etc/$instance.imap-password"
install -m 0600 /dev/null "$etc/$instance.smtp-password"

# D3: Type=notify start returns once READY=1 is sent; the unit is active.
if timeout 30 systemctl start "$unit" && systemctl is-active --quiet "$unit"; then pass "D3 start: active"; else fail "D3 start"; fi
sleep 6
status=$(systemctl show -p StatusText --value "$unit")
[[ "$status" == *"last poll"* ]] && pass "D3 STATUS= shows the last poll: $status" || fail "D3 STATUS=: '$status'"
n=$(sudo -u mailroom mailroom ledger --config "$etc/$instance.toml" --json 2>/dev/null | wc -l)
[ "$n" -gt 0 ] && pass "D7 the mailroom group reads the live ledger ($n rows)" || fail "D7 ledger as group mailroom"

# D2: the password is nowhere but the credential.
pid=$(systemctl show -p MainPID --value "$unit")
if journalctl -u "$unit" --no-pager | grep -q "$secret" || tr '\0' '\n' < /proc/"$pid"/environ | grep -q "$secret" \
   || tr '\0' ' ' < /proc/"$pid"/cmdline | grep -q "$secret" || grep -q "$secret" "$etc/$instance.toml"; then
  fail "D2 the password leaked"
else
  pass "D2 the password is in no log, environment, command line or config"
fi

# D8: journal priorities; no timestamps of mailroom's own.
if journalctl -u "$unit" -o cat --no-pager | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} '; then fail "D8 own timestamps in the journal"; else pass "D8 no own timestamps"; fi
journalctl -u "$unit" -p info -o cat --no-pager | grep -q "recorded" && pass "D8 'recorded' lines at info" || fail "D8 info lines"

# D6: SIGTERM ends it within 5 s with success.
start=$(date +%s%N)
systemctl stop "$unit"
took=$(( ($(date +%s%N) - start) / 1000000 ))
result=$(systemctl show -p Result --value "$unit")
[ "$took" -lt 5000 ] && [ "$result" = success ] && pass "D6 stop in $took ms, result $result" || fail "D6 stop took $took ms, result $result"

# D6: a broken config fails every start; the start limit ends the restart loop.
echo 'pasword = "x"' >> "$etc/$instance.toml"
systemctl start "$unit" || true
sleep 2
journalctl -u "$unit" --no-pager | grep -q "unknown key 'pasword'" && pass "D6 broken config: file:line in the journal" || fail "D6 broken config message"

systemd-analyze security "$unit" | tail -1
echo "host-check: $failures failure(s)"
exit $((failures > 0))
