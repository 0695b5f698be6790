#!/bin/bash
# D1 (docs/reliability-cases.md): the unit verifies, scores an exposure of at most 1.5 offline,
# and keeps every required hardening line. Then each required line is removed in
# turn and the check must fail, even when the score would stay low.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
binary=${1:?usage: unit_test.sh PATH-TO-MAILROOM}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
required=(
  "SystemCallFilter=@system-service" "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"
  "ProtectSystem=strict" "NoNewPrivileges=yes" "CapabilityBoundingSet=" "LoadCredential=imap-password"
  "ProtectHome=yes" "PrivateTmp=yes" "PrivateDevices=yes" "MemoryDenyWriteExecute=yes"
  "LockPersonality=yes" "RestrictNamespaces=yes" "UMask=0027" "Type=notify" "WatchdogSec="
)

# Prints the exposure; fails when the unit does not verify, scores above 1.5, or
# lacks a required line.
check_unit() {
  local unit=$1 name=mailroom@ci.service
  mkdir -p "$work/u" && cp "$unit" "$work/u/$name"
  sed -i "s|^ExecStart=/usr/bin/mailroom|ExecStart=$binary|" "$work/u/$name"
  local missing=0
  for line in "${required[@]}"; do
    grep -q "^${line}" "$work/u/$name" || { echo "missing: $line"; missing=1; }
  done
  [ $missing -eq 0 ] || return 1
  local complaints
  complaints=$(cd "$work/u" && systemd-analyze verify --man=no "./$name" 2>&1) || { echo "$complaints"; return 1; }
  [ -z "$complaints" ] || { echo "verify complained: $complaints"; return 1; }
  local out
  out=$(cd "$work/u" && systemd-analyze security --offline=yes --threshold=15 "$work/u/$name" 2>&1) || { echo "$out" | tail -3; return 1; }
  echo "$out" | grep -o 'Overall exposure level for [^:]*: [0-9.]*'
}

echo "== the unit as shipped"
check_unit "$root/systemd/mailroom@.service" || exit 1
status=0
for line in "${required[@]}"; do
  grep -v "^${line}" "$root/systemd/mailroom@.service" > "$work/without.service"
  if check_unit "$work/without.service" >/dev/null; then
    echo "FAIL: removing '$line' was not caught"; status=1
  fi
done
[ $status -eq 0 ] && echo "every required line is checked"
exit $status
