#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "desk/actions.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/records.hpp"
#include "rules/course.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace mailroom::daemon {

// The reply a student is owed once staff decided what their mail `mail` is (`target` of
// `group`): they were told "unclear, please resend" (or nothing), so the receipt or late
// notice the mail would have had, had it been classified right, follows. The mail is
// judged again from its archived copy (under `state_dir`) against the instance's due
// time or the latest extension granted, and composed with `plan` (templates, caps,
// gates: the normal outbox). Its Message-ID names the decision, so the same decision is
// queued once (SqliteLedger::reclassify), whoever makes it: `mailroom reclassify` on the
// command line or `reclassify` by mail. Staff settled it by hand, however long it waited:
// max_reply_age does not apply. Problems: the ledger or the archive cannot be read.
[[nodiscard]] core::Result<desk::OwedReply>
staff_decision_reply(ledger::SqliteLedger& ledger, const rules::Course& course,
                     const pipeline::ReplyPlan& plan, const std::filesystem::path& state_dir,
                     const pipeline::MailRow& mail, const judge::Target& target,
                     const std::string& group, core::Instant now);

} // namespace mailroom::daemon
