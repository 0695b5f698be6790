#include "cli/commands.hpp"
#include "cli/findings_output.hpp"
#include "cli/output.hpp"
#include "cli/records.hpp"
#include "judge/arrival.hpp"
#include "judge/authentication.hpp"
#include "judge/content.hpp"
#include "judge/decision.hpp"
#include "message/parse.hpp"
#include "sandbox/sandboxed_reader.hpp"
#include "setup/rules_files.hpp"
#include "setup/settings.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <sys/stat.h>

namespace mailroom::cli {

namespace {

struct InspectOptions {
  std::string file;
  std::string config;
  std::string rules_dir;
  std::string received_at;
  bool json = false;
};

core::Result<core::Instant> arrival_of(const InspectOptions& options) {
  if (!options.received_at.empty()) {
    if (auto instant = core::parse_iso(options.received_at))
      return *instant;
    return core::fail("--received-at",
                      fmt::format("'{}' is not an ISO 8601 instant", options.received_at),
                      "write it as 2025-10-06T14:30:00Z");
  }
  // As for a Maildir: the file's modification time stands for its arrival.
  struct stat info {};
  if (::stat(options.file.c_str(), &info) != 0)
    return core::fail(options.file, std::strerror(errno), "check the path");
  return core::Instant{std::chrono::seconds{info.st_mtime}};
}

void print_people(const message::MessageFacts& facts) {
  std::cout << "From:        " << sender_of(facts)
            << (facts.from.empty() || facts.from.front().name.empty()
                    ? ""
                    : " (" + facts.from.front().name + ")")
            << "\n";
  std::cout << "Subject:     " << facts.subject << "\n";
  std::cout << "Date:        " << facts.date_header << "\n";
  std::cout << "Message-ID:  " << facts.message_id << "\n";
  std::cout << "Size:        " << facts.size << " bytes, sha256 " << facts.sha256 << "\n";
  std::cout << "Automated:   " << (facts.automated ? "yes" : "no");
  for (const auto& reason : facts.automated_reasons)
    std::cout << "; " << reason;
  std::cout << "\n";
  for (const auto& limit : facts.limit_exceeded)
    std::cout << "Limit:       " << limit << "\n";
  for (const auto& error : facts.parse_errors)
    std::cout << "Problem:     " << error << "\n";
  std::cout << "\nAttachments (" << facts.attachments.size() << "):\n";
  for (const auto& file : facts.attachments)
    std::cout << fmt::format("  {}  {}  {} bytes  sha256 {}\n",
                             file.filename.empty() ? "(no name)" : file.filename, file.content_type,
                             file.size, file.sha256);
  std::cout << "Links (" << facts.links.size() << "):\n";
  for (const auto& link : facts.links)
    std::cout << fmt::format("  [{}] {}\n", message::to_string(link.kind), link.url);
  std::cout << "\nText" << (facts.text_from_html ? " (from HTML)" : "") << ":\n"
            << facts.text << "\n";
}

int run_inspect(const InspectOptions& options) {
  auto raw = setup::read_file(options.file);
  if (!raw)
    return print_problem(raw.error());
  auto facts = message::parse(*raw, "file " + options.file);
  std::string rules_dir = options.rules_dir;
  std::optional<setup::Settings> settings;
  if (!options.config.empty()) {
    auto loaded = setup::load_settings(options.config);
    if (!loaded)
      return print_problems(loaded.error());
    settings = std::move(*loaded);
    if (rules_dir.empty())
      rules_dir = settings->rules_dir.string();
  }
  if (rules_dir.empty()) {
    if (options.json)
      std::cout << facts_record(facts).str() << "\n";
    else
      print_people(facts);
    return 0;
  }
  auto course = setup::load_rules(rules_dir);
  if (!course)
    return print_problems(course.error());
  auto received_at = arrival_of(options);
  if (!received_at)
    return print_problem(received_at.error());
  auto record = facts_record(facts);
  auto decision =
      judge::decide(options.file, options.file, *received_at, std::move(facts), *course);
  // With --config, the daemon's checks ([trust]): the authentication signal and, when
  // --received-at stands for an IMAP INTERNALDATE, the arrival cross-check (a file's
  // modification time is a Maildir arrival, which the daemon does not cross-check).
  if (settings) {
    decision.classification.signals.push_back(judge::authentication_signal(judge::authenticate(
        judge::trace_fields(*raw), decision.facts, settings->trusted_authserv_id)));
    if (!options.received_at.empty())
      judge::note_arrival(decision, judge::check_arrival(decision.facts, *received_at,
                                                         judge::SourceKind::imap,
                                                         settings->arrival_mismatch));
  }
  judge::check_content(decision, *raw, *course, &sandbox::default_reader());
  if (options.json) {
    record.add("received_at", core::to_iso_utc(*received_at));
    record.add("warnings", findings_record(decision.findings));
    auto classification = classification_record(decision);
    record.add("classification", classification);
    record.add("kind", decision.classification.kind);
    record.add("signals", decision.classification.signals);
    std::cout << record.str() << "\n";
    return 0;
  }
  print_people(decision.facts);
  const auto& c = decision.classification;
  std::cout << "\nClassification\n";
  std::cout << "  received:   " << deadline::format_local(*received_at, course->zone) << "\n";
  std::cout << "  kind:       " << c.kind << fmt::format(" (confidence {:.2f})", c.confidence)
            << "\n";
  if (c.deliverable)
    std::cout << "  deliverable: " << *c.deliverable << "\n";
  std::cout << "  lecture:    " << (c.lecture ? rules::iso_date(*c.lecture) : "-")
            << (c.lecture_from.empty() ? "" : " (from " + c.lecture_from + ")") << "\n";
  std::cout << "  rule:       " << c.rule << "\n";
  std::cout << "  group:      " << c.group.value_or("-") << "\n";
  if (decision.due)
    std::cout << "  due:        " << deadline::format_local(*decision.due, course->zone) << "\n";
  if (decision.judgement)
    std::cout << "  verdict:    "
              << (decision.judgement->verdict == deadline::Verdict::late
                      ? "late by " + deadline::format_duration(decision.judgement->late_by)
                      : "on time")
              << "\n";
  std::cout << "  reply:      " << judge::to_string(decision.reply) << " (" << decision.reply_reason
            << ")\n";
  std::cout << "  signals:\n";
  for (const auto& signal : c.signals)
    std::cout << "    - " << signal << "\n";
  for (const auto& reason : c.review_reasons)
    std::cout << "  review:     " << reason << "\n";
  print_findings(decision.findings, std::cout);
  return 0;
}

} // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<InspectOptions>();
  auto* command = app.add_subcommand("inspect", "Show what mailroom reads in one message, and with "
                                                "--rules how it classifies it and why");
  command->add_option("FILE", options->file, "A raw RFC 5322 message (.eml or a Maildir file)")
      ->required();
  command->add_option("--rules", options->rules_dir, "Rules folder: also classify and judge");
  command->add_option("--config", options->config,
                      "Config file: its rules (unless --rules) and the daemon's [trust] checks");
  command->add_option("--received-at", options->received_at,
                      "Arrival time to judge against, as an IMAP INTERNALDATE (default: the "
                      "file's modification time)");
  command->add_flag("--json", options->json, "One JSON object");
  command->callback([options, &exit_code] { exit_code = run_inspect(*options); });
}

} // namespace mailroom::cli
