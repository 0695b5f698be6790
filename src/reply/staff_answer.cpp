#include "reply/staff_answer.hpp"

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/Timestamp.h>
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace mailroom::reply {

namespace {

// RFC 2047 for a header value that is not plain ASCII.
std::string encoded_header(const std::string& text) {
  const bool ascii = std::ranges::all_of(text, [](unsigned char ch) { return ch < 0x80; });
  return ascii ? text : Poco::Net::MailMessage::encodeWord(text, "UTF-8");
}

} // namespace

StaffAnswerMail compose_staff_answer(const message::MessageFacts& command_mail,
                                     const std::string& to, const std::string& text,
                                     const std::optional<AnswerFile>& file,
                                     const std::string& unique, const StaffAnswerOptions& options) {
  StaffAnswerMail answer;
  answer.message_id = fmt::format("<staff-answer.{}@{}>", unique, options.message_id_domain);
  Poco::Net::MailMessage message;
  message.setSender(options.from);
  message.addRecipient({Poco::Net::MailRecipient::PRIMARY_RECIPIENT, to});
  const std::string subject = command_mail.subject.empty() ? "your command" : command_mail.subject;
  message.setSubject(encoded_header("Re: " + subject));
  message.setDate(Poco::Timestamp::fromEpochTime(options.now.time_since_epoch().count()));
  message.set("Message-ID", answer.message_id);
  if (!command_mail.message_id.empty()) {
    message.set("In-Reply-To", command_mail.message_id);
    std::string references;
    for (const auto& id : command_mail.references)
      references += id + " ";
    message.set("References", references + command_mail.message_id);
  }
  // RFC 3834: an automatic reply says so, and the loop guard recognises its own.
  message.set("Auto-Submitted", "auto-replied");
  message.set("X-Mailroom-Loop", options.message_id_domain);
  message.set("X-Auto-Response-Suppress", "All");
  message.set("MIME-Version", "1.0");
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
