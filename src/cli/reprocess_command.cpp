#include "archive/archive.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "daemon/config.hpp"
#include "daemon/replies.hpp"
#include "daemon/rules_files.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "ledger/views.hpp"
#include "message/parse.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/decision.hpp"
#include "pipeline/ledger_view.hpp"

#include <fmt/format.h>

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
};

// What the daemon's ingest would have done with the config at hand: the same checks, and
// with --notify the same reply plan.
struct Context {
  std::optional<pipeline::TrustChecks> checks; // nullopt: no config, carry the stored ones
  std::optional<daemon::ReplyPlan> replies;    // with --notify
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
  auto settings = daemon::load_settings(options.config);
  if (!settings)
    return std::unexpected(settings.error());
  context.checks = pipeline::TrustChecks{settings->arrival_mismatch, settings->trusted_authserv_id};
  if (options.notify) {
    context.replies = daemon::make_reply_plan(*settings, course);
    // Staff asked for the news of a changed decision: max_reply_age keeps the daemon from
    // answering a stale backlog, not this.
    context.replies->gates.max_reply_age = std::chrono::seconds::max();
  }
  return context;
}

// What makes two decisions the same for a student, in the terms of the ledger's decision
// history: kind, lecture, group, verdict and lateness.
ledger::DecisionVersion summary_of(const pipeline::Decision& decision) {
  const auto& c = decision.classification;
  ledger::DecisionVersion summary;
  summary.kind = c.kind;
  summary.lecture = c.lecture ? std::optional{rules::iso_date(*c.lecture)} : std::nullopt;
  summary.group = c.group;
  if (decision.judgement) {
    summary.verdict = deadline::to_string(decision.judgement->verdict);
    summary.late_by_seconds = decision.judgement->late_by.count();
  }
  return summary;
}

bool same_decision(const ledger::DecisionVersion& a, const ledger::DecisionVersion& b) {
  return a.kind == b.kind && a.lecture == b.lecture && a.group == b.group &&
         a.verdict == b.verdict && a.late_by_seconds == b.late_by_seconds;
}

// The Message-ID part that names a decision: its reply never shares the Message-ID of the
// first reply, nor of a reply to another decision.
std::string decision_key(const ledger::DecisionVersion& summary) {
  return "." + archive::sha256_hex(
                   fmt::format("{}|{}|{}|{}|{}", summary.kind, summary.lecture.value_or(""),
                               summary.group.value_or(""), summary.verdict.value_or(""),
                               summary.late_by_seconds.value_or(0)))
                   .substr(0, 12);
}

// The decision the daemon's ingest would make now: decide, then the arrival and sender
// checks of the config (or, without one, the outcome of the checks made at ingest).
core::Result<pipeline::Decision> redecision(const ledger::MailRow& mail, const std::string& raw,
                                            const rules::Course& course,
                                            const std::optional<pipeline::TrustChecks>& checks,
                                            ledger::SqliteLedger& ledger) {
  auto decision = pipeline::decide(mail.source, mail.file, mail.received_at,
                                   message::parse(raw, "file " + mail.file), course);
  if (!checks) {
    pipeline::carry_checks(decision, mail.signals, mail.review_reasons);
    return decision;
  }
  pipeline::apply_checks(decision, raw, *checks, {});
  // S4 against the versions recorded before this mail, as ingest saw them.
  if (auto version = pipeline::version_of(decision, 0);
      version && version->trust == pipeline::SenderTrust::unauthenticated) {
    auto group = ledger.mails_of_group(version->group);
    if (!group)
      return std::unexpected(group.error());
    std::erase_if(*group, [&](const ledger::MailRow& other) { return other.id >= mail.id; });
    pipeline::hold_if_unverified(decision, ledger::versions_of(*group, course));
  }
  return decision;
}

// With --notify, the reply a changed decision is owed (reliability.md 9, E10): none for
// a mail staff reclassified (their decision stands), nor for a decision the mail already
// had when it was recorded; otherwise what ingest would queue, under a Message-ID that
// names the decision, so a second reprocess never queues it again.
core::Result<std::optional<ledger::OutgoingReply>>
notification(const ledger::MailRow& mail, const pipeline::Decision& decision,
             const rules::Course& course, const Context& context, ledger::SqliteLedger& ledger,
             core::Instant now) {
  if (!context.replies || mail.reclassified)
    return std::nullopt;
  const auto summary = summary_of(decision);
  auto history = ledger.decisions(mail.id);
  if (!history)
    return std::unexpected(history.error());
  if (!history->empty() && same_decision(history->front(), summary))
    return std::nullopt;
  return daemon::outgoing_reply(decision, course, *context.replies, now, decision_key(summary));
}

int run_reprocess(const ReprocessOptions& options) {
  auto paths = daemon::staff_paths(options.config, options.state_dir, options.rules_dir,
                                   daemon::NeedRules::yes);
  if (!paths)
    return print_problem(paths.error());
  auto course = daemon::load_rules(paths->rules_dir);
  if (!course)
    return print_problems(course.error());
  auto context = context_of(options, *course);
  if (!context)
    return print_problems(context.error());
  std::optional<core::Instant> since;
  if (!options.since.empty()) {
    auto parsed = pipeline::parse_staff_time(options.since, *course);
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
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  std::size_t changed = 0;
  std::size_t queued = 0;
  core::Problems problems;
  // Re-judging reads the archived bytes, never the mailbox: the ledger is the truth.
  // A reclassification by staff stays in force over the new decision.
  for (const auto& mail : *mails) {
    auto raw = archive::read_all(paths->state_dir / mail.archive_path);
    if (!raw) {
      problems.push_back(raw.error());
      continue;
    }
    auto decision = redecision(mail, *raw, *course, context->checks, *ledger);
    if (!decision) {
      problems.push_back(decision.error());
      continue;
    }
    auto reply = notification(mail, *decision, *course, *context, *ledger, now);
    if (!reply) {
      problems.push_back(reply.error());
      continue;
    }
    auto updated = ledger->redecide(mail.id, *decision, now, *reply);
    if (!updated) {
      problems.push_back(updated.error());
      continue;
    }
    if (updated->changed) {
      ++changed;
      queued += updated->reply_queued ? 1 : 0;
      std::cout << fmt::format(
          "mail {} ({}): was {}{}{}, now {}{}{}\n", mail.id, mail.file, mail.kind,
          mail.lecture ? " @" + *mail.lecture : "", mail.group ? " group " + *mail.group : "",
          decision->classification.kind,
          decision->classification.lecture
              ? " @" + rules::iso_date(*decision->classification.lecture)
              : "",
          decision->classification.group ? " group " + *decision->classification.group : "");
    }
  }
  const ledger::Actor actor{ledger::current_unix_user(), now};
  auto noted = ledger->note("reprocess",
                            fmt::format("{} mail(s){} re-judged, {} changed", mails->size(),
                                        since ? " since " + core::to_iso_utc(*since) : "", changed),
                            actor, options.reason);
  if (!noted)
    problems.push_back(noted.error());
  std::cout << fmt::format(
      "Re-judged {} mail(s), {} decision(s) changed; {}.\n", mails->size(), changed,
      options.notify ? fmt::format("{} reply(ies) queued for the daemon to send", queued)
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
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_reprocess(*options); });
}

} // namespace mailroom::cli
