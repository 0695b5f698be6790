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

struct ExcuseOptions {
  std::string config;
  std::string state_dir;
  std::string rules_dir;
  std::string group;
  std::string target;
  std::string reason;
  bool revoke = false;
};

int run_excuse(const ExcuseOptions& options) {
  desk::InstanceChange change;
  change.group = options.group;
  change.target = options.target;
  change.reason = options.reason;
  change.revoke = options.revoke;
  return run_instance_change({options.config, options.state_dir, options.rules_dir}, change,
                             desk::excuse);
}

} // namespace

void add_excuse_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExcuseOptions>();
  auto* command = app.add_subcommand("excuse", "Excuse a group from one deliverable (audited)");
  command->add_option("GROUP", options->group, "Group, as in roster.csv")->required();
  command
      ->add_option("DELIVERABLE", options->target, "DELIVERABLE[@LECTURE], e.g. slides@2025-10-07")
      ->required();
  command->add_option("--reason", options->reason, "Why (kept in the audit trail)")->required();
  command->add_flag("--revoke", options->revoke,
                    "Take the excusal back: the group owes the deliverable again");
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_excuse(*options); });
}

} // namespace mailroom::cli
