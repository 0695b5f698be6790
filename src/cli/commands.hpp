#pragma once

#include <CLI/CLI.hpp>

// Each subcommand lives in its own file and registers itself on the app. The
// callback it installs runs the command and stores the exit code in `exit_code`.
namespace mailroom::cli {

void add_deadlines_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_schedule_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_preview_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_ledger_command(CLI::App& app, int& exit_code);
void add_show_command(CLI::App& app, int& exit_code);
void add_extend_command(CLI::App& app, int& exit_code);
void add_excuse_command(CLI::App& app, int& exit_code);
void add_reclassify_command(CLI::App& app, int& exit_code);
void add_reprocess_command(CLI::App& app, int& exit_code);
void add_backup_command(CLI::App& app, int& exit_code);
void add_review_command(CLI::App& app, int& exit_code);
void add_dismiss_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);

// `check --config`: the config file, its rules, and a login to its servers.
int run_config_check(const std::string& config_file);

} // namespace mailroom::cli
