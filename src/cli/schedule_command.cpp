#include "cli/commands.hpp"

namespace mailroom::cli {

void add_schedule_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("schedule", "not yet built");
  command->callback([&exit_code] { exit_code = 3; });
}

} // namespace mailroom::cli
