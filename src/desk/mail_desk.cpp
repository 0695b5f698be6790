#include "desk/mail_desk.hpp"

#include "deadline/deadline.hpp"
#include "desk/actions.hpp"
#include "desk/records.hpp"
#include "pipeline/versions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace mailroom::desk {

namespace {

using pipeline::StaffAnswer;
using pipeline::StaffVerb;

constexpr std::size_t k_deadlines_shown = 5;

StaffAnswer refused(const core::Problem& problem, StaffVerb verb) {
  return {false,
          fmt::format("Not done: {}; nothing was changed.\nThe form is:\n  {}", problem.to_string(),
                      pipeline::staff_command_form(verb)),
          std::nullopt};
}

StaffAnswer answered(const core::Result<std::string>& done, StaffVerb verb) {
  if (!done)
    return refused(done.error(), verb);
  return {true, *done, std::nullopt};
}

std::string review_text(const std::vector<pipeline::ReviewItem>& queue,
                        const rules::Course& course) {
  if (queue.empty())
    return "No mail needs a person.";
  std::string out = fmt::format("{} mail(s) need a person, oldest first:\n", queue.size());
  for (const auto& item : queue) {
    out += fmt::format("\nmail {}  {}  {}  {}\n", item.mail_id,
                       deadline::format_local(item.at, course.zone), item.from,
                       item.subject.empty() ? "(no subject)" : "\"" + item.subject + "\"");
    out += fmt::format("  why:    {}: {}\n", pipeline::to_string(item.reason), item.why);
    for (std::size_t i = 0; i < item.settle.size(); ++i)
      out +=
          fmt::format("  {} {}\n", i == 0 ? "settle:" : "    or:", as_mail_command(item.settle[i]));
  }
  return out;
}

core::Result<std::string> status_text(const StaffRecords& records, const rules::Course& course,
                                      core::Instant now) {
  auto counts = count_mail_and_replies(records, course, now);
  if (!counts)
    return std::unexpected(counts.error());
  const auto review =
      pipeline::review_queue(records.mails, records.replies, records.dismissed, course).size();
  const auto local = [&](core::Instant instant) {
    return deadline::format_local(instant, course.zone);
  };
  std::string out = fmt::format("{} — {}, {}\n\n", course.name, course.term, local(now));
  out += fmt::format("daemon       running (it answered this mail)\n");
  out += fmt::format("mail         {} today, {} this term\n", counts->today, counts->term);
  out += fmt::format("outbox       {} queued, {} failed, {} bounced\n", counts->queued,
                     counts->failed, counts->bounced);
  out += fmt::format("review       {} mail(s) need a person{}\n", review,
                     review > 0 ? " (send \"review\")" : "");
  out += "next due\n";
  const auto next = next_due(records, course, now, k_deadlines_shown);
  if (next.empty())
    out += "  nothing more is due\n";
  for (const auto& row : next)
    out += fmt::format(
        "  {:<26} {}{} group {} ({})\n", local(row.effective_due), row.instance.deliverable,
        row.instance.lecture ? "@" + rules::iso_date(*row.instance.lecture) : std::string{},
        *row.instance.group, judge::to_string(row.status));
  return out;
}

InstanceChange change_of(const pipeline::StaffCommand& command, const rules::Course& course) {
  InstanceChange change;
  change.group = group_named(course, command.group);
  change.target = command.target;
  change.reason = command.reason;
  change.revoke = command.revoke;
  change.until = command.until;
  change.plus = command.plus;
  change.earlier = command.earlier;
  return change;
}

} // namespace

std::string group_named(const rules::Course& course, const std::string& name) {
  const auto groups = course.groups();
  if (std::ranges::find(groups, name) != groups.end())
    return name;
  if (name.size() > 1 && (name.front() == 'G' || name.front() == 'g') &&
      std::ranges::find(groups, name.substr(1)) != groups.end())
    return name.substr(1);
  return name;
}

