#include "cli/commands.hpp"
#include "cli/staff_view.hpp"
#include "desk/actions.hpp"

namespace mailroom::cli {

void add_extend_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<InstanceChangeOptions>();
  auto& change = options->change;
  auto* command =
      app.add_subcommand("extend", "Give a group a new due time for one deliverable (audited)");
  add_instance_arguments(*command, change);
  auto* until = command->add_option(
      "--until", change.until,
      "New due time: ISO 8601 UTC, or local \"YYYY-MM-DD HH:MM\" in the course zone");
  command->add_flag("--earlier", change.earlier,
                    "Allow a new due time before the one in force (refused otherwise)");
  command
      ->add_flag("--revoke", change.revoke,
                 "Take back the latest extension: the due time before it is in force again")
      ->excludes(until);
  command->add_option("--reason", change.reason, "Why (kept in the audit trail)")->required();
  add_location_options(*command, options->where);
  command->callback(
      [options, &exit_code] { exit_code = run_instance_change(*options, desk::extend); });
}

} // namespace mailroom::cli
