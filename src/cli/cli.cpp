#include "cli/cli.hpp"

#include "cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

namespace mailroom::cli {

// reconcile_command.cpp (declared here, not in commands.hpp, which every command includes).
void add_reconcile_command(CLI::App& app, int& exit_code);
// report_command.cpp, likewise.
void add_report_command(CLI::App& app, int& exit_code);

int run(int argc, char** argv) {
  CLI::App app{"mailroom: a course's submission desk over email"};
  app.require_subcommand(1);
  int exit_code = 0;
  add_deadlines_command(app, exit_code);
  add_check_command(app, exit_code);
  add_schedule_command(app, exit_code);
  add_inspect_command(app, exit_code);
  add_replay_command(app, exit_code);
  add_preview_command(app, exit_code);
  add_run_command(app, exit_code);
  add_ledger_command(app, exit_code);
  add_show_command(app, exit_code);
  add_extend_command(app, exit_code);
  add_excuse_command(app, exit_code);
  add_reclassify_command(app, exit_code);
  add_reprocess_command(app, exit_code);
  add_backup_command(app, exit_code);
  add_reconcile_command(app, exit_code);
  add_report_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "mailroom: " << e.what() << "\n";
    return 2;
  }
  return exit_code;
}

} // namespace mailroom::cli
