#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/records.hpp"
#include "cli/state_recording.hpp"
#include "daemon/rules_files.hpp"
#include "daemon/settings.hpp"
#include "mailbox/maildir_mailbox.hpp"
#include "message/parse.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/decision.hpp"

#include <fmt/format.h>

#include <iostream>

namespace mailroom::cli {

namespace {

struct ReplayOptions {
  std::string config;
  std::string rules_dir;
  std::string maildir;
  std::string state_dir;
  bool json = false;
};

std::string short_lecture(const classify::Classification& c) {
  return c.lecture ? rules::iso_date(*c.lecture) : "-";
}

int run_replay(const ReplayOptions& options) {
  // With --config, the same checks as the daemon's ingest, from the same keys ([trust]):
  // authentication signals and the versions they hold back (S4), and the arrival
  // cross-check (which a Maildir source never triggers, in run as here).
  std::string rules_dir = options.rules_dir;
  pipeline::TrustChecks checks;
  if (!options.config.empty()) {
    auto settings = daemon::load_settings(options.config);
    if (!settings)
      return print_problems(settings.error());
    if (rules_dir.empty())
      rules_dir = settings->rules_dir.string();
    checks.arrival_limit = settings->arrival_mismatch;
    checks.authserv_id = settings->trusted_authserv_id;
  }
  if (rules_dir.empty())
    return print_problem({"replay", "no rules folder", "give --rules DIR or --config FILE"});
  auto course = daemon::load_rules(rules_dir);
  if (!course)
    return print_problems(course.error());
  mailbox::MaildirMailbox maildir(options.maildir);
  std::vector<std::pair<mailbox::RawMail, pipeline::Decision>> mails;
  std::vector<pipeline::Version> earlier; // of this replay, for S4
  core::Problems problems;
  auto walked = maildir.for_each_new(
      [&](mailbox::RawMail mail) {
        auto facts = message::parse(mail.raw, "file " + mail.file);
        auto decision =
            pipeline::decide(mail.source, mail.file, mail.received_at, std::move(facts), *course);
        pipeline::apply_checks(decision, mail.raw, checks, earlier);
        if (auto version = pipeline::version_of(decision, 0))
          earlier.push_back(std::move(*version));
        mails.emplace_back(std::move(mail), std::move(decision));
      },
      [&](core::Problem problem) { problems.push_back(std::move(problem)); });
  if (!walked)
    return print_problem(walked.error());
  if (options.json) {
    for (const auto& [mail, decision] : mails)
      std::cout << decision_record(decision).str() << "\n";
  } else {
    Table table({"received", "file", "from", "kind", "lecture", "group", "verdict", "reply"});
    for (const auto& [mail, decision] : mails) {
      const auto& c = decision.classification;
      std::string verdict = "-";
      if (decision.judgement)
        verdict = decision.judgement->verdict == deadline::Verdict::late
                      ? "late by " + deadline::format_duration(decision.judgement->late_by)
                      : "on time";
      table.add({deadline::format_local(decision.received_at, course->zone), decision.file,
                 sender_of(decision.facts), c.kind, short_lecture(c), c.group.value_or("-"),
                 verdict, pipeline::to_string(decision.reply)});
    }
    table.print(std::cout);
  }
  int exit_code = problems.empty() ? 0 : print_problems(problems);
  if (!options.state_dir.empty()) {
    const int recorded = record_into_state(options.state_dir, *course, mails);
    exit_code = exit_code ? exit_code : recorded;
  }
  return exit_code;
}

} // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  auto* command = app.add_subcommand(
      "replay", "Judge every message of a Maildir offline; sends nothing, writes nothing unless "
                "--state is given");
  command->add_option("--rules", options->rules_dir, "Rules folder (or --config)");
  command->add_option(
      "--config", options->config,
      "Config file: its rules (unless --rules) and its [trust] checks, as `run` applies them");
  command->add_option("--maildir", options->maildir, "Maildir (with new/ and cur/)")->required();
  command->add_option("--state", options->state_dir,
                      "Record every mail and decision into this state folder's ledger");
  command->add_flag("--json", options->json, "One JSON object per line");
  command->callback([options, &exit_code] { exit_code = run_replay(*options); });
}

} // namespace mailroom::cli
