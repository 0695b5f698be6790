#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/staff_view.hpp"
#include "deadline/deadline.hpp"
#include "desk/records.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/versions.hpp"
#include "report/ledger_csv.hpp"
#include "setup/config.hpp"
#include "setup/rules_files.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

namespace mailroom::cli {

namespace {

struct LedgerOptions {
  std::string config;
  std::string state_dir;
  std::string rules_dir;
  bool json = false;
  bool csv = false;
  std::string status;
  std::string group;
  std::string deliverable;
  std::string lecture;
  std::string now;
  bool all = false;
};

std::optional<std::string> lecture_text(const deadline::Instance& instance) {
  return instance.lecture ? std::optional{rules::iso_date(*instance.lecture)} : std::nullopt;
}

const char* sender_name(judge::SenderTrust trust) {
  switch (trust) {
  case judge::SenderTrust::authenticated:
    return "authenticated";
  case judge::SenderTrust::unauthenticated:
    return "unauthenticated";
  case judge::SenderTrust::unknown:
    break;
  }
  return "unknown";
}

// `--status reply-failed` (and reply-queued, reply-sent, reply-suppressed): the
// outbox rows in that state, one per reply and recipient.
int run_reply_status(const LedgerOptions& options, const std::string& state) {
  auto paths = setup::staff_paths(options.config, options.state_dir, options.rules_dir,
                                  setup::NeedRules::no);
  if (!paths)
    return print_problem(paths.error());
  auto ledger = ledger::SqliteLedger::open(paths->state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return print_problem(ledger.error());
  auto rows = ledger->replies(state);
  if (!rows)
    return print_problem(rows.error());
  Table table({"reply", "mail", "kind", "identity", "recipient", "state", "attempts", "created_at",
               "detail"});
  for (const auto& row : *rows) {
    const std::string detail = row.state == "suppressed" ? row.why : row.last_error;
    if (options.json) {
      JsonObject record;
      record.add("reply", static_cast<std::int64_t>(row.id));
      record.add("mail", static_cast<std::int64_t>(row.mail_id));
      record.add("kind", row.kind);
      record.add("identity", row.identity);
      record.add("recipient", row.recipient);
      record.add("message_id", row.message_id);
      record.add("status", "reply-" + row.state);
      record.add("attempts", static_cast<std::int64_t>(row.attempts));
      record.add("created_at", core::to_iso_utc(row.created_at));
      record.add("sent_at",
                 row.sent_at ? std::optional{core::to_iso_utc(*row.sent_at)} : std::nullopt);
      record.add("detail", detail);
      std::cout << record.str() << "\n";
      continue;
    }
    table.add({std::to_string(row.id), std::to_string(row.mail_id), row.kind, row.identity,
               row.recipient, "reply-" + row.state, std::to_string(row.attempts),
               core::to_iso_utc(row.created_at), detail});
  }
  if (options.csv)
    table.print_csv(std::cout);
  else if (!options.json)
    table.print(std::cout);
  return 0;
}

// An unknown --group, --deliverable or --lecture is an error listing the valid values:
// an empty table would look like "nothing owed".
std::optional<core::Problem> unknown_filter(const LedgerOptions& options,
                                            const rules::Course& course) {
  const auto groups = course.groups();
  if (!options.group.empty() &&
      std::find(groups.begin(), groups.end(), options.group) == groups.end())
    return core::Problem{"--group", "no group '" + options.group + "' on the roster",
                         "use one of: " + util::join(groups, ", ")};
  std::vector<std::string> deliverables;
  for (const auto& deliverable : course.deliverables)
    deliverables.push_back(deliverable.name);
  if (!options.deliverable.empty() && !course.deliverable(options.deliverable))
    return core::Problem{"--deliverable", "no deliverable '" + options.deliverable + "'",
                         "use one of: " + util::join(deliverables, ", ")};
  if (!options.lecture.empty()) {
    std::vector<std::string> lectures;
    for (const auto& lecture : course.lectures)
      lectures.push_back(rules::iso_date(lecture.date));
    if (std::find(lectures.begin(), lectures.end(), options.lecture) == lectures.end())
      return core::Problem{"--lecture", "no lecture on " + options.lecture,
                           "use a lecture date (YYYY-MM-DD) of the course: " +
                               util::join(lectures, ", ")};
  }
  return std::nullopt;
}

// What the footer says: the mails that need a person, by id, and where to settle them.
void print_review_footer(const std::vector<pipeline::ReviewItem>& queue) {
  if (queue.empty())
    return;
  std::string ids;
  for (const auto& item : queue)
    ids += fmt::format("{}{} ({})", ids.empty() ? "" : ", ", item.mail_id,
                       pipeline::to_string(item.reason));
  std::cout << fmt::format("\n{} mail(s) need a person: {}. `mailroom review` says how to "
                           "settle each; `mailroom show ID` shows one.\n",
                           queue.size(), ids);
}

// The mails on the review queue that are no version of any instance (an unknown sender,
// a question, a guess at an instance the group does not owe): one row each, with the
// classifier's guess for deliverable, lecture and group, so that `--status needs-review`
// lists every mail `mailroom review` does.
std::vector<judge::InstanceStatus> review_rows(const std::vector<pipeline::ReviewItem>& queue,
                                               const std::vector<judge::InstanceStatus>& instances,
                                               const std::vector<pipeline::MailRow>& mails,
                                               const rules::Course& course) {
  std::vector<judge::InstanceStatus> rows;
  for (const auto& item : queue) {
    const bool shown = std::any_of(instances.begin(), instances.end(), [&](const auto& row) {
      return std::any_of(row.versions.begin(), row.versions.end(),
                         [&](const auto& version) { return version.mail_id == item.mail_id; });
    });
    const auto mail = std::find_if(mails.begin(), mails.end(),
                                   [&](const auto& m) { return m.id == item.mail_id; });
    if (shown || mail == mails.end() || std::any_of(rows.begin(), rows.end(), [&](const auto& row) {
          return row.counting->mail_id == item.mail_id;
        }))
      continue;
    judge::InstanceStatus row;
    row.status = judge::Status::needs_review;
    const auto* deliverable = mail->deliverable ? course.deliverable(*mail->deliverable) : nullptr;
    if (deliverable)
      row.instance.deliverable = deliverable->name;
    if (mail->lecture)
      row.instance.lecture = judge::parse_iso_date(*mail->lecture);
    row.instance.group = mail->group;
    if (deliverable && (!deliverable->per_lecture || row.instance.lecture))
      if (auto due = deadline::due_at(course, *deliverable, row.instance.lecture)) {
        row.instance.due = *due;
        row.effective_due = *due;
      }
    judge::JudgedVersion version;
    version.mail_id = mail->id;
    version.received_at = mail->received_at;
    version.held = true;
    if (row.instance.due != core::Instant{}) {
      const auto judged = deadline::judge(row.instance.due, deliverable->grace, mail->received_at);
      version.verdict = judged.verdict;
      version.late_by = judged.late_by;
    }
    row.versions.push_back(version);
    row.counting = version;
    rows.push_back(std::move(row));
  }
  return rows;
}

int run_ledger(const LedgerOptions& options) {
  if (options.status.starts_with("reply-")) {
    const std::string state = options.status.substr(6);
    if (state != "failed" && state != "queued" && state != "sending" && state != "sent" &&
        state != "suppressed" && state != "bounced")
      return print_problem({"--status", "unknown status '" + options.status + "'",
                            "use reply-failed, reply-bounced, reply-queued, reply-sending, "
                            "reply-sent or reply-suppressed"});
    return run_reply_status(options, state);
  }
  auto opened = open_staff_course({options.config, options.state_dir, options.rules_dir});
  if (!opened)
    return opened.error();
  auto* paths = &opened->paths;
  auto* course = &opened->course;
  std::optional<judge::Status> wanted_status;
  if (!options.status.empty()) {
    wanted_status = judge::parse_status(options.status);
    if (!wanted_status)
      return print_problem({"--status", "unknown status '" + options.status + "'",
                            "use pending, on-time, late, missing, extended, excused or "
                            "needs-review; for replies, reply-failed, reply-bounced, "
                            "reply-queued, reply-sending, reply-sent or reply-suppressed"});
  }
  if (auto unknown = unknown_filter(options, *course))
    return print_problem(*unknown);
  auto as_of = staff_time(options.now, *course);
  if (!as_of)
    return as_of.error();
  auto now = *as_of;
  auto staff = read_staff_ledger(paths->state_dir);
  if (!staff)
    return staff.error();
  auto& ledger = staff->ledger;
  const auto& records = staff->records;
  // The mails that had arrived by then and still need a person.
  StaffRecords arrived = records;
  std::erase_if(arrived.mails,
                [&](const pipeline::MailRow& mail) { return mail.received_at > now; });
  const auto queue = review_queue_at(arrived, *course, {});
  auto rows = statuses_as_of(records, *course, now);
  const std::size_t instance_rows = rows.size();
  // Only when asked for: a default export stays one record per instance and group.
  if (wanted_status == judge::Status::needs_review)
    for (auto& row : review_rows(queue, rows, arrived.mails, *course))
      rows.push_back(std::move(row));

  Table table(report::ledger_csv_header());
  Table people({"due (" + course->zone + ")", "deliverable", "lecture", "group", "status",
                "received", "late by", "versions", "mail"});
  std::size_t shown = 0;
  std::size_t listed_rows = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto& instance = row.instance;
    // A review row that names no deliverable instance has no deliverable or due to show.
    const bool owed = i < instance_rows;
    const std::optional<std::string> deliverable =
        instance.deliverable.empty() ? std::nullopt : std::optional{instance.deliverable};
    const std::optional<std::string> due = owed || instance.due != core::Instant{}
                                               ? std::optional{core::to_iso_utc(instance.due)}
                                               : std::nullopt;
    const std::string due_local =
        due ? deadline::format_local(instance.due, course->zone) : std::string("-");
    // A lecture slot no group is assigned to owes nothing yet: not a row unless asked.
    if (owed && !instance.group && !options.all)
      continue;
    ++listed_rows;
    if (wanted_status && row.status != *wanted_status)
      continue;
    if (!options.group.empty() && instance.group.value_or("") != options.group)
      continue;
    if (!options.deliverable.empty() && instance.deliverable != options.deliverable)
      continue;
    if (!options.lecture.empty() && lecture_text(instance).value_or("") != options.lecture)
      continue;
    ++shown;
    const auto& counting = row.counting;
    const std::optional<std::string> received =
        counting ? std::optional{core::to_iso_utc(counting->received_at)} : std::nullopt;
    const std::optional<std::int64_t> late_by =
        counting ? std::optional<std::int64_t>{counting->late_by.count()} : std::nullopt;
    if (options.json) {
      JsonObject record;
      record.add("deliverable", deliverable);
      record.add("lecture", lecture_text(instance));
      record.add("group", instance.group);
      record.add("due", due);
      record.add("status", judge::to_string(row.status));
      record.add("extended_until", row.extended_until
                                       ? std::optional{core::to_iso_utc(*row.extended_until)}
                                       : std::nullopt);
      record.add("received_at", received);
      record.add("late_by_seconds", late_by);
      record.add("counting_mail",
                 counting ? std::optional<std::int64_t>{counting->mail_id} : std::nullopt);
      std::vector<JsonObject> versions;
      for (const auto& version : row.versions) {
        JsonObject item;
        item.add("mail", static_cast<std::int64_t>(version.mail_id));
        item.add("received_at", core::to_iso_utc(version.received_at));
        item.add("verdict", deadline::to_string(version.verdict));
        item.add("late_by_seconds", static_cast<std::int64_t>(version.late_by.count()));
        // Held: needs-review (unclear, arrival mismatch, unverified sender); counts for
        // nothing yet.
        item.add("held", version.held);
        item.add("sender", sender_name(version.trust));
        std::vector<std::string> files;
        if (auto list = ledger.attachments(version.mail_id))
          for (const auto& file : *list)
            files.push_back(file.original_name);
        item.add("files", files);
        versions.push_back(std::move(item));
      }
      record.add("versions", versions);
      std::cout << record.str() << "\n";
      continue;
    }
    table.add(report::ledger_csv_fields(row, owed));
    std::string status = judge::to_string(row.status);
    if (row.extended_until)
      status += " (until " + deadline::format_local(*row.extended_until, course->zone) + ")";
    people.add({due_local, deliverable.value_or("-"), lecture_text(instance).value_or("-"),
                instance.group.value_or(owed ? "(unassigned)" : "-"), status,
                counting ? deadline::format_local(counting->received_at, course->zone) : "-",
                late_by && *late_by > 0 ? deadline::format_duration(counting->late_by) : "-",
                std::to_string(row.versions.size()),
                counting ? std::to_string(counting->mail_id) : "-"});
  }
  if (options.json)
    return 0;
  if (options.csv) {
    table.print_csv(std::cout);
    return 0;
  }
  std::cout << fmt::format("{} — {}: {} of {} deliverable instances, as of {}\n\n", course->name,
                           course->term, shown, listed_rows,
                           deadline::format_local(now, course->zone));
  people.print(std::cout);
  print_review_footer(queue);
  return 0;
}

} // namespace

void add_ledger_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<LedgerOptions>();
  auto* command = app.add_subcommand(
      "ledger", "What every group owes and what arrived: one row per deliverable instance");
  command->add_option("--config", options->config, "Config file (reads rules and state_dir)");
  command->add_option("--state", options->state_dir, "State folder (ledger.db, archive/)");
  command->add_option("--rules", options->rules_dir, "Rules folder");
  auto* json = command->add_flag("--json", options->json, "One JSON object per line");
  command->add_flag("--csv", options->csv, "CSV for a gradebook")->excludes(json);
  command->add_option("--status", options->status,
                      "Only this status: pending, on-time, late, missing, extended, excused, "
                      "needs-review; or the replies in reply-failed, reply-bounced, "
                      "reply-queued, reply-sending, reply-sent, reply-suppressed");
  command->add_option("--group", options->group, "Only this group");
  command->add_option("--deliverable", options->deliverable, "Only this deliverable");
  command->add_option("--lecture", options->lecture, "Only this lecture (YYYY-MM-DD)");
  command->add_option("--now", options->now,
                      "What staff would have seen at this time: later mail does not exist yet");
  command->add_flag("--all", options->all, "Also the lecture slots no group is assigned to");
  command->callback([options, &exit_code] { exit_code = run_ledger(*options); });
}

} // namespace mailroom::cli
