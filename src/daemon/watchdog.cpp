#include "daemon/watchdog.hpp"

#include "setup/systemd.hpp"

#include <spdlog/spdlog.h>

namespace mailroom::daemon {

Watchdog::Watchdog(std::optional<std::chrono::microseconds> interval, std::function<void()> feed)
    : m_feed(std::move(feed)) {
  if (interval && interval->count() > 0)
    m_thread = std::thread([this, every = *interval] { loop(every); });
}

std::optional<std::chrono::microseconds> Watchdog::from_systemd() {
  const auto interval = setup::systemd_watchdog();
  if (!interval)
    return std::nullopt;
  return *interval / 2;
}

Watchdog::~Watchdog() {
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable())
    m_thread.join();
}

void Watchdog::begin_mail(std::size_t bytes) {
  const std::lock_guard lock(m_mutex);
  m_busy = true;
  m_warned = false;
  m_bytes = bytes;
  m_last_step = Clock::now();
}

void Watchdog::step() {
  const std::lock_guard lock(m_mutex);
  m_last_step = Clock::now();
}

void Watchdog::end_mail() {
  const std::lock_guard lock(m_mutex);
  m_busy = false;
}

std::chrono::seconds Watchdog::allowance(std::size_t bytes) {
  return std::chrono::seconds{60 + 2 * static_cast<std::int64_t>(bytes / (1024 * 1024))};
}

bool Watchdog::progressing(Clock::time_point now) const {
  const std::lock_guard lock(m_mutex);
  return m_busy && now - m_last_step <= allowance(m_bytes);
}

void Watchdog::loop(std::chrono::microseconds interval) {
  std::unique_lock lock(m_mutex);
  while (!m_wake.wait_for(lock, interval, [this] { return m_stopping; })) {
    if (!m_busy)
      continue; // the main loop feeds it where it waits
    const auto since = Clock::now() - m_last_step;
    if (since <= allowance(m_bytes)) {
      m_feed();
    } else if (!m_warned) {
      m_warned = true;
      spdlog::critical(
          "no progress on the current mail for {} s: the watchdog is no longer fed, so systemd "
          "restarts mailroom; a mail that stops the daemon twice is recorded as failed and "
          "skipped",
          std::chrono::duration_cast<std::chrono::seconds>(since).count());
    }
  }
}

} // namespace mailroom::daemon
