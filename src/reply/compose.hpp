#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "judge/decision.hpp"
#include "rules/course.hpp"

#include <array>
#include <map>
#include <string>
#include <vector>

namespace mailroom::reply {

// The mustache texts by name: "receipt", "late-notice", "clarify" for the text part, and
// the same names with ".html" for the HTML alternative. A rules folder may override any
// of them (templates/NAME.mustache).
using Templates = std::map<std::string, std::string>;

// Every template name a reply may use, as its file is named without ".mustache".
inline constexpr std::array<const char*, 8> k_template_names{
    "receipt",      "late-notice",      "clarify",      "replaced",
    "receipt.html", "late-notice.html", "clarify.html", "replaced.html"};

enum class Recipients { sender_and_group, sender_only };

// A version that replaced the one that counted, sent from another address: what its
// earlier sender is told (the "replaced" note), so that a forgery cannot silently replace
// real work.
struct Replacement {
  std::string earlier_email;      // the earlier version's sender, as the roster spells it
  std::string earlier_name;       // that student's name
  std::string earlier_message_id; // the earlier mail's Message-ID: the note threads under it
  std::string later_from;         // the later version's From address, as it came
  core::Instant later_at;         // when the later version arrived
};

struct ComposeOptions {
  std::string from;     // the desk's From field (reply/desk.hpp)
  std::string reply_to; // the desk's bare address; also the body's "reply to"
  std::string
      message_id_domain; // "mailroom.cse585-f25.umich.edu": mailroom's own, for the loop guard
  Recipients recipients = Recipients::sender_and_group;
  core::Instant now;  // the Date header
  std::string unique; // makes the Message-ID unique (e.g. the mail's sha256 + reply kind)
  int version = 1;    // which version of this deliverable this mail is
};

struct Reply {
  std::string kind; // "receipt", "late-notice", "clarify", "replaced"
  // Whom compose chose: the sender, and for receipts and late notices the group (when
  // the options ask for it). A clarification goes to its sender only.
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::string subject;
  std::string message_id;
  std::string body;    // the text part, UTF-8, wrapped at 72 columns
  std::string html;    // the HTML alternative, with everything from mail escaped
  std::string message; // the whole RFC 5322 message (multipart/alternative), ready for SMTP
};

// "Receipt: presentation slides for Tue Oct 7, Group 3 (CSE 585, Fall 2025)",
// "Late: final report, Group 1 (CSE 585, Fall 2025)": names for people, and the course.
[[nodiscard]] std::string subject_for(const judge::Decision& decision, const rules::Course& course);

// The reply `decision` calls for, rendered from `templates`. A Problem when the
// decision calls for no reply, or a template is missing or broken.
[[nodiscard]] core::Result<Reply> compose(const judge::Decision& decision,
                                          const rules::Course& course, const Templates& templates,
                                          const ComposeOptions& options);

// The "replaced" note about `later` (a judged version of an instance) to the sender of the
// version it replaced, `replacement.earlier_email` alone. A Problem when a template is
// missing or broken.
[[nodiscard]] core::Result<Reply> compose_replaced(const judge::Decision& later,
                                                   const Replacement& replacement,
                                                   const rules::Course& course,
                                                   const Templates& templates,
                                                   const ComposeOptions& options);

// Every problem of one template (`name` as in k_template_names, `where` its file): a name
// that is not a template, text that does not parse, a variable or partial no reply
// defines (it would render as a blank). Checked by rendering it against sample replies
// of `course` that enter every section.
[[nodiscard]] core::Problems check_template(const std::string& name, const std::string& text,
                                            const std::string& where, const rules::Course& course);

// The problem of a template that does not parse as mustache, if any (`where` its file):
// for the templates other stages render (the digest, reminders, the term's page), whose
// variables are their own.
[[nodiscard]] core::Problems check_template_syntax(const std::string& text,
                                                   const std::string& where);

// `text` with every line longer than `width` broken at spaces; a continuation keeps the
// line's indentation (past a "- " bullet). Words longer than the width (links) stay whole.
[[nodiscard]] std::string wrap_text(std::string_view text, std::size_t width);

} // namespace mailroom::reply
