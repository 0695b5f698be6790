#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "setup/config.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace mailroom::cli {

namespace {

struct BackupOptions {
  std::string config;
  std::string state_dir;
  std::string destination;
};

int run_backup(const BackupOptions& options) {
  auto paths = setup::staff_paths(options.config, options.state_dir, "", setup::NeedRules::no);
  if (!paths)
    return print_problem(paths.error());
  // Checked before the copy: SQLite's own error for a missing folder names the ledger.
  const std::filesystem::path destination(options.destination);
  const auto folder =
      destination.parent_path().empty() ? std::filesystem::path(".") : destination.parent_path();
  std::error_code missing;
  if (std::filesystem::is_directory(destination, missing))
    return print_problem({options.destination, "is a folder; the backup is one file",
                          "name the file, e.g. " + (destination / "ledger.db").string()});
  if (!std::filesystem::is_directory(folder, missing))
    return print_problem(
        {options.destination, "the folder " + folder.string() + " does not exist",
         "create it first (mkdir -p " + folder.string() + "), or back up into an existing folder"});
  auto ledger = ledger::SqliteLedger::open(paths->state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return print_problem(ledger.error());
  if (auto copied = ledger->backup_to(options.destination); !copied)
    return print_problem(copied.error());
  std::error_code error;
  const auto size = std::filesystem::file_size(options.destination, error);
  std::cout << fmt::format("Backed up {} to {} ({} bytes). The archive folder {}/archive is "
                           "written once per file; copy it with any tool.\n",
                           ledger->database_path().string(), options.destination, error ? 0 : size,
                           paths->state_dir.string());
  return 0;
}

} // namespace

void add_backup_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<BackupOptions>();
  auto* command = app.add_subcommand(
      "backup",
      "Copy the ledger to DEST, safely while the daemon runs (VACUUM INTO, fsync, rename)");
  command->add_option("DEST", options->destination, "Where the copy goes (a file)")->required();
  command->add_option("--config", options->config, "Config file (reads state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->callback([options, &exit_code] { exit_code = run_backup(*options); });
}

} // namespace mailroom::cli
