#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace mailroom::daemon {

// Feeds systemd's watchdog (WATCHDOG=1) from a thread of its own while a mail is worked
// on, for as long as the work shows progress: each step of the mail (archived, decided,
// recorded) must come within allowance() of the one before. A mail that takes long but
// moves on (a 40 MB deck) is never killed for it; a mail whose work hangs stops the
// feeding, systemd restarts the daemon after WatchdogSec=, and the engine's work note
// (pipeline::WorkLog) counts that as a death of that mail. Outside a mail the main loop
// feeds the watchdog itself where it waits (between polls, in IDLE, in the outbox), so a
// hung server still lets it fire.
class Watchdog {
public:
  using Clock = std::chrono::steady_clock;

  // `interval`: how often to feed (half of WATCHDOG_USEC); nullopt: no watchdog, no
  // thread. `feed` sends WATCHDOG=1.
  Watchdog(std::optional<std::chrono::microseconds> interval, std::function<void()> feed);
  // The watchdog systemd asked for (sd_watchdog_enabled), feeding with sd_notify.
  static std::optional<std::chrono::microseconds> from_systemd();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // A mail of `bytes` begins; its steps; its end (however it ended, short of a death).
  void begin_mail(std::size_t bytes);
  void step();
  void end_mail();

  // How long one step of a mail of `bytes` may take: 60 s plus 2 s per MB (a linear
  // parse takes far less: README, Benchmarks).
  [[nodiscard]] static std::chrono::seconds allowance(std::size_t bytes);
  // Whether the thread feeds the watchdog at `now`: a mail is being worked on and its last
  // step is within its allowance.
  [[nodiscard]] bool progressing(Clock::time_point now) const;

private:
  void loop(std::chrono::microseconds interval);

  std::function<void()> m_feed;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_busy = false;
  bool m_stopping = false;
  bool m_warned = false;
  std::size_t m_bytes = 0;
  Clock::time_point m_last_step;
  std::thread m_thread;
};

} // namespace mailroom::daemon
