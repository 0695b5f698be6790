#include "report/digest.hpp"

#include "deadline/deadline.hpp"
#include "reply/compose.hpp"
#include "report/ledger_csv.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include <map>

namespace mailroom::report {

namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

std::string instance_what(const rules::Course& course, const deadline::Instance& instance) {
  const auto* deliverable = course.deliverable(instance.deliverable);
  std::string what =
      deliverable && !deliverable->title.empty() ? deliverable->title : instance.deliverable;
  if (instance.lecture)
    what += " for " + deadline::format_day(*instance.lecture);
  return what;
}

std::string arrival_what(const pipeline::MailRow& mail) {
  std::string what = mail.deliverable.value_or(mail.kind);
  if (mail.lecture)
    what += " " + *mail.lecture;
  if (mail.group)
    what += ", Group " + *mail.group;
  if (mail.verdict)
    what += ", " + *mail.verdict;
  if (mail.late_by_seconds && *mail.late_by_seconds > 0)
    what += " by " + deadline::format_duration(core::Seconds{*mail.late_by_seconds});
  return what;
}

std::vector<StandingLine> standing(const Page& page, judge::Status wanted) {
  std::vector<StandingLine> out;
  for (const auto& row : page.rows)
    for (const auto& cell : row.cells)
      if (cell.owed && cell.status == wanted)
        out.push_back({row.lecture.empty() ? row.title : row.title + " for " + row.lecture,
                       cell.group, cell.words + ", due " + row.due});
  return out;
}

std::vector<DueSoonLine> due_soon(const Term& term) {
  std::vector<DueSoonLine> out;
  std::map<std::string, std::size_t> line_of; // deliverable and lecture -> its line
  for (const auto& status : term.statuses) {
    const auto& instance = status.instance;
    if (!instance.group || instance.due <= term.as_of ||
        instance.due > term.as_of + k_digest_ahead || status.status == judge::Status::excused)
      continue;
    const auto key =
        instance.deliverable + " " + (instance.lecture ? rules::iso_date(*instance.lecture) : "");
    auto [at, added] = line_of.try_emplace(key, out.size());
    if (added)
      out.push_back({instance_what(*term.course, instance),
                     deadline::format_local(instance.due, term.course->zone),
                     {},
                     {}});
    auto& line = out[at->second];
    line.groups_owing.push_back(*instance.group);
    if (status.versions.empty())
      line.groups_with_nothing.push_back(*instance.group);
  }
  return out;
}

// "a, b" for a sentence, or false so that the template leaves the sentence out.
data joined_or_false(const std::vector<std::string>& items) {
  return items.empty() ? data(false) : data(util::join(items, ", "));
}

data standing_data(const std::vector<StandingLine>& lines) {
  data list{data::type::list};
  for (const auto& line : lines) {
    data item;
    item.set("what", line.what);
    item.set("group", line.group);
    item.set("words", line.words);
    list.push_back(item);
  }
  return list;
}

data digest_data(const Digest& digest) {
  data vars;
  vars.set("course_name", digest.course_name);
  vars.set("term", digest.term);
  vars.set("day", digest.day);
  vars.set("as_of", digest.as_of);
  vars.set("planned", digest.planned);
  vars.set("late", digest.late);
  data arrived{data::type::list};
  for (const auto& line : digest.arrived) {
    data item;
    item.set("mail_id", std::to_string(line.mail_id));
    item.set("received", line.received);
    item.set("from", line.from);
    item.set("subject", line.subject);
    item.set("what", line.what);
    arrived.push_back(item);
  }
  vars.set("arrived", arrived);
  vars.set("arrived_count", std::to_string(digest.arrived.size()));
  vars.set("late_items", standing_data(digest.late_items));
  vars.set("missing", standing_data(digest.missing));
  data review{data::type::list};
  for (const auto& line : digest.review) {
    data item;
    item.set("mail_id", std::to_string(line.mail_id));
    item.set("why", line.why);
    item.set("received", line.received);
    item.set("from", line.from);
    item.set("subject", line.subject);
    review.push_back(item);
  }
  vars.set("review", review);
  data soon{data::type::list};
  for (const auto& line : digest.due_soon) {
    data item;
    item.set("what", line.what);
    item.set("due", line.due);
    item.set("groups_owing", joined_or_false(line.groups_owing));
    item.set("groups_with_nothing", joined_or_false(line.groups_with_nothing));
    soon.push_back(item);
  }
  vars.set("due_soon", soon);
  vars.set("nothing_arrived", digest.arrived.empty());
  vars.set("nothing_late", digest.late_items.empty());
  vars.set("nothing_missing", digest.missing.empty());
  vars.set("nothing_to_review", digest.review.empty());
  vars.set("nothing_due_soon", digest.due_soon.empty());
  return vars;
}

} // namespace

Digest make_digest(const Term& term, const schedule::DigestDue& due) {
  const auto& course = *term.course;
  const auto page = make_page(term);
  Digest digest;
  digest.course_name = course.name;
  digest.term = course.term;
  digest.day = deadline::format_day(due.day);
  digest.as_of = deadline::format_local(term.as_of, course.zone);
  digest.planned = deadline::format_local(due.planned_for, course.zone);
  digest.late = due.late;
  for (const auto& mail : term.mails)
    if (mail.received_at > term.as_of - k_digest_since && mail.received_at <= term.as_of)
      digest.arrived.push_back({mail.id, deadline::format_local(mail.received_at, course.zone),
                                mail.from, mail.subject, arrival_what(mail)});
  digest.late_items = standing(page, judge::Status::late);
  digest.missing = standing(page, judge::Status::missing);
  digest.review = page.review;
  digest.due_soon = due_soon(term);
  return digest;
}

core::Result<std::string> render_digest(const Digest& digest, const std::string& template_text) {
  mustache view{template_text};
  if (!view.is_valid())
    return core::fail("digest.mustache", view.error_message(), "fix the template");
  return reply::wrap_text(view.render(digest_data(digest)), 72);
}

core::Result<pipeline::ScheduledMail> digest_mail(const Term& term, const schedule::DigestDue& due,
                                                  const std::vector<std::string>& to,
                                                  const std::string& template_text,
                                                  const std::string& page_html,
                                                  const schedule::SendAs& as) {
  const auto digest = make_digest(term, due);
  auto body = render_digest(digest, template_text);
  if (!body)
    return std::unexpected(body.error());
  pipeline::ScheduledMail mail;
  mail.key = due.key;
  mail.kind = pipeline::ScheduledKind::digest;
  mail.recipient_identity = "staff";
  mail.planned_for = due.planned_for;
  mail.late = due.late;
  mail.subject = fmt::format("{}Digest {}: {} arrived, {} late, {} missing, {} to review ({}, {})",
                             due.late ? "[late] " : "", digest.day, digest.arrived.size(),
                             digest.late_items.size(), digest.missing.size(), digest.review.size(),
                             digest.course_name, digest.term);
  auto& reply = mail.reply;
  reply.kind = "digest";
  reply.recipients = to;
  reply.message_id = schedule::scheduled_message_id(due.key, as.message_id_domain);
  std::vector<schedule::Attachment> attachments{
      {"ledger.csv", "text/csv; charset=UTF-8", ledger_csv(term.statuses)}};
  if (!page_html.empty())
    attachments.push_back({"term.html", "text/html; charset=UTF-8", page_html});
  reply.message =
      schedule::scheduled_message(as, to, mail.subject, reply.message_id, *body, attachments);
  mail.text = std::move(*body);
  return mail;
}

} // namespace mailroom::report
