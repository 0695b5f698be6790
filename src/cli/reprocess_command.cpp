#include "archive/archive.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "daemon/config.hpp"
#include "daemon/rules_files.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "message/parse.hpp"
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
};

int run_reprocess(const ReprocessOptions& options) {
  auto paths = daemon::staff_paths(options.config, options.state_dir, options.rules_dir,
                                   daemon::NeedRules::yes);
  if (!paths)
    return print_problem(paths.error());
  auto course = daemon::load_rules(paths->rules_dir);
  if (!course)
    return print_problems(course.error());
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
  core::Problems problems;
  // Re-judging reads the archived bytes, never the mailbox: the ledger is the truth.
  // Nothing is sent; a reclassification by staff stays in force over the new decision.
  for (const auto& mail : *mails) {
    auto raw = archive::read_all(paths->state_dir / mail.archive_path);
    if (!raw) {
      problems.push_back(raw.error());
      continue;
    }
    auto facts = message::parse(*raw, "file " + mail.file);
    auto decision =
        pipeline::decide(mail.source, mail.file, mail.received_at, std::move(facts), *course);
    auto updated = ledger->redecide(mail.id, decision, now);
    if (!updated) {
      problems.push_back(updated.error());
      continue;
    }
    if (*updated) {
      ++changed;
      std::cout << fmt::format(
          "mail {} ({}): was {}{}{}, now {}{}{}\n", mail.id, mail.file, mail.kind,
          mail.lecture ? " @" + *mail.lecture : "", mail.group ? " group " + *mail.group : "",
          decision.classification.kind,
          decision.classification.lecture ? " @" + rules::iso_date(*decision.classification.lecture)
                                          : "",
          decision.classification.group ? " group " + *decision.classification.group : "");
    }
  }
  const ledger::Actor actor{ledger::current_unix_user(), now};
  auto noted = ledger->note("reprocess",
                            fmt::format("{} mail(s){} re-judged, {} changed", mails->size(),
                                        since ? " since " + core::to_iso_utc(*since) : "", changed),
                            actor, options.reason);
  if (!noted)
    problems.push_back(noted.error());
  std::cout << fmt::format("Re-judged {} mail(s), {} decision(s) changed; nothing was sent.\n",
                           mails->size(), changed);
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
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  command->callback([options, &exit_code] { exit_code = run_reprocess(*options); });
}

} // namespace mailroom::cli
