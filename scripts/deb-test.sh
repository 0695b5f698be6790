#!/bin/bash
# Builds the .deb from a finished build folder, installs it with dpkg, and checks the
# installed files: `mailroom check` on the shipped rules, the unit verified. As root.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
rm -f "$build"/mailroom_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/mailroom_*.deb)
echo "deb-test: $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
dpkg -i "$deb" >/dev/null
trap 'dpkg -r mailroom >/dev/null' EXIT
# One version: the project's, which CPack gives the .deb and --version prints.
test "$(/usr/bin/mailroom --version)" = "mailroom $(dpkg-deb -f "$deb" Version)"
/usr/bin/mailroom check --rules /usr/share/mailroom/rules/cse585-f25
/usr/bin/mailroom check --rules /usr/share/mailroom/rules/cse585-f24
test -f /usr/share/mailroom/templates/receipt.mustache
# The commands and network modules and the file reader come with the binary and are found
# from it: a login to a closed port gets as far as the connection (both modules loaded),
# and the reader answers for a file (poppler and libzip load in it, not in mailroom).
test -x /usr/lib/mailroom/mailroom-read-file
test -f /usr/lib/mailroom/mailroom-network.so
test -f /usr/lib/mailroom/mailroom-commands.so
depends=$(dpkg-deb -f "$deb" Depends)
grep -q libcurl <<<"$depends"
grep -q libpoppler-cpp <<<"$depends"
# libsystemd is loaded by name, only under systemd (src/setup/systemd.cpp): no module links it.
grep -q libsystemd0 <<<"$depends"
if ldd /usr/lib/mailroom/mailroom-network.so /usr/lib/mailroom/mailroom-commands.so |
  grep libsystemd; then
  echo "deb-test: a module links libsystemd, which only a daemon under systemd loads"; exit 1
fi
if ldd /usr/bin/mailroom | grep -E 'libcurl|libpoppler|libzip|libsystemd|libPoco'; then
  echo "deb-test: /usr/bin/mailroom links what only its module or helper should"; exit 1
fi
printf '%%PDF-1.4\n' | /usr/lib/mailroom/mailroom-read-file pdf | grep -q '^end 0$'
check=$(mktemp -d)
trap 'dpkg -r mailroom >/dev/null; rm -rf "$check"' EXIT
cp -r /usr/share/mailroom/rules/cse585-f25 "$check/rules"
printf 'secret\n' | install -m 0600 /dev/stdin "$check/imap-password"
printf '%s\n' 'rules = "rules"' 'state_dir = "state"' '[mailbox]' \
  'url = "imaps://127.0.0.1:1/INBOX"' 'user = "staff"' 'password_file = "imap-password"' \
  '[outbox]' 'url = "dir:outbox"' '[trust]' 'authentication = "none"' >"$check/term.toml"
checked=$(/usr/bin/mailroom check --config "$check/term.toml" 2>&1 || true)
grep -q 'cannot connect to 127.0.0.1 port 1' <<<"$checked" || { echo "$checked"; exit 1; }
test -f /lib/systemd/system/mailroom@.service
getent passwd mailroom >/dev/null
(cd /lib/systemd/system && systemd-analyze verify --man=no mailroom@.service 2>&1 | grep -v 'Unit name' || true)
echo "deb-test: the installed mailroom checks both rules folders, loads its network module"
echo "deb-test: and runs its file reader"
