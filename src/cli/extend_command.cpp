#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "daemon/config.hpp"
#include "daemon/rules_files.hpp"
#include "deadline/deadline.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace mailroom::cli {

namespace {

struct ExtendOptions {
  std::string config;
  std::string state_dir;
  std::string rules_dir;
  std::string group;
  std::string target;
  std::string until;
  std::string reason;
};

int run_extend(const ExtendOptions& options) {
  auto paths = daemon::staff_paths(options.config, options.state_dir, options.rules_dir,
                                   daemon::NeedRules::yes);
  if (!paths)
    return print_problem(paths.error());
  auto course = daemon::load_rules(paths->rules_dir);
  if (!course)
    return print_problems(course.error());
  auto target = judge::parse_target(options.target, *course);
  if (!target)
    return print_problem(target.error());
  const auto groups = course->groups();
  if (std::find(groups.begin(), groups.end(), options.group) == groups.end())
    return print_problem({options.group, "no group '" + options.group + "' on the roster",
                          "use a group from roster.csv"});
  auto until = judge::parse_staff_time(options.until, *course);
  if (!until)
    return print_problem(until.error());
  if (options.reason.empty())
    return print_problem({"--reason", "a reason is required", "say why, for the audit trail"});
  const auto instances = deadline::instances(*course);
  const auto owed = std::find_if(instances.begin(), instances.end(), [&](const auto& instance) {
    return instance.deliverable == target->deliverable && instance.lecture == target->lecture &&
           instance.group == options.group;
  });
  if (owed == instances.end())
    return print_problem({options.target,
                          fmt::format("group {} does not owe {}", options.group, options.target),
                          "check assignments.csv, or `mailroom deadlines` for what is owed"});

  auto ledger = ledger::SqliteLedger::open(paths->state_dir, ledger::OpenMode::create);
  if (!ledger)
    return print_problem(ledger.error());
  const pipeline::Actor actor{
      ledger::current_unix_user(),
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())};
  auto lecture = target->lecture ? std::optional{rules::iso_date(*target->lecture)} : std::nullopt;
  auto audit = ledger->extend({0, options.group, target->deliverable, lecture, *until}, actor,
                              options.reason);
  if (!audit)
    return print_problem(audit.error());
  std::cout << fmt::format(
      "Extended {} for group {}: due {} (was {}); audit #{} by {}\n", options.target, options.group,
      deadline::format_local(*until, course->zone), deadline::format_local(owed->due, course->zone),
      *audit, actor.unix_user);
  return 0;
}

} // namespace

void add_extend_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExtendOptions>();
  auto* command =
      app.add_subcommand("extend", "Give a group a new due time for one deliverable (audited)");
  command->add_option("GROUP", options->group, "Group, as in roster.csv")->required();
  command
      ->add_option("DELIVERABLE", options->target, "DELIVERABLE[@LECTURE], e.g. slides@2025-10-07")
      ->required();
  command
      ->add_option("--until", options->until,
                   "New due time: ISO 8601 UTC, or local \"YYYY-MM-DD HH:MM\" in the course zone")
      ->required();
  command->add_option("--reason", options->reason, "Why (kept in the audit trail)")->required();
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_extend(*options); });
}

} // namespace mailroom::cli
