#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "daemon/logging.hpp"
#include "daemon/run_loop.hpp"
#include "daemon/settings.hpp"

namespace mailroom::cli {

namespace {

struct RunOptions {
  std::string config_file;
  bool once = false;
  std::string log_level = "info";
};

int run_daemon(const RunOptions& options) {
  if (auto logging = daemon::setup_logging(options.log_level); !logging)
    return print_problem(logging.error());
  auto settings = daemon::load_settings(options.config_file);
  if (!settings)
    return print_problems(settings.error());
  return daemon::run(*settings, options.once ? daemon::RunMode::once : daemon::RunMode::forever);
}

} // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  auto* command = app.add_subcommand("run", "Watch the mailbox and record every mail (the daemon)");
  command->add_option("--config", options->config_file, "Config file of one course term")
      ->required();
  command->add_flag("--once", options->once, "Poll once and exit");
  command->add_option("--log-level", options->log_level,
                      "trace, debug, info, warning, error, critical or off");
  command->callback([options, &exit_code] { exit_code = run_daemon(*options); });
}

} // namespace mailroom::cli
