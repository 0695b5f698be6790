#include "cli/commands.hpp"
#include "cli/staff_view.hpp"
#include "desk/actions.hpp"

namespace mailroom::cli {

void add_excuse_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<InstanceChangeOptions>();
  auto& change = options->change;
  auto* command = app.add_subcommand("excuse", "Excuse a group from one deliverable (audited)");
  add_instance_arguments(*command, change);
  command->add_option("--reason", change.reason, "Why (kept in the audit trail)")->required();
  command->add_flag("--revoke", change.revoke,
                    "Take the excusal back: the group owes the deliverable again");
  add_location_options(*command, options->where);
  command->callback(
      [options, &exit_code] { exit_code = run_instance_change(*options, desk::excuse); });
}

} // namespace mailroom::cli
