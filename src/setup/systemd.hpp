#pragma once

#include <chrono>
#include <optional>
#include <string>

// What the daemon tells systemd: sd_notify and sd_watchdog_enabled of libsystemd, which is
// loaded only when systemd listens (NOTIFY_SOCKET, WATCHDOG_USEC set): without them both
// calls do nothing anyway.
namespace mailroom::setup {

// sd_notify(0, state): "READY=1", "STATUS=...", "WATCHDOG=1", ... A library that does not
// load, or a first message that cannot be sent, is logged once as an error (systemd then
// never hears READY=1 and says so). Thread-safe.
void notify_systemd(const std::string& state);

// The watchdog interval systemd asked for (sd_watchdog_enabled); nullopt when none.
[[nodiscard]] std::optional<std::chrono::microseconds> systemd_watchdog();

} // namespace mailroom::setup
