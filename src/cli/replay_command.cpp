#include "archive/archive.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/records.hpp"
#include "clock/system_clock.hpp"
#include "judge/checks.hpp"
#include "judge/decision.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "mailbox/maildir_mailbox.hpp"
#include "message/parse.hpp"
#include "pipeline/engine.hpp"
#include "sandbox/sandboxed_reader.hpp"
#include "setup/rules_files.hpp"
#include "setup/settings.hpp"

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

// replay --state: the mails go into the state folder through the engine, as `run` takes
// them, without replies.
class StateRecording {
public:
  static core::Result<std::unique_ptr<StateRecording>> open(const std::string& state_dir,
                                                            const judge::TrustChecks& checks) {
    auto ledger = ledger::SqliteLedger::open(state_dir, ledger::OpenMode::create);
    if (!ledger)
      return std::unexpected(ledger.error());
    std::unique_ptr<StateRecording> state(
        new StateRecording(state_dir, std::move(*ledger), checks));
    if (auto opened = state->m_archive.open(); !opened)
      return std::unexpected(opened.error());
    return state;
  }

  // Records `mail`; the decision recorded, or nullopt when the mail was known already or
  // could not be recorded (the problem goes to `problems`).
  std::optional<judge::Decision> take(const pipeline::RawMail& mail, const rules::Course& course,
                                      core::Problems& problems) {
    auto taken = m_engine.take(mail, course);
    if (!taken) {
      problems.push_back(taken.error());
      ++m_failed;
      return std::nullopt;
    }
    if (taken->taken == pipeline::Taken::known) {
      ++m_known;
      return std::nullopt;
    }
    ++m_added;
    return std::move(taken->decision);
  }

  // What was recorded, on stderr; the exit code.
  int summarize() {
    std::cerr << fmt::format("{}: {} new, {} already recorded{}\n", m_state_dir, m_added, m_known,
                             m_failed ? fmt::format(", {} failed", m_failed) : "");
    if (auto checkpoint = m_ledger.checkpoint();
        checkpoint && checkpoint->wal_bytes > ledger::k_wal_warning_bytes)
      std::cerr << fmt::format("warning: {}-wal is {} MB and could not be truncated; a reader "
                               "(a sqlite3 shell?) holds an old snapshot open\n",
                               m_ledger.database_path().string(), checkpoint->wal_bytes >> 20);
    return m_failed ? 1 : 0;
  }

private:
  StateRecording(std::string state_dir, ledger::SqliteLedger ledger,
                 const judge::TrustChecks& checks)
      : m_state_dir(std::move(state_dir)), m_ledger(std::move(ledger)),
        m_archive(std::filesystem::path(m_state_dir) / "archive"),
        m_engine(m_ledger, m_archive, m_clock) {
    m_engine.set_checks(checks);
    m_engine.set_content_reader(&sandbox::default_reader());
  }

  std::string m_state_dir;
  ledger::SqliteLedger m_ledger;
  archive::Archive m_archive;
  clock::SystemClock m_clock;
  pipeline::Engine m_engine;
  std::size_t m_added = 0, m_known = 0, m_failed = 0;
};

int run_replay(const ReplayOptions& options) {
  // With --config, the same checks as the daemon's, from the same keys ([trust]):
  // authentication signals and the versions they hold back, and the arrival cross-check
  // (which a Maildir source never triggers, in run as here).
  std::string rules_dir = options.rules_dir;
  judge::TrustChecks checks;
  if (!options.config.empty()) {
    auto settings = setup::load_settings(options.config);
    if (!settings)
      return print_problems(settings.error());
    if (rules_dir.empty())
      rules_dir = settings->rules_dir.string();
    checks.arrival_limit = settings->arrival_mismatch;
    checks.authserv_id = settings->trusted_authserv_id;
  }
  if (rules_dir.empty())
    return print_problem({"replay", "no rules folder", "give --rules DIR or --config FILE"});
  auto course = setup::load_rules(rules_dir);
  if (!course)
    return print_problems(course.error());
  std::unique_ptr<StateRecording> state;
  if (!options.state_dir.empty()) {
    auto opened = StateRecording::open(options.state_dir, checks);
    if (!opened)
      return print_problem(opened.error());
    state = std::move(*opened);
  }
  mailbox::MaildirMailbox maildir(options.maildir);
  std::vector<judge::Decision> decisions;
  std::vector<judge::Version> earlier; // of this replay, for the sender check
  core::Problems problems;
  core::Problems recording_problems;
  auto walked = maildir.for_each_new(
      [&](pipeline::RawMail mail) {
        // A mail recorded now was judged on its way in; a known one is judged here.
        auto recorded = state ? state->take(mail, *course, recording_problems) : std::nullopt;
        auto decision = recorded ? std::move(*recorded)
                                 : pipeline::judge_mail(mail, *course, checks, earlier,
                                                        &sandbox::default_reader());
        if (auto version = judge::version_of(decision, 0))
          earlier.push_back(std::move(*version));
        decisions.push_back(std::move(decision));
      },
      [&](core::Problem problem) { problems.push_back(std::move(problem)); });
  if (!walked)
    return print_problem(walked.error());
  if (options.json) {
    for (const auto& decision : decisions)
      std::cout << decision_record(decision).str() << "\n";
  } else {
    Table table({"received", "file", "from", "kind", "lecture", "group", "verdict", "reply"});
    for (const auto& decision : decisions) {
      const auto& c = decision.classification;
      std::string verdict = "-";
      if (decision.judgement)
        verdict = decision.judgement->verdict == deadline::Verdict::late
                      ? "late by " + deadline::format_duration(decision.judgement->late_by)
                      : "on time";
      table.add({deadline::format_local(decision.received_at, course->zone), decision.file,
                 sender_of(decision.facts), c.kind, short_lecture(c), c.group.value_or("-"),
                 verdict, judge::to_string(decision.reply)});
    }
    table.print(std::cout);
  }
  int exit_code = problems.empty() ? 0 : print_problems(problems);
  if (state) {
    for (const auto& problem : recording_problems)
      print_problem(problem);
    const int recorded = state->summarize();
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