std::string as_mail_command(const std::string& command_line) {
  // Each option becomes the word of the mail grammar; the quoted reason its text.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> k_words{
      {{"mailroom ", ""},
       {" --as ", " as "},
       {" --group ", " group "},
       {" --reason ", " reason "}}};
  std::string out = command_line;
  for (const auto& [from, to] : k_words)
    if (auto at = out.find(from); at != std::string::npos)
      out.replace(at, from.size(), to);
  std::erase(out, '"');
  return out;
}

core::Result<std::optional<pipeline::Id>>
LedgerDesk::already_run(const pipeline::StaffCaller& caller) {
  return m_ledger.audit_of_mail_command(caller.message_id, caller.sha256);
}

core::Result<StaffAnswer> LedgerDesk::run(const pipeline::StaffCommand& command,
                                          const pipeline::StaffCaller& caller) {
  const pipeline::Actor actor{caller.address, caller.at, caller.address, caller.message_id,
                              caller.sha256};
  switch (command.verb) {
  case StaffVerb::extend:
    return answered(extend(m_ledger, m_course, change_of(command, m_course), actor), command.verb);
  case StaffVerb::excuse:
    return answered(excuse(m_ledger, m_course, change_of(command, m_course), actor), command.verb);
  case StaffVerb::dismiss:
    return answered(dismiss(m_ledger, command.mail_id, command.reason, actor), command.verb);
  case StaffVerb::reclassify:
    return answered(reclassify(m_ledger, m_course, command.mail_id, command.target,
                               group_named(m_course, command.group), command.reason, actor,
                               m_reply_for),
                    command.verb);
  case StaffVerb::ledger:
  case StaffVerb::review:
  case StaffVerb::status:
  case StaffVerb::help:
    return read_only(command, actor);
  }
  return StaffAnswer{};
}

core::Result<StaffAnswer> LedgerDesk::read_only(const pipeline::StaffCommand& command,
                                                const pipeline::Actor& actor) {
  StaffAnswer answer{true, {}, std::nullopt};
  const auto now = actor.at;
  if (command.verb == StaffVerb::help) {
    answer.text = pipeline::staff_command_grammar();
  } else {
    auto records = read_staff_records(m_ledger);
    if (!records)
      return std::unexpected(records.error());
    if (command.verb == StaffVerb::ledger) {
      const auto group = group_named(m_course, command.group);
      const auto groups = m_course.groups();
      if (!group.empty() && std::ranges::find(groups, group) == groups.end())
        return refused({command.group, "no group '" + command.group + "' on the roster",
                        "use a group from roster.csv"},
                       command.verb);
      answer.text = fmt::format("The ledger{} as of {}: attached as ledger.csv, one row per "
                                "deliverable instance and group (as `mailroom ledger --csv`).",
                                group.empty() ? "" : " of group " + group,
                                deadline::format_local(now, m_course.zone));
      answer.file = reply::AnswerFile{"ledger.csv", "text/csv; charset=UTF-8",
                                      ledger_csv(*records, m_course, now, group)};
    } else if (command.verb == StaffVerb::review) {
      answer.text = review_text(
          pipeline::review_queue(records->mails, records->replies, records->dismissed, m_course),
          m_course);
      if (auto page = m_page ? m_page(now) : core::Result<std::string>{}; page && !page->empty()) {
        answer.text += "\nThe term at a glance is attached (term.html).";
        answer.file = reply::AnswerFile{"term.html", "text/html; charset=UTF-8", std::move(*page)};
      } else if (!page) {
        answer.text += "\nThe term's page could not be made: " + page.error().to_string();
      }
    } else {
      auto text = status_text(*records, m_course, now);
      if (!text)
        return std::unexpected(text.error());
      answer.text = std::move(*text);
    }
  }
  // Order is important: the answer is made before the note, so a failure leaves no note
  // and the command runs again on the next poll.
  auto noted = m_ledger.note("mail-command", command.line, actor, "");
  if (!noted)
    return std::unexpected(noted.error());
  return answer;
}

} // namespace mailroom::desk
