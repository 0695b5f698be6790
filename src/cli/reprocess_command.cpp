#include "archive/archive.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/staff_view.hpp"
#include "clock/system_clock.hpp"
#include "judge/checks.hpp"
#include "judge/decision.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/engine.hpp"
#include "sandbox/sandboxed_reader.hpp"
#include "setup/config.hpp"
#include "setup/replies.hpp"
#include "setup/rules_files.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <iostream>

namespace mailroom::cli {

namespace {

struct ReprocessOptions {
  std::string config;
  std::string state_dir;
  std::string rules_dir;
  std::string since;
  std::string reason = "rules, roster or assignments changed";
  bool notify = false;
  bool any_age = false;
  bool dry_run = false;
};

// What the daemon would have done with the config at hand: the same checks, and with
// --notify the same reply plan.
struct Context {
  std::optional<judge::TrustChecks> checks;   // nullopt: no config, carry the stored ones
  std::optional<pipeline::ReplyPlan> replies; // with --notify
  std::optional<std::chrono::seconds> max_instance_age;
};

std::expected<Context, core::Problems> context_of(const ReprocessOptions& options,
                                                  const rules::Course& course) {
  Context context;
  if (options.config.empty()) {
    if (options.notify)
      return std::unexpected(core::Problems{
          {"reprocess --notify", "the replies need the config's [replies] and [outbox] settings",
           "give --config FILE"}});
    return context;
  }
  auto settings = setup::load_settings(options.config);
  if (!settings)
    return std::unexpected(settings.error());
  context.checks = judge::TrustChecks{settings->arrival_mismatch, settings->trusted_authserv_id};
  if (options.notify) {
    context.replies = setup::make_reply_plan(*settings, course);
    // Staff asked for the news of a changed decision: max_reply_age keeps the daemon from
    // answering a stale backlog, not this.
    context.replies->gates.max_reply_age = std::chrono::seconds::max();
    // Yet a deadline older than max_reply_age belongs to a term long past: no news about
    // it unless staff say --any-age.
    if (!options.any_age)
      context.max_instance_age = settings->replies.max_reply_age;
  }
  return context;
}

int run_reprocess(const ReprocessOptions& options) {
  auto opened = open_staff_course({options.config, options.state_dir, options.rules_dir});
  if (!opened)
    return opened.error();
  auto* paths = &opened->paths;
  auto* course = &opened->course;
  auto context = context_of(options, *course);
  if (!context)
    return print_problems(context.error());
  std::optional<core::Instant> since;
  if (!options.since.empty()) {
    auto parsed = judge::parse_staff_time(options.since, *course);
    if (!parsed)
      return print_problem(parsed.error());
    since = *parsed;
  }
  auto ledger = ledger::SqliteLedger::open(paths->state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return print_problem(ledger.error());
  auto mails = ledger->mails(since);
  if (!mails)
    return print_problem(mails.error());
  const clock::SystemClock system_clock;
  const archive::Archive archive(paths->state_dir / "archive");
  pipeline::Engine engine(*ledger, archive, system_clock);
  engine.set_content_reader(&sandbox::default_reader());
  const pipeline::RetakeOptions retake{context->checks,
                                       context->replies ? &*context->replies : nullptr,
                                       context->max_instance_age, options.dry_run};
  std::size_t too_old = 0;
  std::size_t changed = 0;
  std::size_t queued = 0;
  core::Problems problems;
  // Re-judging reads the archived bytes, never the mailbox: the ledger is the truth.
  // A reclassification by staff stays in force over the new decision.
  for (const auto& mail : *mails) {
    auto updated = engine.retake(mail, *course, retake);
    if (!updated) {
      problems.push_back(updated.error());
      continue;
    }
    if (updated->changed) {
      ++changed;
      queued += updated->reply_queued ? 1 : 0;
      const auto& decided = updated->decision.classification;
      std::cout << fmt::format("mail {} ({}): was {}{}{}, now {}{}{}\n", mail.id, mail.file,
                               mail.kind, mail.lecture ? " @" + *mail.lecture : "",
                               mail.group ? " group " + *mail.group : "", decided.kind,
                               decided.lecture ? " @" + rules::iso_date(*decided.lecture) : "",
                               decided.group ? " group " + *decided.group : "");
      if (updated->reply)
        std::cout << fmt::format("  {} a {} to {}\n", options.dry_run ? "would queue" : "queued",
                                 updated->reply->kind, fmt::join(updated->reply->recipients, ", "));
      if (updated->too_old) {
        ++too_old;
        std::cout << "  no reply: its deadline is older than max_reply_age (--any-age sends "
                     "it all the same)\n";
      }
    }
  }
  if (options.dry_run) {
    std::cout << fmt::format("Dry run: {} mail(s) re-judged, {} decision(s) would change; {} "
                             "reply(ies) would be queued; nothing was written.\n",
                             mails->size(), changed, queued);
    return problems.empty() ? 0 : print_problems(problems);
  }
  const auto now = system_clock.now();
  const pipeline::Actor actor{ledger::current_unix_user(), now};
  auto noted = ledger->note("reprocess",
                            fmt::format("{} mail(s){} re-judged, {} changed", mails->size(),
                                        since ? " since " + core::to_iso_utc(*since) : "", changed),
                            actor, options.reason);
  if (!noted)
    problems.push_back(noted.error());
  std::cout << fmt::format(
      "Re-judged {} mail(s), {} decision(s) changed; {}.\n", mails->size(), changed,
      options.notify ? fmt::format("{} reply(ies) queued for the daemon to send{}", queued,
                                   too_old ? fmt::format(" ({} too old to tell)", too_old) : "")
                     : "nothing was sent (--notify queues replies)");
  return problems.empty() ? 0 : print_problems(problems);
}

} // namespace

void add_reprocess_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReprocessOptions>();
  auto* command = app.add_subcommand(
      "reprocess",
      "Re-judge stored mail after rules, roster or assignments change (sends nothing; audited)");
  command->add_option("--since", options->since, "Only mail received at or after this time");
  command->add_option("--reason", options->reason, "Why (kept in the audit trail)");
  command->add_flag("--notify", options->notify,
                    "Queue one reply per changed decision (needs --config; the daemon sends "
                    "them; never twice for the same decision)");
  command->add_flag("--any-age", options->any_age,
                    "With --notify, also write about deadlines older than max_reply_age");
  command->add_flag("--dry-run", options->dry_run,
                    "List what would change and what would be queued; write nothing");
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_reprocess(*options); });
}

} // namespace mailroom::cli
