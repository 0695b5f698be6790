#include "core/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace mailroom::core {

namespace {

using Milliseconds = std::chrono::duration<double, std::milli>;

} // namespace

WaitRange wait_range(const Backoff& backoff, int failures) {
  const Milliseconds cap = std::max(backoff.cap, Seconds{1});
  // 2^40 times any first wait is past any cap: no overflow for a row failing for years.
  const int doublings = std::clamp(failures, 1, 41) - 1;
  const Milliseconds nominal =
      std::min(Milliseconds(backoff.first) * std::ldexp(1.0, doublings), cap);
  const double jitter = std::clamp(backoff.jitter, 0.0, 1.0);
  const auto least = nominal * (1.0 - jitter);
  const auto most = std::min(nominal * (1.0 + jitter), cap);
  return {std::chrono::round<std::chrono::milliseconds>(least),
          std::chrono::round<std::chrono::milliseconds>(most)};
}

Seconds wait_after(const Backoff& backoff, int failures, double draw) {
  const auto range = wait_range(backoff, failures);
  const double at = std::clamp(draw, 0.0, 1.0);
  const double ms = static_cast<double>(range.least.count()) +
                    at * static_cast<double>((range.most - range.least).count());
  const auto seconds = Seconds{std::llround(ms / 1000.0)};
  return std::clamp(seconds, Seconds{1}, std::max(backoff.cap, Seconds{1}));
}

} // namespace mailroom::core
