#pragma once

#include "core/problem.hpp"
#include "pipeline/scheduled.hpp"
#include "rules/course.hpp"
#include "schedule/plan.hpp"

#include <string>
#include <vector>

namespace mailroom::schedule {

// Who a scheduled mail is from and when it is written.
struct SendAs {
  std::string from;              // the course address replies come from
  std::string reply_to;          // staff
  std::string message_id_domain; // mailroom's own ("mailroom.cse585-f25.invalid")
  core::Instant now;             // the Date header
};

struct Attachment {
  std::string name; // "ledger.csv"
  std::string content_type;
  std::string bytes;
};

// One RFC 5322 message (CRLF): a UTF-8 text part and `attachments`, marked
// Auto-Submitted: auto-generated (RFC 3834: mailroom's own, not an answer to a mail) and
// with mailroom's loop header, so mailroom never answers its own digest or reminder.
[[nodiscard]] std::string scheduled_message(const SendAs& as, const std::vector<std::string>& to,
                                            const std::string& subject,
                                            const std::string& message_id, const std::string& body,
                                            const std::vector<Attachment>& attachments = {});

// A Message-ID that names `key` in mailroom's domain: "<reminder.slides.2025-10-07.3.ada@…>".
[[nodiscard]] std::string scheduled_message_id(const std::string& key, const std::string& domain);

// The reminder `due` calls for, rendered from `template_text` (kainjow mustache, text):
// to the member's roster address, with the group's own due time in course time, the
// deadline rule and what to send (file types, links). Its outbox row counts against the
// member's reply cap `max_per_day`. A Problem when the template does not parse.
[[nodiscard]] core::Result<pipeline::ScheduledMail>
reminder_mail(const rules::Course& course, const ReminderDue& due, const std::string& template_text,
              const SendAs& as, int max_per_day);

} // namespace mailroom::schedule
