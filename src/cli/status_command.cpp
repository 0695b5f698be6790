#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/staff_view.hpp"
#include "daemon/status_file.hpp"
#include "deadline/deadline.hpp"
#include "setup/rules_files.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <iostream>
#include <set>

namespace mailroom::cli {

namespace {

struct StatusOptions {
  Location where;
  bool json = false;
  std::string now;
};

constexpr std::size_t k_deadlines_shown = 5;

// "running", "stopped" (it said so when it exited), "not running" (it did not stop
// cleanly: killed, or the machine went down), or "never ran" with this state folder.
std::string daemon_state(const std::optional<daemon::DaemonStatus>& status) {
  if (!status)
    return "never ran";
  if (status->stopped_at)
    return "stopped";
  // kill(pid, 0) probes without signalling; EPERM means it exists under another user
  // (the service's), which staff in the group are not.
  const bool alive =
      status->pid > 0 && (::kill(static_cast<pid_t>(status->pid), 0) == 0 || errno == EPERM);
  return alive ? "running" : "not running";
}

int run_status(const StatusOptions& options) {
  const auto& where = options.where;
  auto opened = open_staff_course(where);
  if (!opened)
    return opened.error();
  auto* paths = &opened->paths;
  auto* course = &opened->course;
  auto as_of = staff_time(options.now, *course);
  if (!as_of)
    return as_of.error();
  auto now = *as_of;
  auto status = daemon::read_status(daemon::status_path(paths->state_dir));
  if (!status)
    return print_problem(status.error());
  auto staff = read_staff_ledger(paths->state_dir);
  if (!staff)
    return staff.error();
  const auto& records = staff->records;
  auto counts = desk::count_mail_and_replies(records, *course, now);
  if (!counts)
    return print_problem(counts.error());
  const auto review = review_queue_at(records, *course, where).size();
  const auto next = desk::next_due(records, *course, now, k_deadlines_shown);
  const std::string state = daemon_state(*status);

  if (options.json) {
    JsonObject record;
    record.add("daemon", state);
    const auto& s = *status;
    record.add("pid", s ? std::optional<std::int64_t>{s->pid} : std::nullopt);
    record.add("mailbox", s ? std::optional{s->mailbox} : std::nullopt);
    record.add("last_poll_at", s ? iso_or_null(s->last_poll_at) : std::nullopt);
    record.add("last_poll_outcome", s ? std::optional{s->outcome} : std::nullopt);
    record.add("connection", s ? std::optional{s->connection} : std::nullopt);
    record.add("next_poll_at", s ? iso_or_null(s->next_poll_at) : std::nullopt);
    record.add("stopped_at", s ? iso_or_null(s->stopped_at) : std::nullopt);
    record.add("mails_today", static_cast<std::int64_t>(counts->today));
    record.add("mails_term", static_cast<std::int64_t>(counts->term));
    record.add("outbox_queued", static_cast<std::int64_t>(counts->queued));
    record.add("outbox_failed", static_cast<std::int64_t>(counts->failed));
    record.add("outbox_bounced", static_cast<std::int64_t>(counts->bounced));
    record.add("review_queue", static_cast<std::int64_t>(review));
    std::vector<JsonObject> deadlines;
    for (const auto& row : next) {
      JsonObject item;
      item.add("deliverable", row.instance.deliverable);
      item.add("lecture", row.instance.lecture
                              ? std::optional{rules::iso_date(*row.instance.lecture)}
                              : std::nullopt);
      item.add("group", row.instance.group);
      item.add("due", core::to_iso_utc(row.effective_due));
      item.add("status", judge::to_string(row.status));
      deadlines.push_back(std::move(item));
    }
    record.add("next_deadlines", deadlines);
    std::cout << record.str() << "\n";
    return 0;
  }

  const auto local = [&](core::Instant instant) {
    return deadline::format_local(instant, course->zone);
  };
  std::cout << fmt::format("{} — {}, {}\n\n", course->name, course->term, local(now));
  if (!*status) {
    std::cout << "daemon       never ran with " << paths->state_dir.string() << "\n";
  } else {
    const auto& s = **status;
    std::string line = fmt::format("daemon       {} (pid {})", state, s.pid);
    if (s.stopped_at)
      line += ", stopped " + local(*s.stopped_at);
    std::cout << line << "\n";
    if (s.last_poll_at)
      std::cout << fmt::format("last poll    {}: {} ({} new, {} known, {} failed)\n",
                               local(*s.last_poll_at), s.outcome, s.recorded, s.known, s.failed);
    std::string connection = s.connection;
    if (s.connection == "retrying")
      connection += fmt::format(" after {} failed poll(s)", s.failures_in_a_row);
    else if (s.connection == "blocked")
      connection += ": a person must fix the config, then `systemctl reload`";
    if (s.next_poll_at && state == "running")
      connection += ", next poll " + local(*s.next_poll_at);
    std::cout << fmt::format("connection   {} ({})\n", connection, s.mailbox);
  }
  std::cout << fmt::format("mail         {} today, {} this term\n", counts->today, counts->term);
  std::cout << fmt::format("outbox       {} queued, {} failed, {} bounced{}\n", counts->queued,
                           counts->failed, counts->bounced,
                           counts->failed + counts->bounced > 0
                               ? " (`mailroom ledger --status reply-failed`, reply-bounced)"
                               : "");
  std::cout << fmt::format("review       {} mail(s) need a person{}\n", review,
                           review > 0 ? " (`mailroom review`)" : "");
  std::cout << "next due\n";
  if (next.empty())
    std::cout << "  nothing more is due\n";
  for (const auto& row : next)
    std::cout << fmt::format(
        "  {:<26} {}{} group {} ({})\n", local(row.effective_due), row.instance.deliverable,
        row.instance.lecture ? "@" + rules::iso_date(*row.instance.lecture) : std::string{},
        *row.instance.group, judge::to_string(row.status));
  return 0;
}

} // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<StatusOptions>();
  auto* command = app.add_subcommand(
      "status", "One screen: the daemon's last poll, mail, outbox, review queue, what is due next");
  add_location_options(*command, options->where);
  command->add_flag("--json", options->json, "One JSON object");
  command->add_option("--now", options->now, "Count and look ahead from this time instead of now");
  command->callback([options, &exit_code] { exit_code = run_status(*options); });
}

} // namespace mailroom::cli
