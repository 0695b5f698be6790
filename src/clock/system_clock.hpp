#pragma once

#include "core/instant.hpp"

namespace mailroom::clock {

// The system's wall clock, to the second: the one place the fronts read the time from.
class SystemClock final : public core::Clock {
public:
  [[nodiscard]] core::Instant now() const override;
};

} // namespace mailroom::clock
