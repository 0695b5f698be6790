#include "reply/compose.hpp"

#include "deadline/deadline.hpp"
#include "reply/mail_head.hpp"
#include "util/text.hpp"

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/StringPartSource.h>
#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include <regex>
#include <set>
#include <sstream>

namespace mailroom::reply {

namespace {

using judge::ReplyKind;
using kainjow::mustache::data;
using kainjow::mustache::mustache;

// Under an hour apart, minutes alone could show the same minute twice ("due 1:00 PM,
// arrived 1:00 PM, late by 1 s"), so both times are shown to the second.
constexpr core::Seconds k_seconds_shown_below{3600};
// Resends a clarification suggests at most.
constexpr std::size_t k_max_resends = 4;

const rules::Deliverable* deliverable_of(const judge::Decision& decision,
                                         const rules::Course& course) {
  const auto& c = decision.classification;
  return c.deliverable ? course.deliverable(*c.deliverable) : nullptr;
}

// "presentation slides": the deliverable's title as a name in a sentence.
std::string title_of(const rules::Deliverable* deliverable) {
  return deliverable ? util::lower(deliverable->title) : "submission";
}

// "presentation slides for Tue Oct 7", "final report".
std::string deliverable_label(const judge::Decision& decision, const rules::Course& course) {
  const auto& c = decision.classification;
  auto label = title_of(deliverable_of(decision, course));
  if (c.lecture)
    label += " for " + deadline::format_day(*c.lecture);
  return label;
}

// "(CSE 585, Fall 2025)": which course a subject is about, for students in two.
std::string course_tag(const rules::Course& course) {
  const auto code = course.code.empty() ? course.name : course.code;
  return course.term.empty() ? fmt::format("({})", code)
                             : fmt::format("({}, {})", code, course.term);
}

// The subject a resend should carry to be judged as `deliverable` for `lecture`: the
// deliverable's title (the classifier's keywords include it), the lecture's date as
// students write it, and the group.
std::string resend_subject(const rules::Deliverable& deliverable,
                           std::optional<rules::Date> lecture, const std::string& group) {
  return lecture ? fmt::format("{} for {} (Group {})", deliverable.title,
                               deadline::format_day(*lecture), group)
                 : fmt::format("{} (Group {})", deliverable.title, group);
}

struct Timing {
  std::string received;
  std::string due;
  std::string verdict; // "Late by 1 second", "On time, within the 15-minute grace period ..."
};

Timing timing(const judge::Decision& decision, const rules::Deliverable* deliverable,
              const rules::Course& course) {
  Timing out;
  const auto gap = decision.due ? decision.received_at - *decision.due : core::Seconds{0};
  const auto precision =
      decision.due && (gap < k_seconds_shown_below && -gap < k_seconds_shown_below)
          ? deadline::Precision::seconds
          : deadline::Precision::minutes;
  out.received = deadline::format_local(decision.received_at, course.zone, precision);
  if (!decision.due || !decision.judgement)
    return out;
  out.due = deadline::format_local(*decision.due, course.zone, precision);
  const auto grace = deliverable ? deliverable->grace : core::Seconds{0};
  if (decision.judgement->verdict == deadline::Verdict::late) {
    out.verdict = "Late by " + deadline::plain_duration(decision.judgement->late_by);
    if (grace.count() > 0)
      out.verdict += ", after the " + deadline::grace_period_name(grace);
  } else if (gap.count() < 0) {
    out.verdict = "On time, " + deadline::plain_duration(-gap) + " before the deadline";
  } else if (gap.count() == 0) {
    out.verdict = "On time, at the deadline itself";
  } else {
    out.verdict = fmt::format("On time, within the {} ({} after the deadline)",
                              deadline::grace_period_name(grace), deadline::plain_duration(gap));
  }
  return out;
}

data file_list(const message::MessageFacts& facts) {
  data list{data::type::list};
  for (const auto& file : facts.attachments) {
    if (file.inline_disposition && file.content_type.starts_with("image/"))
      continue;
    data item;
    item.set("name", file.filename.empty() ? "(no name)" : file.filename);
    item.set("size", util::human_size(file.size));
    item.set("sha256", file.sha256);
    list.push_back(item);
  }
  return list;
}

// What the content checks warn of, for the student: a check that could not run is staff's
// to look into, not the student's to fix.
data warning_list(const judge::Decision& decision) {
  data list{data::type::list};
  for (const auto& finding : decision.findings) {
    if (finding.outcome != content::Outcome::warning)
      continue;
    data item{data::type::object};
    item.set("text", finding.text);
    list.push_back(item);
  }
  return list;
}

data link_list(const message::MessageFacts& facts) {
  data list{data::type::list};
  for (const auto& link : facts.links) {
    if (link.kind == message::LinkKind::other)
      continue;
    data item;
    item.set("url", link.url);
    item.set("kind", message::to_string(link.kind));
    list.push_back(item);
  }
  return list;
}

data strings(const std::vector<std::string>& values) {
  data list{data::type::list};
  for (const auto& value : values)
    list.push_back(data{value});
  return list;
}

// A value that is a string when present and false (an empty section) when not.
data optional_text(const std::optional<std::string>& value) {
  return value ? data{*value} : data{false};
}

// What a clarification can say about a mail, and the resends that would be judged as
// the student meant (the classifier reads the title and the lecture's date).
struct Clarification {
  std::string understood;           // "presentation slides for Tue Oct 7, from Group 2"
  std::vector<std::string> reasons; // why it is unclear, in words
  std::vector<std::string> resends; // subjects that would work
  std::string resend_note;          // what the resends are ("the class Group 2 presents")
};

// "present": what the owner of a per-lecture deliverable does with its lecture.
std::string role_verb(rules::Owner owner) {
  switch (owner) {
  case rules::Owner::presenter:
    return "present";
  case rules::Owner::summary:
    return "summarise";
  case rules::Owner::reviewer:
    return "review";
  case rules::Owner::every_group:
    break;
  }
  return "owe";
}

// Everything the group owes from `since` on, as resend subjects, earliest first.
std::vector<std::string> owed_from(const rules::Course& course, const std::string& group,
                                   core::Instant since) {
  std::vector<std::pair<core::Instant, std::string>> owed;
  for (const auto& deliverable : course.deliverables) {
    std::vector<std::optional<rules::Date>> lectures;
    if (deliverable.per_lecture)
      for (const auto& date : course.lectures_assigned(deliverable, group))
        lectures.emplace_back(date);
    else
      lectures.emplace_back(std::nullopt);
    for (const auto& lecture : lectures)
      if (auto due = deadline::due_at(course, deliverable, lecture);
          due && *due + deliverable.grace >= since)
        owed.emplace_back(*due, resend_subject(deliverable, lecture, group));
  }
  std::ranges::stable_sort(owed, {}, &std::pair<core::Instant, std::string>::first);
  std::vector<std::string> out;
  for (auto& [due, subject] : owed)
    if (out.size() < k_max_resends)
      out.push_back(std::move(subject));
  return out;
}

Clarification clarification(const judge::Decision& decision, const rules::Course& course) {
  const auto& c = decision.classification;
  const auto* deliverable = deliverable_of(decision, course);
  Clarification out;
  if (deliverable) {
    out.understood = title_of(deliverable);
    if (c.lecture)
      out.understood += " for " + deadline::format_day(*c.lecture);
    if (c.group)
      out.understood += ", from Group " + *c.group;
  } else if (c.group) {
    out.understood = "a mail from Group " + *c.group + ", but not which deliverable it is";
  }
  // The classifier's own sentence for a group not assigned the lecture names it by ISO
  // date; it is said here in the student's terms instead.
  std::optional<std::string> not_assigned_prefix;
  if (deliverable && deliverable->per_lecture && c.group) {
    auto mine = course.lectures_assigned(*deliverable, *c.group);
    const auto verb = role_verb(deliverable->owner);
    if (c.lecture) {
      const auto owners = course.groups_assigned(*deliverable, *c.lecture);
      const bool assigned = std::ranges::find(owners, *c.group) != owners.end();
      if (!assigned && !owners.empty()) {
        not_assigned_prefix = fmt::format("group {} is not assigned", *c.group);
        out.reasons.push_back(fmt::format("Group {} does not {} {} (Group {} does).", *c.group,
                                          verb, deadline::format_day(*c.lecture), owners.front()) +
                              (mine.empty() ? fmt::format(" Group {} is assigned no {} yet.",
                                                          *c.group, title_of(deliverable))
                                            : ""));
      } else {
        out.resends.push_back(resend_subject(*deliverable, c.lecture, *c.group));
      }
    }
    if (out.resends.empty()) {
      // The classes still to come, when there are any: a resend for one already past
      // would be late.
      std::vector<rules::Date> upcoming;
      for (const auto& date : mine)
        if (auto due = deadline::due_at(course, *deliverable, date);
            due && *due + deliverable->grace >= decision.received_at)
          upcoming.push_back(date);
      if (!upcoming.empty())
        mine = upcoming;
      for (const auto& date : mine)
        if (out.resends.size() < k_max_resends)
          out.resends.push_back(resend_subject(*deliverable, date, *c.group));
      if (!mine.empty())
        out.resend_note = fmt::format("the {} of the class{} Group {} {}s", title_of(deliverable),
                                      mine.size() == 1 ? "" : "es", *c.group, verb);
    }
  } else if (deliverable && c.group) {
    out.resends.push_back(resend_subject(*deliverable, std::nullopt, *c.group));
  } else if (c.group) {
    out.resends = owed_from(course, *c.group, decision.received_at);
    if (!out.resends.empty())
      out.resend_note = fmt::format("what Group {} owes next", *c.group);
  }
  for (const auto& reason : c.review_reasons)
    if (!not_assigned_prefix || !reason.starts_with(*not_assigned_prefix))
      out.reasons.push_back(reason);
  if (out.reasons.empty())
    out.reasons.push_back("nothing in it says which deliverable and lecture it is for");
  return out;
}

data variables(const judge::Decision& decision, const rules::Course& course,
               const ComposeOptions& options) {
  const auto& c = decision.classification;
  const auto* deliverable = deliverable_of(decision, course);
  data vars;
  vars.set("student_name", c.student_name.value_or("there"));
  vars.set("group", c.group.value_or("?"));
  vars.set("course_name", course.name);
  vars.set("course_code", course.code);
  vars.set("term", course.term);
  // The desk address of the config, when composed for one; the course file's otherwise.
  vars.set("staff_address", options.reply_to.empty() ? course.staff_address : options.reply_to);
  vars.set("subject", decision.facts.subject.empty() ? "(no subject)" : decision.facts.subject);
  vars.set("deliverable", c.deliverable.value_or(""));
  vars.set("deliverable_title", title_of(deliverable));
  vars.set("lecture", optional_text(c.lecture ? std::optional{deadline::format_day(*c.lecture)}
                                              : std::nullopt));
  const auto* lecture = c.lecture ? course.lecture(*c.lecture) : nullptr;
  vars.set("topic", optional_text(lecture && !lecture->topic.empty() ? std::optional{lecture->topic}
                                                                     : std::nullopt));
  const auto times = timing(decision, deliverable, course);
  vars.set("received", times.received);
  vars.set("due", optional_text(times.due.empty() ? std::nullopt : std::optional{times.due}));
  vars.set("verdict", times.verdict);
  std::optional<std::string> rule;
  if (deliverable && decision.judgement)
    if (auto described = deadline::describe_rule(course, *deliverable, c.lecture))
      rule = *described;
  vars.set("rule", optional_text(rule));
  vars.set("version_note",
           optional_text(
               options.version > 1  ? std::optional{fmt::format("version {}; every version is kept",
                                                                options.version)}
               : c.replaces_earlier ? std::optional<std::string>{"it replaces the version you sent "
                                                                 "before; every version is kept"}
                                    : std::nullopt));
  auto files = file_list(decision.facts);
  auto links = link_list(decision.facts);
  vars.set("has_files", data{!files.is_empty_list()});
  vars.set("files", files);
  vars.set("has_links", data{!links.is_empty_list()});
  vars.set("links", links);
  auto warnings = warning_list(decision);
  vars.set("has_warnings", data{!warnings.is_empty_list()});
  vars.set("warnings", warnings);
  vars.set("not_counted",
           data{deliverable && deliverable->late_policy == rules::LatePolicy::not_counted});
  vars.set("late_note", deliverable ? deliverable->late_note : "");
  // The "replaced" note's own (compose_replaced sets them; blank in the other replies).
  vars.set("replaced_by", "");
  vars.set("replaced_at", "");
  const auto clear = clarification(decision, course);
  vars.set("understood", optional_text(clear.understood.empty() ? std::nullopt
                                                                : std::optional{clear.understood}));
  vars.set("reasons", strings(clear.reasons));
  vars.set("has_resends", data{!clear.resends.empty()});
  vars.set("resends", strings(clear.resends));
  vars.set("resend_choice", data{clear.resends.size() > 1});
  vars.set(
      "resend_note",
      optional_text(clear.resend_note.empty() ? std::nullopt : std::optional{clear.resend_note}));
  return vars;
}

// One address for each other member of `group`: a student with two roster rows
// gets the first, and the sender is left out by identity, not by address.
std::vector<std::string> group_addresses(const rules::Course& course, const std::string& group,
                                         const std::string& sender_email) {
  const auto senders = course.students_with_email(sender_email);
  const std::string sender_uniqname = senders.empty() ? "" : senders.front()->uniqname;
  std::vector<std::string> uniqnames{sender_uniqname};
  std::vector<std::string> out;
  for (const auto* member : course.members(group)) {
    if (std::ranges::find(uniqnames, member->uniqname) != uniqnames.end())
      continue;
    uniqnames.push_back(member->uniqname);
    out.push_back(member->email);
  }
  return out;
}

core::Result<std::string> render(const Templates& templates, const std::string& name,
                                 const data& vars) {
  const auto found = templates.find(name);
  if (found == templates.end())
    return core::fail(name + ".mustache", "template missing",
                      "add templates/" + name + ".mustache");
  mustache view{found->second};
  if (!view.is_valid())
    return core::fail(name + ".mustache", view.error_message(), "fix the template");
  return view.render(vars);
}

// Text templates write {{{name}}}: the text part is not HTML, so nothing may be escaped
// there; the HTML templates write {{name}}, which kainjow escapes.
core::Result<std::string> render_text(const Templates& templates, const std::string& name,
                                      const data& vars) {
  auto text = render(templates, name, vars);
  if (!text)
    return text;
  // Sections that render nothing leave their blank lines behind: one blank line between
  // paragraphs is enough, whatever a template's sections leave out.
  static const std::regex blank_lines{"\n{3,}"};
  return wrap_text(std::regex_replace(*text, blank_lines, "\n\n"), 72);
}

// Records every name a template looks up that the data does not hold.
class RecordingContext : public kainjow::mustache::context<std::string> {
public:
  explicit RecordingContext(const data* root) : context(root) {}
  const data* get(const std::string& name) const override {
    const auto* found = context::get(name);
    if (!found)
      m_missing.insert(name);
    return found;
  }
  const data* get_partial(const std::string& name) const override {
    m_missing.insert("> " + name);
    return nullptr;
  }
  [[nodiscard]] const std::set<std::string>& missing() const { return m_missing; }

private:
  mutable std::set<std::string> m_missing;
};

// Sample decisions of `course` whose variables, together, enter every section of the
// shipped templates both ways: late (counted and not), on time, and clarifications with
// and without a resend.
std::vector<judge::Decision> sample_decisions(const rules::Course& course) {
  std::vector<judge::Decision> out;
  const auto* group = course.roster.empty() ? nullptr : &course.roster.front();
  for (const auto& deliverable : course.deliverables) {
    std::optional<rules::Date> lecture;
    if (deliverable.per_lecture) {
      if (course.lectures.empty())
        continue;
      lecture = course.lectures.front().date;
    }
    auto due = deadline::due_at(course, deliverable, lecture);
    if (!due)
      continue;
    for (const auto offset : {core::Seconds{-90}, core::Seconds{4000}}) {
      judge::Decision decision;
      decision.received_at = *due + offset;
      decision.facts.subject = deliverable.title;
      decision.facts.attachments.push_back(
          {"sample.pdf", "application/pdf", 1, std::string(64, '0'), "2", false, false, {}});
      decision.facts.links.push_back({"https://docs.google.com/x", message::LinkKind::google_docs});
      decision.classification.kind = decision.classification.deliverable.emplace(deliverable.name);
      decision.classification.lecture = lecture;
      decision.classification.group = group ? group->group : "1";
      decision.due = *due;
      decision.judgement = deadline::judge(*due, deliverable.grace, decision.received_at);
      decision.reply = decision.judgement->verdict == deadline::Verdict::late
                           ? ReplyKind::late_notice
                           : ReplyKind::receipt;
      out.push_back(decision);
      auto unclear = decision;
      unclear.classification.kind = "needs-review";
      unclear.classification.review_reasons.push_back("sample reason");
      unclear.reply = ReplyKind::clarify;
      out.push_back(unclear);
    }
  }
  judge::Decision bare;
  bare.reply = ReplyKind::clarify;
  out.push_back(bare);
  bare.classification.group = group ? group->group : "1";
  out.push_back(bare);
  return out;
}

} // namespace

std::string wrap_text(std::string_view text, std::size_t width) {
  // A continuation lines up with the text it continues: past a "- " bullet, or past the
  // label column of "  Verdict:  late by ...".
  static const std::regex hanging{R"(^( *(- |[A-Za-z][A-Za-z -]*:  +)?))"};
  std::string out;
  for (const auto& line : util::split(text, '\n')) {
    if (line.size() <= width) {
      out += line + "\n";
      continue;
    }
    std::smatch prefix;
    std::regex_search(line, prefix, hanging);
    const auto indent = static_cast<std::size_t>(prefix.length(0));
    const std::string pad(indent, ' ');
    std::string current = line.substr(0, indent);
    bool first_word = true;
    for (const auto& word : util::split(std::string_view(line).substr(indent), ' ')) {
      if (word.empty())
        continue;
      if (!first_word && current.size() + 1 + word.size() > width) {
        out += current + "\n";
        current = pad;
        first_word = true;
      }
      current += (first_word ? "" : " ") + word;
      first_word = false;
    }
    out += current + "\n";
  }
  // split() yields an empty last field after a final newline: keep the text's own end.
  out.pop_back();
  return out;
}

std::string subject_for(const judge::Decision& decision, const rules::Course& course) {
  const auto& c = decision.classification;
  const std::string group = c.group ? fmt::format(", Group {}", *c.group) : "";
  const auto tag = course_tag(course);
  switch (decision.reply) {
  case ReplyKind::receipt:
    return fmt::format("Receipt: {}{} {}", deliverable_label(decision, course), group, tag);
  case ReplyKind::late_notice:
    return fmt::format("Late: {}{} {}", deliverable_label(decision, course), group, tag);
  case ReplyKind::clarify:
    return fmt::format("Unclear: your mail \"{}\" {}",
                       decision.facts.subject.empty() ? "(no subject)" : decision.facts.subject,
                       tag);
  case ReplyKind::none:
    break;
  }
  return {};
}

namespace {
std::string mail_message(const Reply& reply, const ComposeOptions& options,
                         const std::string& in_reply_to,
                         const std::vector<std::string>& references_before);
} // namespace

core::Result<Reply> compose(const judge::Decision& decision, const rules::Course& course,
                            const Templates& templates, const ComposeOptions& options) {
  if (decision.reply == ReplyKind::none)
    return core::fail(decision.file, "no reply is due: " + decision.reply_reason);
  const auto& c = decision.classification;
  if (!c.student_email)
    return core::fail(decision.file, "the sender is not on the roster; no reply");
  const auto name = judge::to_string(decision.reply);
  const auto vars = variables(decision, course, options);
  auto text = render_text(templates, name, vars);
  if (!text)
    return std::unexpected(text.error());
  auto html = render(templates, name + ".html", vars);
  if (!html)
    return std::unexpected(html.error());
  Reply reply;
  reply.kind = name;
  reply.body = std::move(*text);
  reply.html = std::move(*html);
  reply.subject = subject_for(decision, course);
  // Replies go to roster addresses only: the address the mail came from as the roster
  // spells it, and the rest of the group; never Reply-To or an address in the body. A
  // clarification goes to its sender only: the rest of the group did not send it and
  // cannot say what it was.
  reply.to.push_back(*c.student_email);
  if (options.recipients == Recipients::sender_and_group && c.group &&
      decision.reply != ReplyKind::clarify)
    reply.cc = group_addresses(course, *c.group, *c.student_email);
  reply.message_id = fmt::format("<{}.{}@{}>", name, options.unique, options.message_id_domain);
  reply.message =
      mail_message(reply, options, decision.facts.message_id, decision.facts.references);
  return reply;
}

namespace {

// The whole RFC 5322 message of `reply`, in reply to `in_reply_to` (none when empty).
std::string mail_message(const Reply& reply, const ComposeOptions& options,
                         const std::string& in_reply_to,
                         const std::vector<std::string>& references_before) {
  Poco::Net::MailMessage message;
  set_head(message, {.from = options.from,
                     .to = reply.to,
                     .cc = reply.cc,
                     .subject = reply.subject,
                     .date = options.now,
                     .message_id = reply.message_id,
                     .in_reply_to = in_reply_to,
                     .references_before = references_before,
                     .reply_to = options.reply_to,
                     .auto_submitted = AutoSubmitted::replied,
                     .loop_domain = options.message_id_domain});
  // RFC 2046: the alternatives in increasing order of preference, the text first.
  message.setContentType("multipart/alternative");
  message.addContent(new Poco::Net::StringPartSource(reply.body, "text/plain; charset=UTF-8"),
                     Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  message.addContent(new Poco::Net::StringPartSource(reply.html, "text/html; charset=UTF-8"),
                     Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  std::ostringstream out;
  message.write(out);
  return out.str();
}

} // namespace

core::Result<Reply> compose_replaced(const judge::Decision& later, const Replacement& replacement,
                                     const rules::Course& course, const Templates& templates,
                                     const ComposeOptions& options) {
  auto vars = variables(later, course, options);
  vars.set("student_name",
           replacement.earlier_name.empty() ? std::string("there") : replacement.earlier_name);
  vars.set("replaced_by", replacement.later_from);
  vars.set("replaced_at", deadline::format_local(replacement.later_at, course.zone));
  auto text = render_text(templates, "replaced", vars);
  if (!text)
    return std::unexpected(text.error());
  auto html = render(templates, "replaced.html", vars);
  if (!html)
    return std::unexpected(html.error());
  const auto& c = later.classification;
  Reply reply;
  reply.kind = "replaced";
  reply.body = std::move(*text);
  reply.html = std::move(*html);
  reply.subject =
      fmt::format("Replaced: {}{} {}", deliverable_label(later, course),
                  c.group ? fmt::format(", Group {}", *c.group) : "", course_tag(course));
  reply.to.push_back(replacement.earlier_email);
  reply.message_id =
      fmt::format("<{}.{}@{}>", reply.kind, options.unique, options.message_id_domain);
  reply.message = mail_message(reply, options, replacement.earlier_message_id, {});
  return reply;
}

core::Problems check_template_syntax(const std::string& text, const std::string& where) {
  mustache view{text};
  if (!view.is_valid())
    return {{where, view.error_message(), "fix the template"}};
  return {};
}

core::Problems check_template(const std::string& name, const std::string& text,
                              const std::string& where, const rules::Course& course) {
  if (std::ranges::find(k_template_names, name) == k_template_names.end())
    return {{where, "not a template mailroom uses",
             "name it receipt, late-notice, clarify or replaced (.mustache for the text part, "
             ".html.mustache for the HTML part), or digest, reminder or report"}};
  mustache view{text};
  if (!view.is_valid())
    return {{where, view.error_message(), "fix the template"}};
  std::set<std::string> missing;
  ComposeOptions second_version;
  second_version.version = 2;
  for (const auto& decision : sample_decisions(course)) {
    const auto vars = variables(decision, course, second_version);
    RecordingContext context{&vars};
    (void)view.render(context);
    missing.insert(context.missing().begin(), context.missing().end());
  }
  core::Problems problems;
  for (const auto& unknown : missing)
    problems.push_back({where, fmt::format("unknown variable '{}'", unknown),
                        "use one of the variables the shipped templates use (README: Replies); "
                        "an unknown one would be left blank"});
  return problems;
}

} // namespace mailroom::reply
