#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "daemon/config.hpp"
#include "daemon/rules_files.hpp"
#include "deadline/deadline.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/versions.hpp"

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
  bool earlier = false;
  bool revoke = false;
};

// The due time in force for `instance`: its latest extension, else its own.
core::Result<core::Instant> current_due(ledger::SqliteLedger& ledger,
                                        const deadline::Instance& instance) {
  auto extensions = ledger.extensions();
  if (!extensions)
    return std::unexpected(extensions.error());
  core::Instant due = instance.due;
  for (const auto& extension : pipeline::extensions_of(*extensions))
    if (instance.group == extension.group && extension.deliverable == instance.deliverable &&
        extension.lecture == instance.lecture)
      due = extension.until; // the latest granted wins
  return due;
}

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
  auto current = current_due(*ledger, *owed);
  if (!current)
    return print_problem(current.error());
  const pipeline::Actor actor{
      ledger::current_unix_user(),
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())};
  auto lecture = target->lecture ? std::optional{rules::iso_date(*target->lecture)} : std::nullopt;
  const pipeline::ExtensionRow which{0, options.group, target->deliverable, lecture, {}};
  if (options.revoke) {
    auto audit = ledger->revoke_extension(which, actor, options.reason);
    if (!audit)
      return print_problem(audit.error());
    if (!*audit)
      return print_problem(
          {options.target,
           fmt::format("group {} has no extension of {} to revoke", options.group, options.target),
           "`mailroom ledger --group " + options.group + "` shows the extensions in force"});
    auto after = current_due(*ledger, *owed);
    if (!after)
      return print_problem(after.error());
    std::cout << fmt::format(
        "Revoked the extension of {} for group {}: due {} (was {}); audit "
        "#{} by {}\n",
        options.target, options.group, deadline::format_local(*after, course->zone),
        deadline::format_local(*current, course->zone), **audit, actor.unix_user);
    return 0;
  }
  if (options.until.empty())
    return print_problem({"--until", "the new due time is missing",
                          "give --until TIME, or --revoke to take the extension back"});
  auto until = judge::parse_staff_time(options.until, *course);
  if (!until)
    return print_problem(until.error());
  // An "extension" to before the due time in force takes time away from the group: a
  // typo (wrong month, UTC read as local) more often than a decision.
  if (*until < *current && !options.earlier)
    return print_problem({options.until,
                          fmt::format("{} is before the due time in force, {}",
                                      deadline::format_local(*until, course->zone),
                                      deadline::format_local(*current, course->zone)),
                          "check the date; if an earlier due time is meant, add --earlier"});
  auto audit = ledger->extend({0, options.group, target->deliverable, lecture, *until}, actor,
                              options.reason);
  if (!audit)
    return print_problem(audit.error());
  std::cout << fmt::format("Extended {} for group {}: due {} (was {}); audit #{} by {}\n",
                           options.target, options.group,
                           deadline::format_local(*until, course->zone),
                           deadline::format_local(*current, course->zone), *audit, actor.unix_user);
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
  auto* until = command->add_option(
      "--until", options->until,
      "New due time: ISO 8601 UTC, or local \"YYYY-MM-DD HH:MM\" in the course zone");
  command->add_flag("--earlier", options->earlier,
                    "Allow a new due time before the one in force (refused otherwise)");
  command
      ->add_flag("--revoke", options->revoke,
                 "Take back the latest extension: the due time before it is in force again")
      ->excludes(until);
  command->add_option("--reason", options->reason, "Why (kept in the audit trail)")->required();
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_extend(*options); });
}

} // namespace mailroom::cli
