#include "outbox/relay.hpp"

#include "core/fault.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <optional>
#include <random>
#include <set>
#include <string_view>
#include <unistd.h>

namespace mailroom::outbox {

namespace {

// The marks a hold leaves in a queued row's last_error. A later pass that finds them
// knows the hold was logged already.
constexpr std::string_view k_held_hourly = "held: hourly limit: ";
constexpr std::string_view k_held_recipient = "held: daily limit of the recipient: ";

std::string lower(std::string text) {
  std::ranges::transform(text, text.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string when(std::optional<core::Instant> oldest, std::chrono::hours window) {
  return oldest ? "at " + core::to_iso_utc(*oldest + window) : "once the limit is raised";
}

// Calls the callback, if any, when the scope ends: once per row, whichever way its
// handling leaves the loop body.
class AfterRow {
public:
  explicit AfterRow(const std::function<void()>& callback) : m_callback(callback) {}
  ~AfterRow() {
    if (m_callback)
      m_callback();
  }
  AfterRow(const AfterRow&) = delete;
  AfterRow& operator=(const AfterRow&) = delete;

private:
  const std::function<void()>& m_callback;
};

} // namespace

// A row's next wait: `attempts` tries failed before this one. Each row draws its own
// jitter, so rows that failed in one pass spread out instead of retrying together.
std::chrono::seconds next_wait(const core::Backoff& backoff, int attempts) {
  static std::mt19937 generator{std::random_device{}()};
  std::uniform_real_distribution<double> draw(0.0, 1.0);
  return core::wait_after(backoff, attempts + 1, draw(generator));
}

namespace {

bool process_exists(std::int64_t pid) {
  // EPERM: it exists, under another user.
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

} // namespace

int release_dead_claims(ledger::SqliteLedger& ledger, core::Instant now) {
  auto claimed = ledger.replies("sending");
  if (!claimed) {
    spdlog::error("outbox: {}", claimed.error().to_string());
    return 0;
  }
  int released = 0;
  for (const auto& row : *claimed) {
    const auto claimer = row.claimed_by.value_or(0);
    const bool expired = !row.claimed_at || *row.claimed_at + k_claim_expiry < now;
    if (claimer != ::getpid() && process_exists(claimer) && !expired)
      continue;
    auto done = ledger.release_claim(row.id, claimer);
    if (!done) {
      spdlog::error("outbox: {}", done.error().to_string());
      continue;
    }
    if (!*done)
      continue;
    ++released;
    spdlog::warn("outbox: reply {} to {} was claimed for sending by pid {} at {}, which ended "
                 "before it marked the row: it is queued again (if the server had taken it, the "
                 "recipient gets it twice, with the same Message-ID)",
                 row.message_id, row.recipient, claimer,
                 row.claimed_at ? core::to_iso_utc(*row.claimed_at) : "an unknown time");
  }
  return released;
}

RelayCounts relay(ledger::SqliteLedger& ledger, Sender& sender, const std::string& envelope_from,
                  core::Instant now, const core::Backoff& backoff, const SendLimits& limits,
                  const std::function<void()>& after_each) {
  RelayCounts counts;
  auto due = ledger.due_replies(now);
  if (!due) {
    spdlog::error("outbox: {}", due.error().to_string());
    return counts;
  }
  if (due->empty())
    return counts;
  // Holds of earlier passes that still wait were logged then.
  bool breaker_was_tripped = false;
  std::set<std::string> capped; // lower-cased recipients with a logged hold
  if (auto queued = ledger.replies("queued")) {
    for (const auto& row : *queued) {
      if (row.last_error.starts_with(k_held_hourly))
        breaker_was_tripped = true;
      else if (row.last_error.starts_with(k_held_recipient))
        capped.insert(lower(row.recipient));
    }
  }
  auto hour = ledger.sent_since(now - std::chrono::hours{1});
  if (!hour) {
    spdlog::error("outbox: {}", hour.error().to_string());
    return counts;
  }
  std::optional<std::string> breaker; // the hold's text once the breaker tripped
  int held_by_breaker = 0;
  std::vector<std::string> newly_capped;
  auto hold = [&](const pipeline::ReplyRow& row, const std::string& why) {
    ++counts.held;
    if (row.last_error == why)
      return;
    if (auto marked = ledger.reply_held(row.id, why); !marked)
      spdlog::error("outbox: {}", marked.error().to_string());
  };
  bool server_down = false;
  for (const auto& row : *due) {
    // Order is important: the call comes after the row's mark, so a slow send falls
    // between two calls.
    const AfterRow after_row(after_each);
    if (server_down) {
      // One failed connection says enough: the rest wait, each its own backoff.
      if (auto marked = ledger.reply_retry(row.id, "not tried: the server was unreachable",
                                           now + next_wait(backoff, row.attempts));
          !marked)
        spdlog::error("outbox: {}", marked.error().to_string());
      ++counts.retried;
      continue;
    }
    if (!breaker && hour->count >= limits.per_hour)
      breaker = fmt::format("{}{} replies sent in the last hour (max {}); sending resumes {}",
                            k_held_hourly, hour->count, limits.per_hour,
                            when(hour->oldest, std::chrono::hours{1}));
    if (breaker) {
      hold(row, *breaker);
      ++held_by_breaker;
      continue;
    }
    auto day = ledger.sent_since(now - std::chrono::hours{24}, row.recipient);
    if (!day) {
      spdlog::error("outbox: {}", day.error().to_string());
      continue;
    }
    if (day->count >= limits.per_recipient_per_day) {
      hold(row,
           fmt::format("{}{} replies to {} in the last 24 h (max {}); the next may go {}",
                       k_held_recipient, day->count, row.recipient, limits.per_recipient_per_day,
                       when(day->oldest, std::chrono::hours{24})));
      if (capped.insert(lower(row.recipient)).second)
        newly_capped.push_back(row.recipient);
      continue;
    }
    auto claimed = ledger.claim_reply(row.id, ::getpid(), now);
    if (!claimed) {
      spdlog::error("outbox: {}", claimed.error().to_string());
      continue;
    }
    if (!*claimed) {
      ++counts.taken;
      spdlog::info("reply {} to {}: another process is sending it or sent it", row.message_id,
                   row.recipient);
      continue;
    }
    core::fault_point("after-outbox-claim");
    core::hold_point("before-send");
    const auto outcome =
        sender.send({envelope_from, row.recipient, "reply-" + std::to_string(row.id)}, row.message);
    core::Result<void> marked;
    switch (outcome.delivery) {
    case Delivery::sent:
      core::fault_point("after-smtp-250");
      marked = ledger.reply_sent(row.id, now);
      core::fault_point("after-outbox-mark");
      ++counts.sent;
      ++hour->count;
      if (!hour->oldest)
        hour->oldest = now;
      spdlog::info("sent {} {} to {}", row.kind, row.message_id, row.recipient);
      break;
    case Delivery::permanent:
      marked = ledger.reply_failed(row.id, outcome.detail);
      ++counts.failed;
      spdlog::error("reply {} to {} failed for good: {}", row.message_id, row.recipient,
                    outcome.detail);
      break;
    case Delivery::temporary: {
      const auto wait = next_wait(backoff, row.attempts);
      marked = ledger.reply_retry(row.id, outcome.detail, now + wait);
      ++counts.retried;
      server_down = true;
      spdlog::warn("reply {} to {} not sent, retrying in {} s: {}", row.message_id, row.recipient,
                   wait.count(), outcome.detail);
      break;
    }
    }
    if (!marked)
      spdlog::error("outbox: {}", marked.error().to_string());
  }
  // Order is important: these come after the pass, so each names what it held.
  if (breaker && !breaker_was_tripped)
    spdlog::critical("outbox: {} replies went out in the last hour, the most [replies] "
                     "max_per_hour = {} allows: sending stopped; {} replies stay queued for "
                     "staff (mailroom ledger --status reply-queued) and go out as the hour "
                     "rolls on. A mail loop or a burst? Check the log before raising the limit.",
                     hour->count, limits.per_hour, held_by_breaker);
  else if (!breaker && breaker_was_tripped && counts.sent > 0)
    spdlog::info("outbox: under [replies] max_per_hour again: sending resumed");
  if (!newly_capped.empty())
    spdlog::warn("outbox: {} reached [replies] max_per_recipient_per_day = {}: further replies to "
                 "{} stay queued (mailroom ledger --status reply-queued) and go out as the 24 h "
                 "window rolls on",
                 fmt::join(newly_capped, ", "), limits.per_recipient_per_day,
                 newly_capped.size() == 1 ? "this address" : "these addresses");
  return counts;
}

} // namespace mailroom::outbox
