#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "desk/actions.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "setup/config.hpp"
#include "setup/rules_files.hpp"

#include <chrono>
#include <iostream>

namespace mailroom::cli {

namespace {

struct ExtendOptions {
  std::string config;
  std::string state_dir;
  std::string rules_dir;
  std::string group;
  std::string target;
  std::string until;
  std::string reason;
  bool earlier = false;
  bool revoke = false;
};

int run_extend(const ExtendOptions& options) {
  auto paths = setup::staff_paths(options.config, options.state_dir, options.rules_dir,
                                  setup::NeedRules::yes);
  if (!paths)
    return print_problem(paths.error());
  auto course = setup::load_rules(paths->rules_dir);
  if (!course)
    return print_problems(course.error());
  desk::InstanceChange change;
  change.group = options.group;
  change.target = options.target;
  change.reason = options.reason;
  change.revoke = options.revoke;
  change.until = options.until;
  change.earlier = options.earlier;
  if (auto checked = desk::check_change(*course, change); !checked)
    return print_problem(checked.error());
  auto ledger = ledger::SqliteLedger::open(paths->state_dir, ledger::OpenMode::create);
  if (!ledger)
    return print_problem(ledger.error());
  const pipeline::Actor actor{
      ledger::current_unix_user(),
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())};
  auto done = desk::extend(*ledger, *course, change, actor);
  if (!done)
    return print_problem(done.error());
  std::cout << *done << "\n";
  return 0;
}

} // namespace

void add_extend_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExtendOptions>();
  auto* command =
      app.add_subcommand("extend", "Give a group a new due time for one deliverable (audited)");
  command->add_option("GROUP", options->group, "Group, as in roster.csv")->required();
  command
      ->add_option("DELIVERABLE", options->target, "DELIVERABLE[@LECTURE], e.g. slides@2025-10-07")
      ->required();
  auto* until = command->add_option(
      "--until", options->until,
      "New due time: ISO 8601 UTC, or local \"YYYY-MM-DD HH:MM\" in the course zone");
  command->add_flag("--earlier", options->earlier,
                    "Allow a new due time before the one in force (refused otherwise)");
  command
      ->add_flag("--revoke", options->revoke,
                 "Take back the latest extension: the due time before it is in force again")
      ->excludes(until);
  command->add_option("--reason", options->reason, "Why (kept in the audit trail)")->required();
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_extend(*options); });
}

} // namespace mailroom::cli
