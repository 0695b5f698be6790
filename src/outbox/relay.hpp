#pragma once

#include "core/backoff.hpp"
#include "core/instant.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "outbox/sender.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace mailroom::outbox {

struct RelayCounts {
  int sent = 0;
  int failed = 0;  // permanent
  int retried = 0; // temporary, tried again later
  int held = 0;    // over a send limit: still queued, not tried
};

// Sends every queued reply that is due and marks each: sent, failed (5xx) or retried
// later. A retried row waits core::wait_after(`backoff`, its failures so far, a random
// draw of its own): doubling from backoff.first up to backoff.cap, jittered per row, and
// kept in the row's next_attempt_at, so a restart neither resets nor hastens it
// (reliability.md E7). When the server is down, the first failed row stands for the
// whole pass: the other due rows are not tried, each waits its own backoff. A crash
// between the server's acceptance and the mark sends that row again once on the next
// run: at-least-once, with the same Message-ID.
//
// Rows over `limits` are held, not tried: they stay queued and go out in a later pass,
// once the rolling window has room (a restart keeps the counts: they are the ledger's
// sent rows). The hourly breaker stops the whole pass. Each hold is logged once: at
// critical when the breaker trips, at warning when a recipient reaches its daily cap;
// while held rows wait, later passes stay quiet. `envelope_from` may be empty: the null
// sender (MAIL FROM:<>).
//
// `after_each`, if set, is called on the caller's thread after each due row is handled
// and marked (sent, failed, retried, held or not tried), so that a long pass against a
// slow server can report progress between replies (the daemon pings the systemd
// watchdog). It must not throw.
[[nodiscard]] RelayCounts relay(ledger::SqliteLedger& ledger, Sender& sender,
                                const std::string& envelope_from, core::Instant now,
                                const core::Backoff& backoff = {}, const SendLimits& limits = {},
                                const std::function<void()>& after_each = {});

} // namespace mailroom::outbox
