#pragma once

#include "core/instant.hpp"
#include "message/facts.hpp"

#include <optional>
#include <string>

namespace mailroom::reply {

// A file sent back with an answer to staff (the ledger's CSV, the term's HTML page).
struct AnswerFile {
  std::string name;         // "ledger.csv"
  std::string content_type; // "text/csv; charset=UTF-8"
  std::string bytes;
};

struct StaffAnswerOptions {
  std::string from;              // the course address
  std::string message_id_domain; // mailroom's own, for the loop guard
  core::Instant now;             // the Date header
};

// The answer to a staff command mail, to `to` alone: "Re: " and the command mail's
// subject, In-Reply-To and References, Auto-Submitted, the loop guard's marker, `text`
// as its text part and `file` attached. Its Message-ID is <staff-answer.UNIQUE@DOMAIN>
// with `unique` naming the command mail. Pure.
struct StaffAnswerMail {
  std::string message_id;
  std::string message; // RFC 5322, CRLF
};
[[nodiscard]] StaffAnswerMail compose_staff_answer(const message::MessageFacts& command_mail,
                                                   const std::string& to, const std::string& text,
                                                   const std::optional<AnswerFile>& file,
                                                   const std::string& unique,
                                                   const StaffAnswerOptions& options);

} // namespace mailroom::reply
