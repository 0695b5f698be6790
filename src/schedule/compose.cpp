#include "schedule/compose.hpp"

#include "deadline/deadline.hpp"
#include "reply/compose.hpp"
#include "reply/mail_head.hpp"

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/StringPartSource.h>
#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include <cctype>
#include <sstream>

namespace mailroom::schedule {

namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

} // namespace

std::string scheduled_message_id(const std::string& key, const std::string& domain) {
  std::string local = key;
  for (char& c : local)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      c = '.';
  return fmt::format("<{}@{}>", local, domain);
}

std::string scheduled_message(const SendAs& as, const std::vector<std::string>& to,
                              const std::string& subject, const std::string& message_id,
                              const std::string& body, const std::vector<Attachment>& attachments) {
  Poco::Net::MailMessage message;
  reply::set_head(message, {.from = as.from,
                            .to = to,
                            .subject = subject,
                            .date = as.now,
                            .message_id = message_id,
                            .reply_to = as.reply_to,
                            .auto_submitted = reply::AutoSubmitted::generated,
                            .loop_domain = as.message_id_domain});
  if (attachments.empty()) {
    message.setContentType("text/plain; charset=UTF-8");
    message.setContent(body, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  } else {
    message.addContent(new Poco::Net::StringPartSource(body, "text/plain; charset=UTF-8"),
                       Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
    for (const auto& attachment : attachments)
      message.addAttachment(attachment.name,
                            new Poco::Net::StringPartSource(
                                attachment.bytes, attachment.content_type, attachment.name),
                            Poco::Net::MailMessage::ENCODING_BASE64);
  }
  std::ostringstream out;
  message.write(out);
  return out.str();
}

core::Result<pipeline::ScheduledMail> reminder_mail(const rules::Course& course,
                                                    const ReminderDue& due,
                                                    const std::string& template_text,
                                                    const SendAs& as, int max_per_day) {
  const auto& instance = due.instance;
  const auto& deliverable = *due.deliverable;
  const std::string title = deliverable.title.empty() ? deliverable.name : deliverable.title;
  const std::string lecture = instance.lecture ? deadline::format_day(*instance.lecture) : "";
  const std::string due_local = deadline::format_local(instance.due, course.zone);
  data vars;
  vars.set("student_name", due.member->name);
  vars.set("group", *instance.group);
  vars.set("deliverable_title", title);
  vars.set("lecture", lecture.empty() ? data(false) : data(lecture));
  vars.set("due", due_local);
  vars.set("left", deadline::plain_duration(
                       std::chrono::duration_cast<core::Seconds>(instance.due - as.now)));
  if (auto rule = deadline::describe_rule(course, deliverable, instance.lecture))
    vars.set("rule", *rule);
  else
    vars.set("rule", data(false));
  vars.set("file_types",
           deliverable.file_types.empty() ? data(false) : data(joined(deliverable.file_types)));
  vars.set("link_kinds",
           deliverable.link_kinds.empty() ? data(false) : data(joined(deliverable.link_kinds)));
  vars.set("staff_address", course.staff_address);
  vars.set("course_name", course.name);
  vars.set("term", course.term);
  mustache view{template_text};
  if (!view.is_valid())
    return core::fail("reminder.mustache", view.error_message(), "fix the template");
  const std::string body = reply::wrap_text(view.render(vars), 72);

  pipeline::ScheduledMail mail;
  mail.key = due.key;
  mail.kind = pipeline::ScheduledKind::reminder;
  mail.deliverable = instance.deliverable;
  if (instance.lecture)
    mail.lecture = rules::iso_date(*instance.lecture);
  mail.group = instance.group;
  mail.recipient_identity = due.member->uniqname;
  mail.planned_for = instance.due - *deliverable.remind;
  mail.subject = fmt::format("Reminder: {}{} due {}, Group {} ({}, {})", title,
                             lecture.empty() ? "" : " for " + lecture, due_local, *instance.group,
                             course.name, course.term);
  auto& reply = mail.reply;
  reply.kind = "reminder";
  reply.identity = due.member->uniqname;
  reply.recipients = {due.member->email};
  reply.message_id = scheduled_message_id(due.key, as.message_id_domain);
  reply.max_per_day = max_per_day;
  reply.message = scheduled_message(as, reply.recipients, mail.subject, reply.message_id, body);
  mail.text = body;
  return mail;
}

} // namespace mailroom::schedule
