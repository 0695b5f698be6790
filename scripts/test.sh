#!/bin/bash
# Installs what is missing, builds mailroom twice (plain, and under ASan+UBSan),
# checks formatting, runs clang-tidy (scripts/tidy.sh) and every test in both builds,
# the fuzzer for a minute and, as root, the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)
# Each step's wall time goes to stderr at the end, so a slow CI says where it went.
timings=()
step() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  timings+=("$(printf '%-12s %4d s' "$name" $((SECONDS - start)))")
}
trap 'printf "test.sh: %s\n" "${timings[@]}" >&2' EXIT
# The plain build is Release at -O2 without debug info: the .deb ships it, and -g cost a
# third of the compile time. The ASan build keeps only line tables (-g1), enough for its
# reports' stack traces. Both compile src/ as unity batches (MAILROOM_UNITY): a cold build
# parses each heavy header once a batch instead of once a file.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DMAILROOM_UNITY=ON >/dev/null
cmake --build build --target check-format
step build cmake --build build -j"$jobs"
step tidy scripts/tidy.sh build
step ctest bash -c "cd build && ctest --output-on-failure -j$jobs"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
  -DMAILROOM_SANITIZE=address,undefined -DMAILROOM_BENCH=OFF -DMAILROOM_UNITY=ON >/dev/null
step asan-build cmake --build build-asan -j"$jobs"
step asan-ctest bash -c "cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j$jobs"
if [ -x scripts/fuzz.sh ]; then step fuzz scripts/fuzz.sh; fi
if [ "$(id -u)" -eq 0 ]; then step deb scripts/deb-test.sh build; fi
