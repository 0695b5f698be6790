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

struct ExcuseOptions {
  std::string config;
  std::string state_dir;
  std::string rules_dir;
  std::string group;
  std::string target;
  std::string reason;
  bool revoke = false;
};

int run_excuse(const ExcuseOptions& options) {
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
  if (options.revoke) {
    auto revoked = ledger->revoke_excusal({0, options.group, target->deliverable, lecture}, actor,
                                          options.reason);
    if (!revoked)
      return print_problem(revoked.error());
    if (!*revoked)
      return print_problem(
          {options.target,
           fmt::format("group {} is not excused from {}", options.group, options.target),
           "`mailroom ledger --status excused` lists the excusals in force"});
    std::cout << fmt::format("Group {} owes {} again (due {}); audit #{} by {}\n", options.group,
                             options.target, deadline::format_local(owed->due, course->zone),
                             **revoked, actor.unix_user);
    return 0;
  }
  auto audit =
      ledger->excuse({0, options.group, target->deliverable, lecture}, actor, options.reason);
  if (!audit)
    return print_problem(audit.error());
  std::cout << fmt::format("Excused group {} from {} (due {}); audit #{} by {}\n", options.group,
                           options.target, deadline::format_local(owed->due, course->zone), *audit,
                           actor.unix_user);
  return 0;
}

} // namespace

void add_excuse_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExcuseOptions>();
  auto* command = app.add_subcommand("excuse", "Excuse a group from one deliverable (audited)");
  command->add_option("GROUP", options->group, "Group, as in roster.csv")->required();
  command
      ->add_option("DELIVERABLE", options->target, "DELIVERABLE[@LECTURE], e.g. slides@2025-10-07")
      ->required();
  command->add_option("--reason", options->reason, "Why (kept in the audit trail)")->required();
  command->add_flag("--revoke", options->revoke,
                    "Take the excusal back: the group owes the deliverable again");
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_excuse(*options); });
}

} // namespace mailroom::cli
