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
  int taken = 0;   // claimed or sent by another process meanwhile: left to it
};

// Sends every queued reply that is due and marks each: sent, failed (5xx) or retried
// later. A retried row waits core::wait_after(`backoff`, its failures so far, a random
// draw of its own): doubling from backoff.first up to backoff.cap, jittered per row, and
// kept in the row's next_attempt_at, so a restart neither resets nor hastens it
// (docs/reliability-cases.md E7). When the server is down, the first failed row stands for the
// whole pass: the other due rows are not tried, each waits its own backoff. A crash
// between the server's acceptance and the mark sends that row again once on the next
// run: at-least-once, with the same Message-ID.
//
// Each row is claimed in the ledger (SqliteLedger::claim_reply) before it is handed to
// the sender, so that two processes relaying one state folder at once never send a row
// twice: a row another process claimed first is left to it (counted as `taken`).
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

// How old a claim may grow while its pid still runs before it counts as left behind:
// a pid reused by an unrelated process would otherwise hold a row for ever. One send
// takes at most a few [outbox] timeouts.
inline constexpr std::chrono::hours k_claim_expiry{1};

// At start, before the first relay: releases every claim ('sending' row) of a process
// that is gone (or older than k_claim_expiry), so the row is queued and sent again, at
// most once more. A process killed between the server's 250 and the mark has its row
// sent twice, as before claims existed. Logs a warning per row; returns how many.
int release_dead_claims(ledger::SqliteLedger& ledger, core::Instant now);

} // namespace mailroom::outbox
