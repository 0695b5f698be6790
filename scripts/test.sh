#!/bin/bash
# Installs what is missing, builds mailroom twice (plain, and under ASan+UBSan),
# checks formatting and runs every test in both builds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target check-format
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMAILROOM_SANITIZE=address,undefined \
  -DMAILROOM_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs")
if [ -x scripts/fuzz.sh ]; then scripts/fuzz.sh; fi
if [ "$(id -u)" -eq 0 ]; then scripts/deb-test.sh build; fi
