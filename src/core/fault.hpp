#pragma once

#include "core/problem.hpp"

#include <array>
#include <functional>
#include <string_view>

namespace mailroom::core {

// A test hook, and nothing else: the crash matrix of docs/reliability-cases.md E1 needs the daemon
// to die by SIGKILL at one exact step (after FETCH, after the archive rename, ...) to prove that a
// restart records each mail exactly once. A kill from outside hits a random step, so the steps say
// their names here instead. Unarmed (the normal case), a fault point is one comparison.
//
// The steps, in the order one mail goes through them. A run polls first and sends the
// outbox after, so the keyword STORE comes before the SMTP steps.
// The daemon records mails in batches (pipeline::Batch, group commit): "after-archive"
// and "after-record" happen mid-batch, "after-batch-sync" and "after-commit" once per mail
// of a batch when the batch ends, so "POINT:N" is the batch of the Nth mail.
inline constexpr std::array<std::string_view, 9> k_fault_points{
    "after-fetch",          // a mail was fetched and handed on, not yet archived
    "after-archive",        // its archive files are written (in a batch: not yet in place)
    "after-record",         // its ledger rows are written in its batch's transaction
    "after-batch-sync",     // its batch's archive is durable and in place, the ledger not
                            // committed
    "after-commit",         // the ledger committed the mail's batch with its outbox rows
    "before-keyword-store", // marks are due; the IMAP UID STORE of the keyword is not sent
    "after-outbox-claim",   // a reply's outbox row is claimed ('sending'), not yet sent
    "after-smtp-250",       // the server said 250 to a reply; its outbox row is still claimed
    "after-outbox-mark",    // the outbox row is marked sent
};

// Arms the hook from `spec`, "POINT" or "POINT:N" (die the Nth time POINT is reached;
// N defaults to 1). An empty spec disarms it. Problems: an unknown point, a bad N. Call it
// once, before any thread that reaches a fault point starts (the daemon does, from
// MAILROOM_FAULT_KILL_AT).
[[nodiscard]] Result<void> arm_fault(std::string_view spec);

// The process kills itself with SIGKILL (no handler, no flush, no destructor: as kill -9
// does) when the armed point `name` is reached for the Nth time. Thread-safe.
void fault_point(std::string_view name);

// The other test hook (docs/reliability-cases.md E9 c): the process holds at one exact step while
// the test changes the world from outside, e.g. expunges a mail between a poll's SEARCH and its
// FETCH, which no outside timing can hit reliably. Unarmed, a hold point is one comparison.
inline constexpr std::array<std::string_view, 2> k_hold_points{
    "before-fetch", // a poll has its UIDs from SEARCH; the UID FETCH of a batch is not sent
    "before-send",  // a reply's outbox row is claimed; it is not yet handed to SMTP
};

// Arms the hold: `hold` is called (on the thread that reaches it) each time `point` is
// reached, and the step goes on when it returns. An empty point disarms it. Problems: an
// unknown point. Call it once, before any thread that reaches a hold point starts (the
// daemon does, from MAILROOM_FAULT_HOLD_AT).
[[nodiscard]] Result<void> arm_hold(std::string_view point, std::function<void()> hold);

// Calls the armed hold when `name` is the armed point.
void hold_point(std::string_view name);

} // namespace mailroom::core
