#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom::core {

// A point in time with whole seconds, in UTC. Arrival times (IMAP INTERNALDATE)
// and deadlines are both Instants, so comparing them never involves a zone.
using Instant = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

// "2025-11-03T15:30:00Z".
[[nodiscard]] std::string to_iso_utc(Instant instant);

// Reads "2025-11-03T15:30:00Z" and "2025-11-03T10:30:00-05:00"; nullopt otherwise.
[[nodiscard]] std::optional<Instant> parse_iso(std::string_view text);

// Where the system clock lives outside the pure core: adapters and fronts pass
// Instants in, tests pass fixed ones.
class Clock {
public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Instant now() const = 0;
};

} // namespace mailroom::core
