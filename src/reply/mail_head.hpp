#pragma once

#include "core/instant.hpp"

#include <Poco/Net/MailMessage.h>

#include <string>
#include <vector>

namespace mailroom::reply {

// RFC 3834's Auto-Submitted: an answer to a mail, or a mail mailroom sends on its own.
enum class AutoSubmitted { replied, generated };

// The header fields of every mail mailroom writes: replies, answers to staff, digests and
// reminders. Each member has its `{}` so that a designated initializer may leave it out
// (g++ 12 warns of a member left out without one).
struct MailHead {
  std::string from{};
  std::vector<std::string> to{};
  std::vector<std::string> cc{};
  std::string subject{}; // as people read it: RFC 2047-encoded here when it is not ASCII
  core::Instant date{};
  std::string message_id{};
  std::string in_reply_to{};                    // empty: not an answer to a mail
  std::vector<std::string> references_before{}; // the References of the mail answered
  std::string reply_to{};                       // empty: none
  AutoSubmitted auto_submitted = AutoSubmitted::replied;
  std::string loop_domain{}; // mailroom's own, which the loop guard recognises
};

// Sets `head` on `message`, then MIME-Version: 1.0; the body is the caller's.
void set_head(Poco::Net::MailMessage& message, const MailHead& head);

} // namespace mailroom::reply
