#!/bin/bash
# Installs what is missing, builds mailroom twice (plain, and under ASan+UBSan),
# checks formatting, runs clang-tidy (scripts/tidy.sh) and every test in both builds,
# the fuzzer for a minute (beside the plain build's tests) and, as root, the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)
# Each step's wall time goes to stderr at the end, so a slow CI says where it went.
timings=()
step() {
  local name=$1 start=$SECONDS status=0
  shift
  "$@" || status=$?
  timings+=("$(printf '%-12s %4d s' "$name" $((SECONDS - start)))")
  return "$status"
}
fuzz_pid=
# A failed step ends the script; a fuzzer still running beside it goes with it.
trap 'printf "test.sh: %s\n" "${timings[@]}" >&2; [ -z "$fuzz_pid" ] || kill "$fuzz_pid" 2>/dev/null || true' EXIT
# The plain build is Release at -O2 without debug info: the .deb ships it, and -g cost a
# third of the compile time. The ASan build keeps only line tables (-g1), enough for its
# reports' stack traces. Both compile src/ as unity batches (MAILROOM_UNITY): a cold build
# parses each heavy header once a batch instead of once a file.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DMAILROOM_UNITY=ON >/dev/null
cmake --build build --target check-format
step build cmake --build build -j"$jobs"
step tidy scripts/tidy.sh build
# The fuzzer (one core for a minute) runs beside the plain suite, which leaves about half of
# the machine idle while its tests wait for servers and processes. Its output goes to
# build-fuzz/fuzz.log and is shown here when it fails.
if [ -x scripts/fuzz.sh ]; then
  mkdir -p build-fuzz
  scripts/fuzz.sh >build-fuzz/fuzz.log 2>&1 &
  fuzz_pid=$!
fi
step ctest bash -c "cd build && ctest --output-on-failure -j$jobs"
if [ -n "$fuzz_pid" ]; then
  if ! step fuzz wait "$fuzz_pid"; then
    tail -n 60 build-fuzz/fuzz.log >&2
    echo "test.sh: the fuzzer failed; its whole output is in build-fuzz/fuzz.log" >&2
    exit 1
  fi
  fuzz_pid=
  tail -n 12 build-fuzz/fuzz.log
fi
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
  -DMAILROOM_SANITIZE=address,undefined -DMAILROOM_BENCH=OFF -DMAILROOM_UNITY=ON >/dev/null
step asan-build cmake --build build-asan -j"$jobs"
step asan-ctest bash -c "cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j$jobs"
if [ "$(id -u)" -eq 0 ]; then step deb scripts/deb-test.sh build; fi
