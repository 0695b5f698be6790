#include "archive/archive.hpp"
#include "cli/output.hpp"
#include "cli/staff_view.hpp"
#include "daemon/report_file.hpp"
#include "deadline/deadline.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "setup/config.hpp"
#include "setup/rules_files.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <iostream>

namespace mailroom::cli {

namespace {

struct ReportOptions {
  std::string config;
  std::string state_dir;
  std::string rules_dir;
  std::string html;
  std::string now;
};

int run_report(const ReportOptions& options) {
  auto opened = open_staff_course({options.config, options.state_dir, options.rules_dir});
  if (!opened)
    return opened.error();
  auto* paths = &opened->paths;
  auto* course = &opened->course;
  const auto made_at =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto as_of = made_at;
  if (!options.now.empty()) {
    auto fixed = judge::parse_staff_time(options.now, *course);
    if (!fixed)
      return print_problem(fixed.error());
    as_of = *fixed;
  }
  auto ledger = ledger::SqliteLedger::open(paths->state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return print_problem(ledger.error());
  auto text = daemon::report_template(paths->rules_dir);
  if (!text)
    return print_problem(text.error());
  auto html = daemon::report_html(*ledger, *course, *text, made_at, as_of);
  if (!html)
    return print_problem(html.error());
  if (auto written = archive::write_durably(options.html, *html, {}, 0644); !written)
    return print_problem(written.error());
  std::cout << fmt::format("Wrote {} ({} bytes) from {}, statuses as of {}\n", options.html,
                           html->size(), ledger->database_path().string(),
                           deadline::format_local(as_of, course->zone));
  return 0;
}

} // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReportOptions>();
  auto* command = app.add_subcommand(
      "report", "The term at a glance: one self-contained HTML page of groups and deliverables");
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder (ledger.db)");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->add_option("--html", options->html, "Where to write the page")->required();
  command->add_option("--now", options->now, "Judge status as of this time instead of now");
  command->callback([options, &exit_code] { exit_code = run_report(*options); });
}

} // namespace mailroom::cli
