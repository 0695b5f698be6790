#!/bin/bash
# Runs clang-tidy with the checks of .clang-tidy over every .cpp of src/, in parallel,
# with the compile commands of a configured build folder (the plain one by default; only
# its configure step is needed). Exits non-zero on any finding.
#
# usage: scripts/tidy.sh [BUILD_DIR [FILE...]]   (default build and every src/ file it compiles;
#        TIDY_JOBS sets the parallelism, default nproc)
#
# clang-tidy-16, not bookworm's default 14: clang 14 cannot compile libstdc++ 12's
# <expected> (its conditionally trivial destructors need P0848, in clang 16). Neither
# clang defines the __cpp_concepts level the header checks for, so it is set here, and
# -std=c++2b stands for GCC's -std=c++23. -w: the compiler's own warnings are GCC's job
# (-Wall -Wextra -Werror in the build); only the checks report here.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift $(($# > 0 ? 1 : 0))
tidy=$(command -v clang-tidy-16 || true)
if [ -z "$tidy" ]; then
  echo "tidy.sh: clang-tidy-16 is missing (scripts/install-deps.sh --test installs it)" >&2
  exit 1
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy.sh: no $build/compile_commands.json: configure the build first (cmake -S . -B $build)" >&2
  exit 1
fi
# The build's commands less its precompiled header (GCC's .gch, which clang cannot read):
# each file is then checked with only the includes it names itself.
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
# It also lists what to check by default: every src/ file it compiles, or, in a unity build
# (MAILROOM_UNITY=ON), src/'s batch files, which check the same code with each header parsed
# once a batch.
python3 - "$build/compile_commands.json" "$db/compile_commands.json" "$PWD/src/" >"$db/files" <<'PY'
import json, re, sys
entries = json.load(open(sys.argv[1]))
for entry in entries:
    entry["command"] = re.sub(r" -Winvalid-pch| -include \S+cmake_pch\.hxx", "", entry["command"])
    file = entry["file"]
    if file.startswith(sys.argv[3]) or ("/src/CMakeFiles/" in file and "/Unity/" in file):
        print(file)
json.dump(entries, open(sys.argv[2], "w"))
PY
jobs=${TIDY_JOBS:-$(nproc)}
# xargs exits 123 when any clang-tidy found something; the "N warnings generated" lines
# count what the checks left out and are dropped.
set +eo pipefail
if [ $# -gt 0 ]; then printf '%s\n' "$@"; else sort "$db/files"; fi |
  xargs -P "$jobs" -n 1 "$tidy" -p "$db" --quiet --extra-arg=-std=c++2b \
    --extra-arg=-U__cpp_concepts --extra-arg=-D__cpp_concepts=202002L --extra-arg=-w 2>&1 |
  grep -v '^[0-9]* warnings\{0,1\} generated\.$'
status=${PIPESTATUS[1]}
if [ "$status" -ne 0 ]; then
  echo "tidy.sh: clang-tidy found the problems above (checks: .clang-tidy)" >&2
  exit 1
fi
echo "tidy.sh: $(if [ $# -gt 0 ]; then echo $#; else grep -c . "$db/files"; fi) files clean"
