#include "setup/systemd.hpp"

#include "setup/network.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace mailroom::setup {

namespace {

// The module when systemd set `variable` for this process, else null: sd_notify and
// sd_watchdog_enabled read nothing else, so without it there is nothing to load.
const network::Stack* stack_if_set(const char* variable) {
  if (std::getenv(variable) == nullptr)
    return nullptr;
  auto stack = network();
  if (!stack) {
    static const bool logged = [&] {
      spdlog::error("cannot tell systemd: {}", stack.error().to_string());
      return true;
    }();
    (void)logged;
    return nullptr;
  }
  return *stack;
}

} // namespace

void notify_systemd(const std::string& state) {
  if (const auto* stack = stack_if_set("NOTIFY_SOCKET"))
    stack->notify(state.c_str());
}

std::optional<std::chrono::microseconds> systemd_watchdog() {
  std::uint64_t usec = 0;
  const auto* stack = stack_if_set("WATCHDOG_USEC");
  if (!stack || stack->watchdog_enabled(&usec) <= 0 || usec == 0)
    return std::nullopt;
  return std::chrono::microseconds{usec};
}

} // namespace mailroom::setup
