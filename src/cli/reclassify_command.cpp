#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/staff_view.hpp"
#include "daemon/staff_reply.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "setup/config.hpp"
#include "setup/replies.hpp"
#include "setup/rules_files.hpp"
#include "setup/settings.hpp"
#include "util/text.hpp"

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
  bool quiet = false;
};

// The reply the student is owed now that staff decided what the mail is
// (daemon::staff_decision_reply, as for `reclassify` by mail). Nullopt with `why_not` set
// when no reply can be made.
core::Result<std::optional<pipeline::OutgoingReply>>
reply_for_staff_decision(const ReclassifyOptions& options, const setup::StatePaths& paths,
                         const rules::Course& course, const pipeline::MailRow& mail,
                         const judge::Target& target, const std::string& group,
                         ledger::SqliteLedger& ledger, core::Instant now, std::string& why_not) {
  if (options.quiet) {
    why_not = "--quiet: no reply queued";
    return std::nullopt;
  }
  if (options.config.empty()) {
    why_not = "no reply queued (replies need --config FILE for [outbox] and [replies])";
    return std::nullopt;
  }
  auto settings = setup::load_settings(options.config);
  if (!settings)
    return std::unexpected(settings.error().front());
  auto made =
      daemon::staff_decision_reply(ledger, course, setup::make_reply_plan(*settings, course),
                                   paths.state_dir, mail, target, group, now);
  if (!made)
    return std::unexpected(made.error());
  why_not = made->why_not;
  return made->reply;
}

int run_reclassify(const ReclassifyOptions& options) {
  auto opened = open_staff_course({options.config, options.state_dir, options.rules_dir});
  if (!opened)
    return opened.error();
  auto* paths = &opened->paths;
  auto* course = &opened->course;
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
                          "`mailroom review` and `mailroom ledger --json` list mail ids"});
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
  const pipeline::Actor actor = staff_actor();
  std::string why_not;
  auto reply = reply_for_staff_decision(options, *paths, *course, **mail, *target, *group, *ledger,
                                        actor.at, why_not);
  if (!reply)
    return print_problem(reply.error());
  pipeline::Reclassification change;
  change.deliverable = target->deliverable;
  change.lecture =
      target->lecture ? std::optional{rules::iso_date(*target->lecture)} : std::nullopt;
  change.group = group;
  auto done = ledger->reclassify(options.mail_id, change, actor, options.reason, *reply);
  if (!done)
    return print_problem(done.error());
  std::cout << fmt::format("Mail {} is now {} of group {} (was {}); audit #{} by {}\n",
                           options.mail_id, options.as, *group, (*mail)->kind, done->audit_id,
                           actor.unix_user);
  if (done->reply_queued)
    std::cout << fmt::format("Queued a {} to {} for the daemon to send.\n", (*reply)->kind,
                             util::join((*reply)->recipients, ", "));
  else if (*reply && (*reply)->suppressed)
    std::cout << "No reply: " << *(*reply)->suppressed << "\n";
  else if (*reply)
    std::cout << "No reply: this decision was answered already.\n";
  else
    std::cout << "No reply: " << why_not << "\n";
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
  command->add_flag("--quiet", options->quiet,
                    "Queue no receipt or late notice for the new decision (by default one is "
                    "queued, once, with --config)");
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_reclassify(*options); });
}

} // namespace mailroom::cli
