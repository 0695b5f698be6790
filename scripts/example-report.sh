#!/bin/bash
# usage: example-report.sh DEST_FOLDER [MAILROOM]
# The term at a glance for the bundled example: the example Maildir replayed into a
# state folder, the staff changes the README shows (an extension, a reclassification)
# plus an excusal, and `mailroom report` as of Fri Oct 10, 2025. Writes
# DEST_FOLDER/term.html beside the rules, Maildir and state folder it was made from; the
# README's docs/report.png is a screenshot of it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest=$1
mailroom=${2:-$root/build/src/mailroom}
if [ -e "$dest/state" ]; then
  echo "$dest/state exists: give a new folder" >&2
  exit 1
fi
mkdir -p "$dest"
work=$(cd "$dest" && pwd)
"$root/scripts/example-rules.sh" "$work/rules"
"$root/scripts/example-maildir.sh" "$work/maildir"
staff=(--state "$work/state" --rules "$work/rules")
"$mailroom" replay --rules "$work/rules" --maildir "$work/maildir" --state "$work/state" >/dev/null
"$mailroom" extend 3 summary@2025-09-16 --until "2025-09-17 18:00" --reason "ill; approved" "${staff[@]}"
"$mailroom" extend 1 summary@2025-09-25 --until "2025-10-14 12:00" --reason "travel" "${staff[@]}"
"$mailroom" excuse 5 proposal --reason "joined the course late" "${staff[@]}"
"$mailroom" report --html "$dest/term.html" --now 2025-10-10T12:00:00Z "${staff[@]}"
