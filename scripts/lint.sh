#!/bin/bash
# Fails on trailing whitespace, a missing final newline, or I/O, the system clock or
# logging inside a pure folder (STYLE.md 15).
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files -co --exclude-standard src tests scripts rules templates systemd CMakeLists.txt | grep -v '^tests/data/')
for f in $files; do
  [ -f "$f" ] || continue
  # "-- " is the mail signature separator (RFC 3676): its space belongs there.
  if grep -nI ' $' "$f" | grep -v '^[0-9]*:-- $' >/dev/null; then
    grep -nI ' $' "$f" | grep -v '^[0-9]*:-- $' | sed "s|^|$f:|; s|$| <- trailing whitespace|" | head -3; status=1
  fi
  if [ -s "$f" ] && [ "$(tail -c1 "$f" | xxd -p)" != "0a" ] && grep -Iq . "$f"; then
    echo "$f: no newline at end of file"; status=1
  fi
done
pure='src/(core|util|rules|message|imap|classify|content|deadline|judge|reply|pipeline|report|schedule)/'
forbidden='#include <curl/|#include <Poco/Data|#include <spdlog|#include <fstream>|system_clock::now|std::filesystem::|fopen\(|std::cout|std::cerr|getenv\('
for f in $(echo "$files" | grep -E "^$pure"); do
  if grep -nE "$forbidden" "$f" >/dev/null; then
    grep -nE "$forbidden" "$f" | sed "s|^|$f:|; s|$| <- not allowed in a pure folder; move it to an adapter or a front|"
    status=1
  fi
done
[ $status -eq 0 ] && echo "lint: clean"
exit $status
