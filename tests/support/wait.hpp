#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace mailroom::test {

// Asks `ready` every 20 ms until it holds or `limit` has passed, then once more; whether it
// held. A bounded wait for an event (a log line, a file, a reply), never a blind sleep.
inline bool wait_until(const std::function<bool()>& ready,
                       std::chrono::milliseconds limit = std::chrono::seconds{30}) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (ready())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return ready();
}

} // namespace mailroom::test
