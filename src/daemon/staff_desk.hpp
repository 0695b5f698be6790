#pragma once

#include "desk/mail_desk.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "rules/course.hpp"

#include <filesystem>

namespace mailroom::daemon {

// The desk that carries out staff commands by mail on `ledger`, answering `review` with
// the term's page made from the rules folder's report template (or the shipped one).
// `ledger` and `course` must outlive it.
[[nodiscard]] desk::LedgerDesk staff_desk(ledger::SqliteLedger& ledger, const rules::Course& course,
                                          const std::filesystem::path& rules_dir);

} // namespace mailroom::daemon
