#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "daemon/config.hpp"
#include "daemon/rules_files.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace mailroom::cli {

namespace {

struct ReclassifyOptions {
  std::string config;
  std::string state_dir;
  std::string rules_dir;
  std::int64_t mail_id = 0;
  std::string as;
  std::string group;
  std::string reason;
};

int run_reclassify(const ReclassifyOptions& options) {
  auto paths = daemon::staff_paths(options.config, options.state_dir, options.rules_dir,
                                   daemon::NeedRules::yes);
  if (!paths)
    return print_problem(paths.error());
  auto course = daemon::load_rules(paths->rules_dir);
  if (!course)
    return print_problems(course.error());
  auto target = judge::parse_target(options.as, *course);
  if (!target)
    return print_problem(target.error());
  if (options.reason.empty())
    return print_problem({"--reason", "a reason is required", "say why, for the audit trail"});
  auto ledger = ledger::SqliteLedger::open(paths->state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return print_problem(ledger.error());
  auto mail = ledger->mail(options.mail_id);
  if (!mail)
    return print_problem(mail.error());
  if (!*mail)
    return print_problem({fmt::format("mail {}", options.mail_id), "no such mail in the ledger",
                          "`mailroom ledger --json` lists the mail ids of every version"});
  std::optional<std::string> group =
      options.group.empty() ? (*mail)->group : std::optional{options.group};
  if (!group)
    return print_problem({fmt::format("mail {}", options.mail_id),
                          "the classifier found no group for this mail",
                          "give the group with --group G"});
  const auto groups = course->groups();
  if (std::find(groups.begin(), groups.end(), *group) == groups.end())
    return print_problem(
        {*group, "no group '" + *group + "' on the roster", "use a group from roster.csv"});
  const pipeline::Actor actor{
      ledger::current_unix_user(),
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())};
  pipeline::Reclassification change;
  change.deliverable = target->deliverable;
  change.lecture =
      target->lecture ? std::optional{rules::iso_date(*target->lecture)} : std::nullopt;
  change.group = group;
  auto audit = ledger->reclassify(options.mail_id, change, actor, options.reason);
  if (!audit)
    return print_problem(audit.error());
  std::cout << fmt::format("Mail {} is now {} of group {} (was {}); audit #{} by {}\n",
                           options.mail_id, options.as, *group, (*mail)->kind, *audit,
                           actor.unix_user);
  return 0;
}

} // namespace

void add_reclassify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReclassifyOptions>();
  auto* command = app.add_subcommand(
      "reclassify", "Overrule the classifier for one mail (audited; kept across reprocess)");
  command->add_option("ID", options->mail_id, "Mail id, as `ledger --json` and `show` give it")
      ->required();
  command->add_option("--as", options->as, "DELIVERABLE[@LECTURE], e.g. summary@2025-10-07")
      ->required();
  command->add_option("--group", options->group, "Group (default: the one the classifier found)");
  command->add_option("--reason", options->reason, "Why (kept in the audit trail)")->required();
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_reclassify(*options); });
}

} // namespace mailroom::cli
