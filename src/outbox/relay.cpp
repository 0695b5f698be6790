#include "outbox/relay.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace mailroom::outbox {

std::chrono::seconds backoff(int attempts, std::chrono::seconds first) {
  const int doublings = std::clamp(attempts, 0, 12);
  return std::min(first * (1 << doublings), std::max(first, std::chrono::seconds{3600}));
}

RelayCounts relay(ledger::SqliteLedger& ledger, Sender& sender, const std::string& envelope_from,
                  core::Instant now, std::chrono::seconds first_wait) {
  RelayCounts counts;
  auto due = ledger.due_replies(now);
  if (!due) {
    spdlog::error("outbox: {}", due.error().to_string());
    return counts;
  }
  bool server_down = false;
  for (const auto& row : *due) {
    if (server_down) {
      // One failed connection says enough: the rest wait for the same backoff.
      if (auto marked = ledger.reply_retry(row.id, "not tried: the server was unreachable",
                                           now + backoff(row.attempts, first_wait));
          !marked)
        spdlog::error("outbox: {}", marked.error().to_string());
      ++counts.retried;
      continue;
    }
    const auto outcome =
        sender.send({envelope_from, row.recipient, "reply-" + std::to_string(row.id)}, row.message);
    core::Result<void> marked;
    switch (outcome.delivery) {
    case Delivery::sent:
      marked = ledger.reply_sent(row.id, now);
      ++counts.sent;
      spdlog::info("sent {} {} to {}", row.kind, row.message_id, row.recipient);
      break;
    case Delivery::permanent:
      marked = ledger.reply_failed(row.id, outcome.detail);
      ++counts.failed;
      spdlog::error("reply {} to {} failed for good: {}", row.message_id, row.recipient,
                    outcome.detail);
      break;
    case Delivery::temporary: {
      const auto wait = backoff(row.attempts, first_wait);
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
  return counts;
}

} // namespace mailroom::outbox
