#include "clock/system_clock.hpp"

#include <chrono>

namespace mailroom::clock {

core::Instant SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

} // namespace mailroom::clock
