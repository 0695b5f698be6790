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
test -f /lib/systemd/system/mailroom@.service
getent passwd mailroom >/dev/null
(cd /lib/systemd/system && systemd-analyze verify --man=no mailroom@.service 2>&1 | grep -v 'Unit name' || true)
echo "deb-test: the installed mailroom checks both rules folders"
