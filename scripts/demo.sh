#!/bin/bash
# Installs what is missing, builds mailroom, and runs its main job on the bundled
# example: every mail of examples/maildir judged against the F'25 rules.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target mailroom
demo=$(mktemp -d /tmp/mailroom-demo.XXXXXX)
scripts/example-rules.sh "$demo/rules"
scripts/example-maildir.sh "$demo/maildir"
echo "== mailroom deadlines --rules $demo/rules (first 12)"
build/src/mailroom deadlines --rules "$demo/rules" | head -14
echo
echo "== mailroom replay --rules $demo/rules --maildir $demo/maildir"
build/src/mailroom replay --rules "$demo/rules" --maildir "$demo/maildir"
