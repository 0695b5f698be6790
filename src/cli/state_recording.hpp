#pragma once

#include "mailbox/mailbox.hpp"
#include "pipeline/decision.hpp"
#include "rules/course.hpp"

#include <string>

namespace mailroom::cli {

// Record replayed mails into the ledger and archive of `state_dir` (replay --state).
// Returns the exit code; prints problems on stderr.
int record_into_state(const std::string& state_dir, const rules::Course& course,
                      const std::vector<std::pair<mailbox::RawMail, pipeline::Decision>>& mails);

} // namespace mailroom::cli
