#include "cli/commands.hpp"
#include "cli/findings_output.hpp"
#include "cli/output.hpp"
#include "cli/scheduled_view.hpp"
#include "deadline/deadline.hpp"
#include "imap/protocol.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "setup/config.hpp"
#include "setup/rules_files.hpp"
#include "setup/settings.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <iostream>

namespace mailroom::cli {

namespace {

struct ShowOptions {
  std::string config;
  std::string state_dir;
  std::string rules_dir;
  std::int64_t mail_id = 0;
  bool json = false;
  bool scheduled = false;
};

// An IMAP source as people name it: "imaps://HOST:PORT/FOLDER UID n (UIDVALIDITY v)",
// with the scheme and port of the config's [mailbox] url when it names the same host (the
// ledger's source key keeps the host only); other sources as recorded.
std::string shown_source(const std::string& source, const std::string& config_file) {
  const auto key = imap::parse_source(source);
  if (!key || config_file.empty())
    return source;
  auto settings = setup::load_settings(config_file);
  std::string error;
  auto endpoint = settings ? imap::parse_url(settings->mailbox.url, error) : std::nullopt;
  if (!endpoint || endpoint->host != key->host)
    return source;
  endpoint->folder = key->folder;
  return fmt::format("{} UID {} (UIDVALIDITY {})", endpoint->display(), key->uid, key->uidvalidity);
}

int run_show(const ShowOptions& options) {
  auto paths = setup::staff_paths(options.config, options.state_dir, options.rules_dir,
                                  setup::NeedRules::no);
  if (!paths)
    return print_problem(paths.error());
  std::string zone;
  if (!paths->rules_dir.empty()) {
    auto course = setup::load_rules(paths->rules_dir);
    if (!course)
      return print_problems(course.error());
    zone = course->zone;
  }
  const auto when = [&](core::Instant instant) {
    return zone.empty() ? core::to_iso_utc(instant) : deadline::format_local(instant, zone);
  };
  auto ledger = ledger::SqliteLedger::open(paths->state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return print_problem(ledger.error());
  if (options.scheduled)
    return print_scheduled(*ledger, when, options.json);
  auto found = ledger->mail(options.mail_id);
  if (!found)
    return print_problem(found.error());
  if (!*found)
    return print_problem({fmt::format("mail {}", options.mail_id), "no such mail in the ledger",
                          "`mailroom ledger --json` lists the mail ids of every version"});
  const auto& mail = **found;
  auto files = ledger->attachments(mail.id);
  auto history = ledger->decisions(mail.id);
  auto sources = ledger->sources(mail.id);
  auto audit = ledger->audit(mail.id);
  for (const auto* failed :
       {files ? nullptr : &files.error(), history ? nullptr : &history.error(),
        sources ? nullptr : &sources.error(), audit ? nullptr : &audit.error()})
    if (failed)
      return print_problem(*failed);

  if (options.json) {
    JsonObject record;
    record.add("id", static_cast<std::int64_t>(mail.id));
    record.add("file", mail.file);
    record.add("sources", *sources);
    record.add("sha256", mail.sha256);
    record.add("size", static_cast<std::int64_t>(mail.size));
    record.add("archive_path", mail.archive_path);
    record.add("received_at", core::to_iso_utc(mail.received_at));
    record.add("message_id", mail.message_id);
    record.add("from", mail.from);
    record.add("subject", mail.subject);
    record.add("date_header", mail.date_header);
    record.add("parse_errors", mail.parse_errors);
    record.add("links", mail.links);
    record.add("kind", mail.kind);
    record.add("deliverable", mail.deliverable);
    record.add("lecture", mail.lecture);
    record.add("group", mail.group);
    record.add("confidence", mail.confidence);
    record.add("due", iso_or_null(mail.due));
    record.add("verdict", mail.verdict);
    record.add("late_by_seconds", mail.late_by_seconds);
    record.add("reply", mail.reply_kind);
    record.add("reply_reason", mail.reply_reason);
    record.add("signals", mail.signals);
    record.add("review_reasons", mail.review_reasons);
    record.add("warnings", findings_record(mail.findings));
    record.add("decided_at", core::to_iso_utc(mail.decided_at));
    if (mail.reclassified) {
      JsonObject change;
      change.add("deliverable", mail.reclassified->deliverable);
      change.add("lecture", mail.reclassified->lecture);
      change.add("group", mail.reclassified->group);
      change.add("audit", static_cast<std::int64_t>(mail.reclassified->audit_id));
      record.add("reclassified", change);
    }
    std::vector<JsonObject> attachments;
    for (const auto& file : *files) {
      JsonObject item;
      item.add("filename", file.original_name);
      item.add("stored_as", file.stored_name);
      item.add("content_type", file.content_type);
      item.add("size", static_cast<std::int64_t>(file.size));
      item.add("sha256", file.sha256);
      attachments.push_back(std::move(item));
    }
    record.add("attachments", attachments);
    std::vector<JsonObject> decisions;
    for (const auto& d : *history) {
      JsonObject item;
      item.add("number", static_cast<std::int64_t>(d.number));
      item.add("decided_at", core::to_iso_utc(d.decided_at));
      item.add("cause", d.cause);
      item.add("kind", d.kind);
      item.add("lecture", d.lecture);
      item.add("group", d.group);
      item.add("verdict", d.verdict);
      item.add("late_by_seconds", d.late_by_seconds);
      decisions.push_back(std::move(item));
    }
    record.add("decisions", decisions);
    std::vector<JsonObject> trail;
    for (const auto& row : *audit) {
      JsonObject item;
      item.add("id", static_cast<std::int64_t>(row.id));
      item.add("at", core::to_iso_utc(row.at));
      item.add("unix_user", row.unix_user);
      item.add("action", row.action);
      item.add("what", row.what);
      item.add("reason", row.reason);
      trail.push_back(std::move(item));
    }
    record.add("audit", trail);
    std::cout << record.str() << "\n";
    return 0;
  }

  // An IMAP mail is named by its UID, a Maildir mail by its file name.
  std::cout << fmt::format("Mail {}: {}{}\n", mail.id,
                           mail.source.starts_with("imap://") ? "UID " : "", mail.file);
  std::cout << fmt::format("  From:      {}\n  Subject:   {}\n  Message-ID: {}\n", mail.from,
                           mail.subject, mail.message_id);
  std::cout << fmt::format("  Received:  {} (Date header: {})\n", when(mail.received_at),
                           mail.date_header.empty() ? "none" : mail.date_header);
  std::cout << fmt::format("  Raw:       {} ({} bytes, sha256 {})\n", mail.archive_path, mail.size,
                           mail.sha256);
  std::vector<std::string> shown;
  for (const auto& source : *sources)
    shown.push_back(shown_source(source, options.config));
  std::cout << fmt::format("  Sources:   {}\n", util::join(shown, ", "));
  for (const auto& error : mail.parse_errors)
    std::cout << "  Parse:     " << error << "\n";
  std::cout << fmt::format("Decision:  {}{}{} (confidence {:.2f}), decided {}\n", mail.kind,
                           mail.lecture ? " @" + *mail.lecture : "",
                           mail.group ? ", group " + *mail.group : "", mail.confidence,
                           when(mail.decided_at));
  if (mail.due)
    std::cout << fmt::format(
        "  Due:       {} -> {}{}\n", when(*mail.due), mail.verdict.value_or("-"),
        mail.late_by_seconds && *mail.late_by_seconds > 0
            ? " by " + deadline::format_duration(core::Seconds{*mail.late_by_seconds})
            : "");
  std::cout << fmt::format("  Reply:     {} ({})\n", mail.reply_kind, mail.reply_reason);
  for (const auto& signal : mail.signals)
    std::cout << "  Signal:    " << signal << "\n";
  for (const auto& reason : mail.review_reasons)
    std::cout << "  Review:    " << reason << "\n";
  for (const auto& finding : mail.findings)
    std::cout << "  Content:   " << content::line_of(finding) << "\n";
  if (mail.reclassified)
    std::cout << fmt::format("Staff:     reclassified as {}{}{} (audit #{})\n",
                             mail.reclassified->deliverable,
                             mail.reclassified->lecture ? "@" + *mail.reclassified->lecture : "",
                             mail.reclassified->group ? ", group " + *mail.reclassified->group : "",
                             mail.reclassified->audit_id);
  if (!files->empty()) {
    std::cout << "Files:\n";
    for (const auto& file : *files)
      std::cout << fmt::format("  {}  {}  {} bytes  sha256 {}  (stored as {}/{})\n",
                               file.original_name, file.content_type, file.size, file.sha256,
                               mail.sha256, file.stored_name);
  }
  for (const auto& link : mail.links)
    std::cout << "Link:      " << link << "\n";
  if (history->size() > 1) {
    std::cout << "Decisions:\n";
    for (const auto& d : *history)
      std::cout << fmt::format("  #{} {} ({}): {}{}{} {}\n", d.number, when(d.decided_at), d.cause,
                               d.kind, d.lecture ? " @" + *d.lecture : "",
                               d.group ? " group " + *d.group : "", d.verdict.value_or(""));
  }
  if (!audit->empty()) {
    std::cout << "Audit:\n";
    for (const auto& row : *audit)
      std::cout << fmt::format("  #{} {} {} {}: {} — {}\n", row.id, when(row.at), row.unix_user,
                               row.action, row.what, row.reason);
  }
  return 0;
}

} // namespace

void add_show_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ShowOptions>();
  auto* command = app.add_subcommand(
      "show", "One recorded mail: facts, decision, signals, files, history and audit trail");
  auto* id = command->add_option("ID", options->mail_id, "Mail id");
  command
      ->add_flag("--scheduled", options->scheduled,
                 "The digests and reminders queued so far, instead of a mail")
      ->excludes(id);
  command->add_flag("--json", options->json, "One JSON object");
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder");
  command->add_option("--rules", options->rules_dir, "Rules folder (times in the course zone)");
  command->callback([options, id, &exit_code] {
    if (!options->scheduled && id->count() == 0)
      throw CLI::RequiredError("ID (or --scheduled)");
    exit_code = run_show(*options);
  });
}

} // namespace mailroom::cli
