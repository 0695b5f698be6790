#include "daemon/mail_wait.hpp"

#include "core/backoff.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace mailroom::daemon {

namespace {

// After this many broken IDLEs in a row, IDLE is given up until a reload: a server or a
// middlebox that drops idle connections would otherwise cost a reconnect every time.
constexpr int k_broken_idles = 3;

} // namespace

MailWait::MailWait(const setup::Settings& settings)
    : m_settings(settings),
      m_wanted(settings.mailbox.idle && !settings.mailbox.url.starts_with("maildir:")) {}

std::chrono::seconds MailWait::limit(bool replies_waiting) const {
  return replies_waiting ? std::min(m_settings.poll_interval, m_settings.mailbox.idle_limit)
                         : m_settings.mailbox.idle_limit;
}

MailWait::Next MailWait::after(const std::expected<mailbox::Waited, mailbox::Failure>& waited) {
  const auto interval = m_settings.poll_interval;
  if (waited) {
    if (*waited != mailbox::Waited::not_offered) {
      m_failures = 0;
      return {};
    }
    spdlog::info("{} offers no IDLE: polling every {} s", m_settings.mailbox.url, interval.count());
    m_given_up = true;
    return {interval};
  }
  const auto& failure = waited.error();
  if (failure.retry == mailbox::Retry::never) {
    spdlog::warn("{}; polling every {} s", failure.problem.to_string(), interval.count());
    m_given_up = true;
    return {interval};
  }
  const auto& problem = failure.problem;
  if (++m_failures >= k_broken_idles) {
    spdlog::warn("{}: IDLE broke {} times in a row, the last time: {}; polling every {} s "
                 "until mailroom is reloaded",
                 problem.where, m_failures, problem.what, interval.count());
    m_given_up = true;
    return {interval};
  }
  // A lost connection: reconnect (the next poll does) after a backoff, as after a poll.
  const core::Backoff reconnect{std::chrono::seconds{5}, std::chrono::seconds{300}, 0.0};
  const auto wait = core::wait_after(reconnect, m_failures, 0.0);
  spdlog::warn("{}: IDLE ended: {}; reconnecting in {} s", problem.where, problem.what,
               wait.count());
  return {wait};
}

void MailWait::reset() {
  m_given_up = false;
  m_failures = 0;
}

} // namespace mailroom::daemon
