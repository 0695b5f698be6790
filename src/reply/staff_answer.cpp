#include "reply/staff_answer.hpp"

#include "reply/mail_head.hpp"

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/StringPartSource.h>
#include <fmt/format.h>

#include <sstream>

namespace mailroom::reply {

StaffAnswerMail compose_staff_answer(const message::MessageFacts& command_mail,
                                     const std::string& to, const std::string& text,
                                     const std::optional<AnswerFile>& file,
                                     const std::string& unique, const StaffAnswerOptions& options) {
  StaffAnswerMail answer;
  answer.message_id = fmt::format("<staff-answer.{}@{}>", unique, options.message_id_domain);
  const std::string subject = command_mail.subject.empty() ? "your command" : command_mail.subject;
  Poco::Net::MailMessage message;
  set_head(message, {.from = options.from,
                     .to = {to},
                     .subject = "Re: " + subject,
                     .date = options.now,
                     .message_id = answer.message_id,
                     .in_reply_to = command_mail.message_id,
                     .references_before = command_mail.references,
                     .auto_submitted = AutoSubmitted::replied,
                     .loop_domain = options.message_id_domain});
  if (file) {
    message.setContentType("multipart/mixed");
    message.addContent(new Poco::Net::StringPartSource(text, "text/plain; charset=UTF-8"),
                       Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
    message.addAttachment(
        file->name, new Poco::Net::StringPartSource(file->bytes, file->content_type, file->name),
        Poco::Net::MailMessage::ENCODING_BASE64);
  } else {
    message.setContentType("text/plain; charset=UTF-8");
    message.setContent(text, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  }
  std::ostringstream out;
  message.write(out);
  answer.message = out.str();
  return answer;
}

} // namespace mailroom::reply
