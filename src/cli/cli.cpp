#include "cli/cli.hpp"

#include "cli/commands.hpp"
#include "core/fault.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace mailroom::cli {

// reconcile_command.cpp (declared here, not in commands.hpp, which every command includes).
void add_reconcile_command(CLI::App& app, int& exit_code);
// report_command.cpp, likewise.
void add_report_command(CLI::App& app, int& exit_code);
// digest_command.cpp, likewise.
void add_digest_command(CLI::App& app, int& exit_code);

namespace {

// CLI11 2.1 says what it did not expect, not what was meant: the closest subcommand to a
// mistyped one, or the closest option of the subcommand given to a mistyped option.
std::optional<std::string> did_you_mean(const CLI::App& app, int argc, char** argv) {
  const CLI::App* command = nullptr;
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.starts_with("-"))
      continue;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == word)
        command = sub;
    if (command)
      break;
    if (auto near = util::closest(word, names); !near.empty())
      return "'" + word + "' is not a command; did you mean '" + near + "'?";
    return std::nullopt;
  }
  if (!command)
    return std::nullopt;
  std::vector<std::string> options;
  for (const auto* option : command->get_options())
    for (const auto& name : option->get_lnames())
      options.push_back("--" + name);
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (!word.starts_with("--"))
      continue;
    word = word.substr(0, word.find('='));
    if (std::find(options.begin(), options.end(), word) != options.end())
      continue;
    if (auto near = util::closest(word, options); !near.empty())
      return "'" + word + "' is not an option of " + command->get_name() + "; did you mean '" +
             near + "'?";
  }
  return std::nullopt;
}

} // namespace

int run(int argc, char** argv) {
  // Only the crash tests set it: the process kills itself with SIGKILL at the named step
  // of a mail's path (core/fault.hpp), in `run` and `replay --state` alike. Read once,
  // before any thread starts.
  if (const char* fault = std::getenv("MAILROOM_FAULT_KILL_AT")) {
    if (auto armed = core::arm_fault(fault); !armed) {
      std::cerr << "mailroom: " << armed.error().to_string() << "\n";
      return 1;
    }
  }
  // Named, not argv[0]: the usage line reads "mailroom", as the help the executable prints
  // without loading this module (taken at build time) does.
  CLI::App app{"mailroom: a course's submission desk over email", "mailroom"};
  app.require_subcommand(1);
  // The project version in CMakeLists.txt, the one CPack gives the .deb.
  app.set_version_flag("--version", "mailroom " MAILROOM_VERSION);
  int exit_code = 0;
  add_deadlines_command(app, exit_code);
  add_check_command(app, exit_code);
  add_schedule_command(app, exit_code);
  add_inspect_command(app, exit_code);
  add_replay_command(app, exit_code);
  add_preview_command(app, exit_code);
  add_run_command(app, exit_code);
  add_ledger_command(app, exit_code);
  add_review_command(app, exit_code);
  add_status_command(app, exit_code);
  add_show_command(app, exit_code);
  add_extend_command(app, exit_code);
  add_excuse_command(app, exit_code);
  add_reclassify_command(app, exit_code);
  add_dismiss_command(app, exit_code);
  add_reprocess_command(app, exit_code);
  add_backup_command(app, exit_code);
  add_reconcile_command(app, exit_code);
  add_report_command(app, exit_code);
  add_digest_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    if (code != 0)
      if (auto hint = did_you_mean(app, argc, argv))
        std::cerr << "mailroom: " << *hint << "\n";
    return code;
  } catch (const std::exception& e) {
    std::cerr << "mailroom: " << e.what() << "\n";
    return 2;
  }
  return exit_code;
}

} // namespace mailroom::cli
