#pragma once

#include "core/instant.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "outbox/sender.hpp"

#include <chrono>
#include <string>

namespace mailroom::outbox {

struct RelayCounts {
  int sent = 0;
  int failed = 0;  // permanent
  int retried = 0; // temporary, tried again later
};

// The wait after `attempts` tries: `first`, doubling, at most 1 h.
[[nodiscard]] std::chrono::seconds backoff(int attempts, std::chrono::seconds first);

// Sends every queued reply that is due and marks each: sent, failed (5xx) or retried
// later. A crash between the server's acceptance and the mark sends that row again
// once on the next run: at-least-once, with the same Message-ID.
[[nodiscard]] RelayCounts relay(ledger::SqliteLedger& ledger, Sender& sender,
                                const std::string& envelope_from, core::Instant now,
                                std::chrono::seconds first_wait = std::chrono::seconds{60});

} // namespace mailroom::outbox
