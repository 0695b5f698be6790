#include "cli/staff_view.hpp"

#include "cli/output.hpp"
#include "setup/rules_files.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iostream>

namespace mailroom::cli {

std::string shell_quoted(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("/._-+:@=,").find(c) != std::string_view::npos;
  });
  if (plain)
    return text;
  std::string quoted = "'";
  for (char c : text)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string Location::args() const {
  if (!config.empty())
    return " --config " + shell_quoted(config);
  std::string out;
  if (!state_dir.empty())
    out += " --state " + shell_quoted(state_dir);
  if (!rules_dir.empty())
    out += " --rules " + shell_quoted(rules_dir);
  return out;
}

std::vector<pipeline::ReviewItem>
review_queue_at(const StaffRecords& records, const rules::Course& course, const Location& where) {
  auto queue = pipeline::review_queue(records.mails, records.replies, records.dismissed, course);
  const std::string args = where.args();
  for (auto& item : queue)
    for (auto& command : item.settle)
      if (command.find("mailroom ") != std::string::npos)
        command += args;
  return queue;
}

std::expected<StaffCourse, int> open_staff_course(const Location& where) {
  auto paths =
      setup::staff_paths(where.config, where.state_dir, where.rules_dir, setup::NeedRules::yes);
  if (!paths)
    return std::unexpected(print_problem(paths.error()));
  auto course = setup::load_rules(paths->rules_dir);
  if (!course)
    return std::unexpected(print_problems(course.error()));
  return StaffCourse{std::move(*paths), std::move(*course)};
}

std::expected<StaffLedger, int> read_staff_ledger(const std::filesystem::path& state_dir) {
  auto ledger = ledger::SqliteLedger::open(state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return std::unexpected(print_problem(ledger.error()));
  auto records = read_staff_records(*ledger);
  if (!records)
    return std::unexpected(print_problem(records.error()));
  return StaffLedger{std::move(*ledger), std::move(*records)};
}

void add_location_options(CLI::App& command, Location& where) {
  command.add_option("--config", where.config, "Config file (reads rules and state_dir)");
  command.add_option("--state", where.state_dir, "State folder");
  command.add_option("--rules", where.rules_dir, "Rules folder");
}

std::expected<core::Instant, int> staff_time(const std::string& now_option,
                                             const rules::Course& course) {
  if (now_option.empty())
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto fixed = judge::parse_staff_time(now_option, course);
  if (!fixed)
    return std::unexpected(print_problem(fixed.error()));
  return *fixed;
}

pipeline::Actor staff_actor() {
  return {ledger::current_unix_user(),
          std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())};
}

void add_instance_arguments(CLI::App& command, desk::InstanceChange& change) {
  command.add_option("GROUP", change.group, "Group, as in roster.csv")->required();
  command.add_option("DELIVERABLE", change.target, "DELIVERABLE[@LECTURE], e.g. slides@2025-10-07")
      ->required();
}

int run_instance_change(const InstanceChangeOptions& options, InstanceAction action) {
  const auto& change = options.change;
  auto opened = open_staff_course(options.where);
  if (!opened)
    return opened.error();
  if (auto checked = desk::check_change(opened->course, change); !checked)
    return print_problem(checked.error());
  auto ledger = ledger::SqliteLedger::open(opened->paths.state_dir, ledger::OpenMode::create);
  if (!ledger)
    return print_problem(ledger.error());
  auto done = action(*ledger, opened->course, change, staff_actor());
  if (!done)
    return print_problem(done.error());
  std::cout << *done << "\n";
  return 0;
}

} // namespace mailroom::cli
