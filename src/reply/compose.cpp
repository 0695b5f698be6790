#include "reply/compose.hpp"

#include "deadline/deadline.hpp"
#include "util/text.hpp"

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Timestamp.h>
#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include <sstream>

namespace mailroom::reply {

namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;
using pipeline::ReplyKind;

std::string kind_name(ReplyKind kind) {
  return pipeline::to_string(kind);
}

std::string deliverable_label(const pipeline::Decision& decision, const rules::Course& course) {
  const auto& c = decision.classification;
  std::string label = c.deliverable.value_or("submission");
  if (c.lecture)
    label += " for " + deadline::format_day(*c.lecture);
  else if (const auto* deliverable = c.deliverable ? course.deliverable(*c.deliverable) : nullptr;
           deliverable && deliverable->due.date)
    label += " due " + deadline::format_day(*deliverable->due.date);
  return label;
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

data variables(const pipeline::Decision& decision, const rules::Course& course,
               const ComposeOptions& options) {
  const auto& c = decision.classification;
  const auto* deliverable = c.deliverable ? course.deliverable(*c.deliverable) : nullptr;
  data vars;
  vars.set("student_name", c.student_name.value_or("there"));
  vars.set("group", c.group.value_or("?"));
  vars.set("course_name", course.name);
  vars.set("staff_address", course.staff_address);
  vars.set("subject", decision.facts.subject);
  vars.set("deliverable", c.deliverable.value_or(""));
  vars.set("deliverable_title", deliverable ? util::lower(deliverable->title) : "submission");
  if (c.lecture) {
    vars.set("lecture", deadline::format_day(*c.lecture));
    if (const auto* lecture = course.lecture(*c.lecture); lecture && !lecture->topic.empty())
      vars.set("topic", lecture->topic);
  } else {
    vars.set("lecture", data{false});
  }
  vars.set("received", deadline::format_local(decision.received_at, course.zone));
  if (decision.due)
    vars.set("due", deadline::format_local(*decision.due, course.zone));
  if (decision.judgement) {
    const auto margin = decision.judgement->verdict == deadline::Verdict::late
                            ? decision.judgement->late_by
                            : *decision.due - decision.received_at;
    vars.set("margin", deadline::format_duration(margin));
  }
  if (options.version > 1)
    vars.set("version_note", fmt::format("version {}; every version is kept", options.version));
  auto files = file_list(decision.facts);
  auto links = link_list(decision.facts);
  vars.set("has_files", data{!files.is_empty_list()});
  vars.set("files", files);
  vars.set("has_links", data{!links.is_empty_list()});
  vars.set("links", links);
  vars.set("has_warnings", data{false});
  vars.set("warnings", data{data::type::list});
  vars.set("not_counted",
           data{deliverable && deliverable->late_policy == rules::LatePolicy::not_counted});
  vars.set("late_note", deliverable ? deliverable->late_note : "");
  std::vector<std::string> reasons = c.review_reasons;
  if (reasons.empty())
    reasons.push_back("nothing in it says which deliverable and lecture it is for");
  vars.set("reasons", strings(reasons));
  vars.set("example_subject",
           fmt::format("{} for {} (Group {})", c.deliverable.value_or("slides"),
                       c.lecture ? deadline::format_day(*c.lecture) : "Tue Oct 7",
                       c.group.value_or("N")));
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

// RFC 2047 for a header value that is not plain ASCII.
std::string header_text(const std::string& text) {
  const bool ascii = std::ranges::all_of(text, [](unsigned char ch) { return ch < 0x80; });
  return ascii ? text : Poco::Net::MailMessage::encodeWord(text, "UTF-8");
}

} // namespace

std::string subject_for(const pipeline::Decision& decision, const rules::Course& course) {
  const auto& c = decision.classification;
  const std::string group = c.group ? fmt::format(" (Group {})", *c.group) : "";
  switch (decision.reply) {
  case ReplyKind::receipt:
    return fmt::format("Receipt: {}{}", deliverable_label(decision, course), group);
  case ReplyKind::late_notice:
    return fmt::format("Late: {}{}", deliverable_label(decision, course), group);
  case ReplyKind::clarify:
    return fmt::format("Unclear: please resend \"{}\"",
                       decision.facts.subject.empty() ? "(no subject)" : decision.facts.subject);
  case ReplyKind::none:
    break;
  }
  return {};
}

core::Result<Reply> compose(const pipeline::Decision& decision, const rules::Course& course,
                            const Templates& templates, const ComposeOptions& options) {
  if (decision.reply == ReplyKind::none)
    return core::fail(decision.file, "no reply is due: " + decision.reply_reason);
  const auto& c = decision.classification;
  if (!c.student_email)
    return core::fail(decision.file, "the sender is not on the roster; no reply");
  const auto name = kind_name(decision.reply);
  const auto found = templates.find(name);
  if (found == templates.end())
    return core::fail(name + ".mustache", "template missing",
                      "add templates/" + name + ".mustache");
  mustache view{found->second};
  if (!view.is_valid())
    return core::fail(name + ".mustache", view.error_message(), "fix the template");
  Reply reply;
  reply.kind = name;
  reply.body = view.render(variables(decision, course, options));
  reply.subject = subject_for(decision, course);
  // Replies go to roster addresses only: the address the mail came from as the roster
  // spells it, and the rest of the group; never Reply-To or an address in the body.
  reply.to.push_back(*c.student_email);
  if (options.recipients == Recipients::sender_and_group && c.group)
    reply.cc = group_addresses(course, *c.group, *c.student_email);
  reply.message_id = fmt::format("<{}.{}@{}>", name, options.unique, options.message_id_domain);

  Poco::Net::MailMessage message;
  message.setSender(options.from);
  for (const auto& to : reply.to)
    message.addRecipient({Poco::Net::MailRecipient::PRIMARY_RECIPIENT, to});
  for (const auto& cc : reply.cc)
    message.addRecipient({Poco::Net::MailRecipient::CC_RECIPIENT, cc});
  message.setSubject(header_text(reply.subject));
  message.setDate(Poco::Timestamp::fromEpochTime(options.now.time_since_epoch().count()));
  message.set("Message-ID", reply.message_id);
  if (!decision.facts.message_id.empty()) {
    message.set("In-Reply-To", decision.facts.message_id);
    std::string references;
    for (const auto& id : decision.facts.references)
      references += id + " ";
    message.set("References", references + decision.facts.message_id);
  }
  if (!options.reply_to.empty())
    message.set("Reply-To", options.reply_to);
  // RFC 3834: an automatic reply says so, and the loop guard recognises its own.
  message.set("Auto-Submitted", "auto-replied");
  message.set("X-Mailroom-Loop", options.message_id_domain);
  message.set("X-Auto-Response-Suppress", "All");
  message.set("MIME-Version", "1.0");
  message.setContentType("text/plain; charset=UTF-8");
  message.setContent(reply.body, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  std::ostringstream out;
  message.write(out);
  reply.message = out.str();
  return reply;
}

} // namespace mailroom::reply
