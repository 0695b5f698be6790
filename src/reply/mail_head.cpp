#include "reply/mail_head.hpp"

#include <Poco/Net/MailRecipient.h>
#include <Poco/Timestamp.h>

#include <algorithm>

namespace mailroom::reply {

namespace {

// RFC 2047 for a header value that is not plain ASCII.
std::string encoded_header(const std::string& text) {
  const bool ascii = std::ranges::all_of(text, [](unsigned char ch) { return ch < 0x80; });
  return ascii ? text : Poco::Net::MailMessage::encodeWord(text, "UTF-8");
}

} // namespace

void set_head(Poco::Net::MailMessage& message, const MailHead& head) {
  message.setSender(head.from);
  for (const auto& to : head.to)
    message.addRecipient({Poco::Net::MailRecipient::PRIMARY_RECIPIENT, to});
  for (const auto& cc : head.cc)
    message.addRecipient({Poco::Net::MailRecipient::CC_RECIPIENT, cc});
  message.setSubject(encoded_header(head.subject));
  message.setDate(Poco::Timestamp::fromEpochTime(head.date.time_since_epoch().count()));
  message.set("Message-ID", head.message_id);
  if (!head.in_reply_to.empty()) {
    message.set("In-Reply-To", head.in_reply_to);
    std::string references;
    for (const auto& id : head.references_before)
      references += id + " ";
    message.set("References", references + head.in_reply_to);
  }
  if (!head.reply_to.empty())
    message.set("Reply-To", head.reply_to);
  // RFC 3834: an automatic mail says so, and the loop guard recognises its own.
  message.set("Auto-Submitted",
              head.auto_submitted == AutoSubmitted::replied ? "auto-replied" : "auto-generated");
  message.set("X-Mailroom-Loop", head.loop_domain);
  message.set("X-Auto-Response-Suppress", "All");
  message.set("MIME-Version", "1.0");
}

} // namespace mailroom::reply
