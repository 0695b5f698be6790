#pragma once

#include "desk/mail_desk.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/engine.hpp"
#include "rules/course.hpp"
#include "setup/settings.hpp"

namespace mailroom::daemon {

// The desk that carries out staff commands by mail on `ledger`, answering `review` with
// the term's page made from the rules folder's report template (or the shipped one),
// and queueing for a `reclassify` the receipt or late notice the student is owed
// (staff_decision_reply, with `plan`: the same reply as `mailroom reclassify`).
// `ledger`, `course`, `settings` and `plan` must outlive it.
[[nodiscard]] desk::LedgerDesk staff_desk(ledger::SqliteLedger& ledger, const rules::Course& course,
                                          const setup::Settings& settings,
                                          const pipeline::ReplyPlan& plan);

} // namespace mailroom::daemon
