#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "judge/decision.hpp"
#include "rules/course.hpp"

#include <map>
#include <string>
#include <vector>

namespace mailroom::reply {

// The mustache texts by name: "receipt", "late-notice", "clarify". A rules folder
// may override any of them.
using Templates = std::map<std::string, std::string>;

enum class Recipients { sender_and_group, sender_only };

struct ComposeOptions {
  std::string from;     // the course address replies come from
  std::string reply_to; // staff
  std::string
      message_id_domain; // "mailroom.cse585-f25.invalid": mailroom's own, for the loop guard
  Recipients recipients = Recipients::sender_and_group;
  core::Instant now;  // the Date header
  std::string unique; // makes the Message-ID unique (e.g. the mail's sha256 + reply kind)
  int version = 1;    // which version of this deliverable this mail is
};

struct Reply {
  std::string kind; // "receipt", "late-notice", "clarify"
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::string subject;
  std::string message_id;
  std::string body;    // UTF-8 text, as rendered
  std::string message; // the whole RFC 5322 message, ready for SMTP
};

// "Receipt: slides for Tue Oct 7 (Group 3)", "Late: summary for Thu Nov 6 (Group 5)".
[[nodiscard]] std::string subject_for(const judge::Decision& decision, const rules::Course& course);

// The reply `decision` calls for, rendered from `templates`. A Problem when the
// decision calls for no reply, or a template is missing or broken.
[[nodiscard]] core::Result<Reply> compose(const judge::Decision& decision,
                                          const rules::Course& course, const Templates& templates,
                                          const ComposeOptions& options);

} // namespace mailroom::reply
