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

// `check --config`: the config file, its rules, and a login to its servers.
int run_config_check(const std::string& config_file);

} // namespace mailroom::cli
