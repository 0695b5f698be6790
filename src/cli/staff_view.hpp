#pragma once

#include "core/problem.hpp"
#include "desk/records.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/versions.hpp"
#include "rules/course.hpp"
#include "setup/config.hpp"

#include <string>
#include <vector>

// What the staff views (ledger, review, status) read from one ledger, and what they
// derive from it as of an instant.
namespace mailroom::cli {

// Where a staff command was pointed: --config FILE, or --state DIR --rules DIR.
struct Location {
  std::string config;
  std::string state_dir;
  std::string rules_dir;

  // The same options again, for a command line staff can paste (" --config term.toml").
  [[nodiscard]] std::string args() const;
};

using desk::read_staff_records;
using desk::StaffRecords;
using desk::statuses_as_of;

// The review queue (pipeline::review_queue) with each settling command completed by the
// location options, so it can be pasted as it is.
[[nodiscard]] std::vector<pipeline::ReviewItem>
review_queue_at(const StaffRecords& records, const rules::Course& course, const Location& where);

// Quotes `text` for a POSIX shell when it needs it.
[[nodiscard]] std::string shell_quoted(const std::string& text);

} // namespace mailroom::cli
