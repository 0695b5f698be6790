#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/fault.hpp"
#include "daemon/run_loop.hpp"
#include "setup/logging.hpp"
#include "setup/settings.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace mailroom::cli {

namespace {

struct RunOptions {
  std::string config_file;
  bool once = false;
  bool wait = false;
  std::string log_level = "info";
};

// Only tests set MAILROOM_FAULT_HOLD_AT (core/fault.hpp): at that step the daemon
// creates MAILROOM_FAULT_HOLD_FILE and waits, at most 30 s, until the test removes it.
core::Result<void> arm_hold_from_environment() {
  const char* point = std::getenv("MAILROOM_FAULT_HOLD_AT");
  if (!point || !*point)
    return {};
  const char* file = std::getenv("MAILROOM_FAULT_HOLD_FILE");
  if (!file || !*file)
    return core::fail("MAILROOM_FAULT_HOLD_AT", "no MAILROOM_FAULT_HOLD_FILE given",
                      "name the file the test removes to let the daemon go on");
  return core::arm_hold(point, [path = std::filesystem::path(file)] {
    std::ofstream(path) << "held\n";
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (std::filesystem::exists(path) && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
  });
}

int run_daemon(const RunOptions& options) {
  if (auto logging = setup::setup_logging(options.log_level); !logging)
    return print_problem(logging.error());
  if (auto held = arm_hold_from_environment(); !held)
    return print_problem(held.error());
  auto settings = setup::load_settings(options.config_file);
  if (!settings)
    return print_problems(settings.error());
  return daemon::run(*settings, options.once ? daemon::RunMode::once : daemon::RunMode::forever,
                     options.wait ? daemon::WhenBusy::wait : daemon::WhenBusy::exit);
}

} // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  auto* command = app.add_subcommand("run", "Watch the mailbox and record every mail (the daemon)");
  command->add_option("--config", options->config_file, "Config file of one course term")
      ->required();
  command->add_flag("--once", options->once, "Poll once and exit");
  command->add_flag("--wait", options->wait,
                    "When another mailroom runs on the state folder, wait until it ends "
                    "(without it: exit 75 at once)");
  command->add_option("--log-level", options->log_level,
                      "trace, debug, info, warning, error, critical or off");
  command->callback([options, &exit_code] { exit_code = run_daemon(*options); });
}

} // namespace mailroom::cli
