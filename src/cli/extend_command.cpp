#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/staff_view.hpp"
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
  desk::InstanceChange change;
  change.group = options.group;
  change.target = options.target;
  change.reason = options.reason;
  change.revoke = options.revoke;
  change.until = options.until;
  change.earlier = options.earlier;
  return run_instance_change({options.config, options.state_dir, options.rules_dir}, change,
                             desk::extend);
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
