#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "deadline/deadline.hpp"
#include "setup/rules_files.hpp"

#include <fmt/format.h>

#include <iostream>

namespace mailroom::cli {

namespace {

struct DeadlinesOptions {
  std::string rules_dir;
  bool json = false;
};

int run_deadlines(const DeadlinesOptions& options) {
  auto course = setup::load_rules(options.rules_dir);
  if (!course)
    return print_problems(course.error());
  const auto rows = deadline::instances(*course);
  if (options.json) {
    for (const auto& row : rows) {
      JsonObject record;
      record.add("deliverable", row.deliverable);
      record.add("lecture",
                 row.lecture ? std::optional{rules::iso_date(*row.lecture)} : std::nullopt);
      record.add("group", row.group);
      record.add("due", core::to_iso_utc(row.due));
      record.add("due_local", deadline::format_local_iso(row.due, course->zone));
      std::cout << record.str() << "\n";
    }
    return 0;
  }
  Table table({"due (" + course->zone + ")", "deliverable", "lecture", "group", "topic"});
  for (const auto& row : rows) {
    std::string topic;
    if (row.lecture)
      if (const auto* lecture = course->lecture(*row.lecture))
        topic = lecture->topic;
    table.add({deadline::format_local(row.due, course->zone), row.deliverable,
               row.lecture ? rules::iso_date(*row.lecture) : "-",
               row.group.value_or("(unassigned)"), topic});
  }
  std::cout << fmt::format("{} — {}: {} deadlines\n\n", course->name, course->term, rows.size());
  table.print(std::cout);
  return 0;
}

} // namespace

void add_deadlines_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DeadlinesOptions>();
  auto* command = app.add_subcommand(
      "deadlines", "List every deliverable instance the rules and assignments imply, by due time");
  command
      ->add_option("--rules", options->rules_dir,
                   "Rules folder (course.toml, roster.csv, assignments.csv)")
      ->required();
  command->add_flag("--json", options->json, "One JSON object per line");
  command->callback([options, &exit_code] { exit_code = run_deadlines(*options); });
}

} // namespace mailroom::cli
