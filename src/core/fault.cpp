#include "core/fault.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <string>

namespace mailroom::core {

namespace {

// Set once by arm_fault before any thread starts; only `reached` changes afterwards.
struct Armed {
  std::string_view point; // one of k_fault_points, or empty
  int at = 1;
  std::atomic<int> reached{0};
};

Armed g_armed;

// Set once by arm_hold before any thread starts.
struct Held {
  std::string_view point; // one of k_hold_points, or empty
  std::function<void()> hold;
};

Held g_held;

} // namespace

Result<void> arm_fault(std::string_view spec) {
  g_armed.point = {};
  g_armed.reached = 0;
  if (spec.empty())
    return {};
  const auto colon = spec.find(':');
  const auto name = spec.substr(0, colon);
  int at = 1;
  if (colon != std::string_view::npos) {
    const auto count = spec.substr(colon + 1);
    const auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), at);
    if (error != std::errc{} || end != count.data() + count.size() || at < 1)
      return fail("MAILROOM_FAULT_KILL_AT", fmt::format("'{}' is not a count of 1 or more", count),
                  "write POINT or POINT:N");
  }
  const auto known = std::ranges::find(k_fault_points, name);
  if (known == k_fault_points.end())
    return fail("MAILROOM_FAULT_KILL_AT", fmt::format("no fault point '{}'", name),
                fmt::format("use one of {}", fmt::join(k_fault_points, ", ")));
  g_armed.point = *known;
  g_armed.at = at;
  return {};
}

void fault_point(std::string_view name) {
  if (g_armed.point.empty() || name != g_armed.point)
    return;
  if (++g_armed.reached == g_armed.at)
    std::raise(SIGKILL);
}

Result<void> arm_hold(std::string_view point, std::function<void()> hold) {
  g_held = {};
  if (point.empty())
    return {};
  const auto known = std::ranges::find(k_hold_points, point);
  if (known == k_hold_points.end())
    return fail("MAILROOM_FAULT_HOLD_AT", fmt::format("no hold point '{}'", point),
                fmt::format("use one of {}", fmt::join(k_hold_points, ", ")));
  g_held = {*known, std::move(hold)};
  return {};
}

void hold_point(std::string_view name) {
  if (g_held.point.empty() || name != g_held.point)
    return;
  if (g_held.hold)
    g_held.hold();
}

} // namespace mailroom::core
