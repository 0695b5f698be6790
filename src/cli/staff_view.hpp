#pragma once

#include "core/problem.hpp"
#include "desk/actions.hpp"
#include "desk/records.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/records.hpp"
#include "pipeline/versions.hpp"
#include "rules/course.hpp"
#include "setup/config.hpp"

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

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

// The state folder and the course a staff command is pointed at.
struct StaffCourse {
  setup::StatePaths paths;
  rules::Course course;
};

// Reads `where` and the rules it names; on a problem, prints it and gives the exit code.
[[nodiscard]] std::expected<StaffCourse, int> open_staff_course(const Location& where);

// The ledger of a state folder and the records the staff views read from it.
struct StaffLedger {
  ledger::SqliteLedger ledger;
  desk::StaffRecords records;
};

// Opens the ledger in `state_dir`, which must exist, and reads its records; on a problem,
// prints it and gives the exit code.
[[nodiscard]] std::expected<StaffLedger, int>
read_staff_ledger(const std::filesystem::path& state_dir);

// --config, --state and --rules, into `where`.
void add_location_options(CLI::App& command, Location& where);

// The instant a view is as of: `--now` as judge::parse_staff_time reads it, or now when it
// is empty; on a problem, prints it and gives the exit code.
[[nodiscard]] std::expected<core::Instant, int> staff_time(const std::string& now_option,
                                                           const rules::Course& course);

// Who an audited change from the command line is by: the unix user running it, now.
[[nodiscard]] pipeline::Actor staff_actor();

// What `mailroom extend` and `excuse` are given: the change to one deliverable instance,
// and where.
struct InstanceChangeOptions {
  Location where;
  desk::InstanceChange change;
};

// The GROUP and DELIVERABLE[@LECTURE] arguments of `extend` and `excuse`, into `change`.
void add_instance_arguments(CLI::App& command, desk::InstanceChange& change);

// `mailroom extend` and `excuse`: checks the change against the course at `options.where`,
// carries it out with `action` (desk::extend or desk::excuse) on the ledger, and prints
// what it did.
using InstanceAction = core::Result<std::string> (*)(ledger::SqliteLedger&, const rules::Course&,
                                                     const desk::InstanceChange&,
                                                     const pipeline::Actor&);
[[nodiscard]] int run_instance_change(const InstanceChangeOptions& options, InstanceAction action);

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
