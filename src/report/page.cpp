#include "report/page.hpp"

#include "classify/classification.hpp"
#include "content/findings.hpp"
#include "deadline/deadline.hpp"
#include "pipeline/ports.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include <algorithm>

namespace mailroom::report {

namespace {

using judge::Status;
using kainjow::mustache::data;
using kainjow::mustache::mustache;

constexpr Status k_statuses[] = {Status::on_time,     Status::late,     Status::missing,
                                 Status::pending,     Status::extended, Status::excused,
                                 Status::needs_review};

std::string lecture_label(const rules::Course& course, rules::Date date) {
  std::string label = deadline::format_day(date);
  if (const auto* lecture = course.lecture(date); lecture && !lecture->topic.empty())
    label += " (" + lecture->topic + ")";
  return label;
}

// An element id made only of letters, digits and '-': group names come from staff's
// roster, and an id is never a place for markup.
std::string anchor_for(const std::string& deliverable, const std::optional<rules::Date>& lecture,
                       const std::string& group) {
  std::string raw =
      "cell-" + deliverable + "-" + (lecture ? rules::iso_date(*lecture) : "") + "-group-" + group;
  for (auto& c : raw)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
      c = '_';
  return raw;
}

std::string verdict_words(deadline::Verdict verdict, core::Seconds late_by) {
  return verdict == deadline::Verdict::on_time ? "on time"
                                               : "late by " + deadline::format_duration(late_by);
}

std::string cell_words(const judge::InstanceStatus& status, const std::string& zone) {
  switch (status.status) {
  case Status::late:
    return status.counting ? verdict_words(deadline::Verdict::late, status.counting->late_by)
                           : status_words(status.status);
  case Status::extended:
    return status.extended_until
               ? "extended to " + deadline::format_local(*status.extended_until, zone)
               : status_words(status.status);
  case Status::needs_review:
    return status.counting
               ? "needs review (" +
                     verdict_words(status.counting->verdict, status.counting->late_by) + ")"
               : status_words(status.status);
  default:
    return status_words(status.status);
  }
}

std::string standing_of(const judge::JudgedVersion& version, const judge::InstanceStatus& status) {
  if (version.held)
    return "held for review";
  if (status.counting && status.counting->mail_id == version.mail_id &&
      status.status != Status::excused)
    return "counts";
  return "does not count";
}

Cell not_owed(const std::string& group) {
  Cell cell;
  cell.group = group;
  return cell;
}

AuditLine audit_line(const pipeline::AuditRow& row, const std::string& zone) {
  return {row.id,    deadline::format_local(row.at, zone), row.unix_user, row.action, row.what,
          row.reason};
}

template <class Row> bool same_instance(const Row& row, const deadline::Instance& instance) {
  const std::optional<std::string> lecture =
      instance.lecture ? std::optional{rules::iso_date(*instance.lecture)} : std::nullopt;
  return instance.group && row.group == *instance.group &&
         row.deliverable == instance.deliverable && (!instance.lecture || row.lecture == lecture);
}

Cell make_cell(const Term& term, const judge::InstanceStatus& status,
               const std::map<pipeline::Id, const pipeline::MailRow*>& mails) {
  const auto& zone = term.course->zone;
  const auto& instance = status.instance;
  Cell cell;
  cell.group = *instance.group;
  cell.owed = true;
  cell.status = status.status;
  cell.status_name = judge::to_string(status.status);
  cell.words = cell_words(status, zone);
  cell.anchor = anchor_for(instance.deliverable, instance.lecture, cell.group);
  cell.due = deadline::format_local(instance.due, zone);
  if (status.extended_until)
    cell.extended_until = deadline::format_local(*status.extended_until, zone);
  cell.excused = status.status == Status::excused;
  if (status.counting)
    cell.received = deadline::format_local(status.counting->received_at, zone);
  for (const auto& version : status.versions) {
    VersionLine line;
    line.mail_id = version.mail_id;
    line.received = deadline::format_local(version.received_at, zone);
    line.verdict = verdict_words(version.verdict, version.late_by);
    line.standing = standing_of(version, status);
    if (const auto found = mails.find(version.mail_id); found != mails.end()) {
      line.from = found->second->from;
      line.subject = found->second->subject;
      line.links = found->second->links;
      for (const auto& finding : found->second->findings)
        line.warnings.push_back(content::line_of(finding));
    }
    if (const auto files = term.attachments.find(version.mail_id); files != term.attachments.end())
      for (const auto& file : files->second)
        line.files.push_back({file.original_name, file.content_type,
                              util::human_size(static_cast<std::uint64_t>(file.size)),
                              file.sha256});
    cell.versions.push_back(std::move(line));
  }
  return cell;
}

// Where each staff change belongs: the cell of the extension or excusal it wrote, or of
// the mail it reclassified.
std::map<pipeline::Id, std::string> audit_anchors(const Term& term) {
  std::map<pipeline::Id, std::string> anchors;
  for (const auto& status : term.statuses) {
    if (!status.instance.group)
      continue;
    const auto anchor =
        anchor_for(status.instance.deliverable, status.instance.lecture, *status.instance.group);
    for (const auto& extension : term.extensions)
      if (same_instance(extension, status.instance))
        anchors[extension.audit_id] = anchor;
    for (const auto& excusal : term.excusals)
      if (same_instance(excusal, status.instance))
        anchors[excusal.audit_id] = anchor;
  }
  return anchors;
}

std::vector<ReviewItem> review_queue(const Term& term,
                                     const std::map<pipeline::Id, std::string>& cell_of_mail) {
  std::vector<ReviewItem> items;
  const auto& zone = term.course->zone;
  for (const auto& mail : term.mails) {
    if (mail.reclassified) // a person has decided it
      continue;
    ReviewItem item;
    const auto failed = std::ranges::any_of(mail.review_reasons, [](const std::string& reason) {
      return reason.starts_with(pipeline::k_stopped_the_daemon);
    });
    if (failed)
      item.why = "failed";
    else if (mail.kind == classify::k_needs_review)
      item.why = mail.verdict ? "held for review" : "needs review";
    else if (mail.kind == classify::k_unknown_sender)
      item.why = "unknown sender";
    else if (!mail.parse_errors.empty())
      item.why = "unreadable";
    else
      continue;
    item.mail_id = mail.id;
    item.received = deadline::format_local(mail.received_at, zone);
    item.from = mail.from;
    item.subject = mail.subject;
    item.reasons = mail.review_reasons;
    item.reasons.insert(item.reasons.end(), mail.parse_errors.begin(), mail.parse_errors.end());
    if (const auto cell = cell_of_mail.find(mail.id); cell != cell_of_mail.end())
      item.anchor = cell->second;
    items.push_back(std::move(item));
  }
  return items;
}

} // namespace

std::string status_words(Status status) {
  // The ledger's status names ("on-time", "needs-review") as words.
  auto words = judge::to_string(status);
  std::ranges::replace(words, '-', ' ');
  return words;
}

Page make_page(const Term& term) {
  const auto& course = *term.course;
  Page page;
  page.course_name = course.name;
  page.term = course.term;
  page.zone = course.zone;
  page.made_at = deadline::format_local(term.made_at, course.zone);
  page.made_at_utc = core::to_iso_utc(term.made_at);
  page.as_of = deadline::format_local(term.as_of, course.zone);
  page.ledger_path = term.ledger_path;
  page.groups = course.groups();

  std::map<pipeline::Id, const pipeline::MailRow*> mails;
  for (const auto& mail : term.mails)
    mails[mail.id] = &mail;

  // Instances of one deliverable and lecture share a row; rows keep the due order of
  // the first instance of each.
  std::map<std::pair<std::string, std::string>, std::size_t> row_of;
  std::map<pipeline::Id, std::string> cell_of_mail;
  std::map<Status, std::size_t> counted;
  for (const auto& status : term.statuses) {
    const auto& instance = status.instance;
    if (!instance.group) {
      ++page.unassigned;
      continue;
    }
    const auto key =
        std::pair{instance.deliverable, instance.lecture ? rules::iso_date(*instance.lecture) : ""};
    auto [found, added] = row_of.try_emplace(key, page.rows.size());
    if (added) {
      InstanceRow row;
      row.deliverable = instance.deliverable;
      const auto* deliverable = course.deliverable(instance.deliverable);
      row.title =
          deliverable && !deliverable->title.empty() ? deliverable->title : instance.deliverable;
      if (instance.lecture)
        row.lecture = lecture_label(course, *instance.lecture);
      row.due = deadline::format_local(instance.due, course.zone);
      for (const auto& group : page.groups)
        row.cells.push_back(not_owed(group));
      page.rows.push_back(std::move(row));
    }
    auto& row = page.rows[found->second];
    auto cell = make_cell(term, status, mails);
    for (const auto& version : cell.versions)
      cell_of_mail[version.mail_id] = cell.anchor;
    ++counted[cell.status];
    const auto slot = std::find(page.groups.begin(), page.groups.end(), cell.group);
    if (slot == page.groups.end()) { // assigned to a group no longer on the roster
      page.groups.push_back(cell.group);
      for (auto& other : page.rows)
        other.cells.push_back(not_owed(cell.group));
    }
    const auto index = static_cast<std::size_t>(
        std::find(page.groups.begin(), page.groups.end(), cell.group) - page.groups.begin());
    row.cells[index] = std::move(cell);
  }

  auto anchors = audit_anchors(term);
  for (const auto& row : term.audit) {
    if (row.mail_id)
      if (const auto cell = cell_of_mail.find(*row.mail_id); cell != cell_of_mail.end())
        anchors[row.id] = cell->second;
    page.audit.push_back(audit_line(row, course.zone));
  }
  for (auto& row : page.rows)
    for (auto& cell : row.cells)
      for (const auto& audit : term.audit)
        if (const auto anchor = anchors.find(audit.id);
            cell.owed && anchor != anchors.end() && anchor->second == cell.anchor)
          cell.audit.push_back(audit_line(audit, course.zone));

  page.review = review_queue(term, cell_of_mail);
  for (const auto status : k_statuses)
    page.counts.push_back({judge::to_string(status), status_words(status), counted[status]});
  return page;
}

namespace {

data list_of(const std::vector<std::string>& items) {
  data list{data::type::list};
  for (const auto& item : items)
    list.push_back(data{item});
  return list;
}

data audit_data(const std::vector<AuditLine>& lines) {
  data list{data::type::list};
  for (const auto& line : lines) {
    data item;
    item.set("id", std::to_string(line.id));
    item.set("at", line.at);
    item.set("who", line.who);
    item.set("action", line.action);
    item.set("what", line.what);
    item.set("reason", line.reason);
    list.push_back(item);
  }
  return list;
}

data version_data(const VersionLine& version) {
  data item;
  item.set("mail", std::to_string(version.mail_id));
  item.set("received", version.received);
  item.set("verdict", version.verdict);
  item.set("standing", version.standing);
  item.set("from", version.from);
  item.set("subject", version.subject);
  data files{data::type::list};
  for (const auto& file : version.files) {
    data entry;
    entry.set("name", file.name);
    entry.set("content_type", file.content_type);
    entry.set("size", file.size);
    entry.set("sha256", file.sha256);
    files.push_back(entry);
  }
  item.set("files", files);
  item.set("has_files", !version.files.empty());
  item.set("links", list_of(version.links));
  item.set("has_links", !version.links.empty());
  item.set("warnings", list_of(version.warnings));
  item.set("has_warnings", !version.warnings.empty());
  return item;
}

data cell_data(const Cell& cell, const InstanceRow& row) {
  data item;
  item.set("group", cell.group);
  item.set("owed", cell.owed);
  if (!cell.owed)
    return item;
  item.set("status", cell.status_name);
  item.set("words", cell.words);
  item.set("received", cell.received);
  item.set("has_received", !cell.received.empty());
  item.set("anchor", cell.anchor);
  item.set("due", cell.due);
  item.set("extended_until", cell.extended_until);
  item.set("has_extension", !cell.extended_until.empty());
  item.set("deliverable", row.deliverable);
  item.set("title", row.title);
  item.set("lecture", row.lecture);
  item.set("has_lecture", !row.lecture.empty());
  item.set("version_count", std::to_string(cell.versions.size()));
  data versions{data::type::list};
  for (const auto& version : cell.versions)
    versions.push_back(version_data(version));
  item.set("versions", versions);
  item.set("has_versions", !cell.versions.empty());
  item.set("audit", audit_data(cell.audit));
  item.set("has_audit", !cell.audit.empty());
  return item;
}

data page_data(const Page& page) {
  data view;
  view.set("course_name", page.course_name);
  view.set("term", page.term);
  view.set("zone", page.zone);
  view.set("made_at", page.made_at);
  view.set("made_at_utc", page.made_at_utc);
  view.set("as_of", page.as_of);
  view.set("same_time", page.as_of == page.made_at);
  view.set("ledger_path", page.ledger_path);
  view.set("groups", list_of(page.groups));
  view.set("group_count", std::to_string(page.groups.size()));
  data rows{data::type::list};
  data details{data::type::list};
  for (const auto& row : page.rows) {
    data item;
    item.set("deliverable", row.deliverable);
    item.set("title", row.title);
    item.set("lecture", row.lecture);
    item.set("has_lecture", !row.lecture.empty());
    item.set("due", row.due);
    data cells{data::type::list};
    for (const auto& cell : row.cells) {
      auto entry = cell_data(cell, row);
      cells.push_back(entry);
      if (cell.owed)
        details.push_back(entry);
    }
    item.set("cells", cells);
    rows.push_back(item);
  }
  view.set("rows", rows);
  view.set("has_rows", !page.rows.empty());
  view.set("details", details);
  view.set("unassigned", std::to_string(page.unassigned));
  view.set("has_unassigned", page.unassigned > 0);
  data review{data::type::list};
  for (const auto& entry : page.review) {
    data item;
    item.set("mail", std::to_string(entry.mail_id));
    item.set("why", entry.why);
    item.set("received", entry.received);
    item.set("from", entry.from);
    item.set("subject", entry.subject);
    item.set("reasons", list_of(entry.reasons));
    item.set("has_reasons", !entry.reasons.empty());
    item.set("anchor", entry.anchor);
    item.set("has_anchor", !entry.anchor.empty());
    review.push_back(item);
  }
  view.set("review", review);
  view.set("has_review", !page.review.empty());
  view.set("review_count", std::to_string(page.review.size()));
  data counts{data::type::list};
  for (const auto& count : page.counts) {
    data item;
    item.set("status", count.status_name);
    item.set("words", count.words);
    item.set("count", std::to_string(count.count));
    counts.push_back(item);
  }
  view.set("counts", counts);
  view.set("audit", audit_data(page.audit));
  view.set("has_audit", !page.audit.empty());
  return view;
}

} // namespace

core::Result<std::string> render_html(const Page& page, const std::string& template_text) {
  mustache view{template_text};
  if (!view.is_valid())
    return core::fail("report.mustache", view.error_message(), "fix the template");
  auto html = view.render(page_data(page));
  if (!view.is_valid())
    return core::fail("report.mustache", view.error_message(), "fix the template");
  return html;
}

} // namespace mailroom::report
