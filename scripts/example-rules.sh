#!/bin/bash
# usage: example-rules.sh DEST
# A rules folder for the demo: the real F'25 course file with the made-up roster and
# assignments of examples/cse585-f25/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
cp "$root/rules/cse585-f25/course.toml" "$1/course.toml"
cp "$root/examples/cse585-f25/roster.csv" "$root/examples/cse585-f25/assignments.csv" "$1/"
