#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/scheduled.hpp"
#include "rules/course.hpp"
#include "setup/settings.hpp"

#include <optional>
#include <vector>

namespace mailroom::daemon {

// What is due to go on the schedule at a time: the digest ([digest] to) and the
// reminders (`remind` in course.toml), composed and ready to queue.
struct ScheduledDue {
  std::optional<pipeline::ScheduledMail> digest;
  std::vector<pipeline::ScheduledMail> reminders;
};

// Whether a plan leaves out what the ledger says was queued already.
enum class Queued { skip, include };

// What is due at `now` (schedule/plan.hpp) from the ledger's view as of `now`, composed
// from the templates (the rules folder's templates/digest.mustache and
// reminder.mustache when the course has its own, else the shipped ones) with `plan`'s
// sender and reply cap. With Queued::include, the digest of the latest day is composed
// even when it went already (a preview). `digest_since` is when the desk started planning
// digests (schedule::digest_due; nullopt: every day's is owed). Problems: the ledger
// cannot be read, a template is missing or broken.
[[nodiscard]] core::Result<ScheduledDue>
scheduled_due(ledger::SqliteLedger& ledger, const rules::Course& course,
              const setup::Settings& settings, const pipeline::ReplyPlan& plan, core::Instant now,
              Queued queued, std::optional<core::Instant> digest_since = std::nullopt);

struct QueuedCounts {
  int digests = 0;
  int reminders = 0;
};

// Queues into the outbox what is due at `now` and was not queued before: each digest
// day and each reminder once, across restarts and processes (the ledger's key), and a
// digest only for days from the first poll that planned one (SqliteLedger::digest_since,
// recorded then): a fresh install sends no digest of a day before it. The
// daemon calls it once per poll, before the outbox is relayed; the relay sends and
// retries the rows like any reply. Cheap when nothing can be due (no digest configured
// or due, no reminder window open): the ledger's mails are read only then.
[[nodiscard]] core::Result<QueuedCounts> queue_scheduled_mail(ledger::SqliteLedger& ledger,
                                                              const rules::Course& course,
                                                              const setup::Settings& settings,
                                                              const pipeline::ReplyPlan& plan,
                                                              core::Instant now);

} // namespace mailroom::daemon
