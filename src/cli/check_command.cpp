#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "deadline/deadline.hpp"
#include "setup/rules_files.hpp"

#include <fmt/format.h>

#include <iostream>

namespace mailroom::cli {

namespace {

struct CheckOptions {
  std::string rules_dir;
  std::string config_file;
};

int check_rules(const std::string& dir) {
  auto course = setup::load_rules(dir);
  if (!course)
    return print_problems(course.error());
  if (auto problems = setup::check_rules_templates(dir, *course); !problems.empty())
    return print_problems(problems);
  const auto count = deadline::instances(*course).size();
  std::size_t student_lectures = 0;
  for (const auto& lecture : course->lectures)
    student_lectures += lecture.students_present ? 1 : 0;
  std::cout << fmt::format("{}: ok — {} ({}), {} lectures ({} presented by students), "
                           "{} deliverables, {} students in {} groups, {} assignments, {} "
                           "deadlines\n",
                           dir, course->name, course->term, course->lectures.size(),
                           student_lectures, course->deliverables.size(), course->roster.size(),
                           course->groups().size(), course->assignments.size(), count);
  return 0;
}

} // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CheckOptions>();
  auto* command = app.add_subcommand(
      "check", "Validate a rules folder (or a config file and its servers); list every problem");
  auto* rules = command->add_option("--rules", options->rules_dir, "Rules folder to validate");
  auto* config = command->add_option("--config", options->config_file, "Config file to validate");
  rules->excludes(config);
  command->callback([options, &exit_code, rules, config] {
    if (rules->count() == 0 && config->count() == 0)
      throw CLI::RequiredError("--rules or --config");
    if (!options->rules_dir.empty())
      exit_code = check_rules(options->rules_dir);
    else
      exit_code = run_config_check(options->config_file);
  });
}

} // namespace mailroom::cli
