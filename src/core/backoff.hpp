#pragma once

#include "core/instant.hpp"

#include <chrono>

namespace mailroom::core {

// How long to wait after a run of temporary failures (STYLE.md 5, docs/reliability-cases.md E7):
// the nth failure in a row waits `first` * 2^(n-1), at most `cap`, spread by `jitter`
// (a fraction of that wait, each side) so that many rows, or many daemons, that failed
// together do not all come back in the same second.
struct Backoff {
  Seconds first{60};
  Seconds cap{3600};
  double jitter = 0.2;
};

// The shortest and longest wait after `failures` failures in a row (fewer than 1 counts
// as 1): `first` * 2^(failures-1), capped, times 1 - jitter and 1 + jitter. The longest
// is never above the cap: at the cap the spread is all below it.
struct WaitRange {
  std::chrono::milliseconds least;
  std::chrono::milliseconds most;
};
[[nodiscard]] WaitRange wait_range(const Backoff& backoff, int failures);

// The wait after `failures` failures in a row: the point `draw` (0 <= draw < 1, a
// uniform random number) of wait_range, in whole seconds (the ledger keeps instants in
// whole seconds), at least 1 s and at most the cap. Pure: the caller draws.
[[nodiscard]] Seconds wait_after(const Backoff& backoff, int failures, double draw);

} // namespace mailroom::core
