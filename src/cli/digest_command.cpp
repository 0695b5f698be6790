#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/staff_view.hpp"
#include "daemon/scheduled_mail.hpp"
#include "deadline/deadline.hpp"
#include "judge/ledger_view.hpp"
#include "setup/replies.hpp"
#include "setup/rules_files.hpp"
#include "setup/settings.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>

namespace mailroom::cli {

namespace {

struct DigestOptions {
  std::string config;
  bool dry_run = false;
  std::string now;
};

void print_mail(const pipeline::ScheduledMail& mail) {
  std::string to;
  for (const auto& address : mail.reply.recipients)
    to += (to.empty() ? "" : ", ") + address;
  std::cout << fmt::format("To: {}\nSubject: {}\n\n{}\n", to, mail.subject, mail.text);
}

int run_digest(const DigestOptions& options) {
  auto settings = setup::load_settings(options.config);
  if (!settings)
    return print_problems(settings.error());
  auto course = setup::load_rules(settings->rules_dir);
  if (!course)
    return print_problems(course.error());
  auto as_of = staff_time(options.now, *course);
  if (!as_of)
    return as_of.error();
  auto now = *as_of;
  auto ledger = ledger::SqliteLedger::open(settings->state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return print_problem(ledger.error());
  const auto plan = setup::make_reply_plan(*settings, *course);
  if (!options.dry_run) {
    auto queued = daemon::queue_scheduled_mail(*ledger, *course, *settings, plan, now);
    if (!queued)
      return print_problem(queued.error());
    std::cout << fmt::format("Queued {} digest(s) and {} reminder(s) as of {}; the daemon's "
                             "next poll sends them.\n",
                             queued->digests, queued->reminders,
                             deadline::format_local(now, course->zone));
    return 0;
  }
  auto due = daemon::scheduled_due(*ledger, *course, *settings, plan, now, daemon::Queued::include);
  if (!due)
    return print_problem(due.error());
  if (settings->digest.to.empty())
    std::cout << "No digest: [digest] to is not set in " << options.config << ".\n";
  else if (due->digest)
    print_mail(*due->digest);
  std::cout << fmt::format("\n{} reminder(s) due at {} and not sent yet.\n", due->reminders.size(),
                           deadline::format_local(now, course->zone));
  for (const auto& reminder : due->reminders)
    std::cout << fmt::format("  {} -> {}\n", reminder.subject,
                             reminder.reply.recipients.empty() ? ""
                                                               : reminder.reply.recipients.front());
  return 0;
}

} // namespace

void add_digest_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DigestOptions>();
  auto* command = app.add_subcommand(
      "digest", "The daily digest to staff and the reminders due: preview them, or queue them now");
  command->add_option("--config", options->config, "Config file ([digest], rules, state_dir)")
      ->required();
  command->add_flag("--dry-run", options->dry_run,
                    "Print the digest of today (even if sent) and the reminders due; send and "
                    "write nothing");
  command->add_option("--now", options->now, "As of this time instead of now");
  command->callback([options, &exit_code] { exit_code = run_digest(*options); });
}

} // namespace mailroom::cli
