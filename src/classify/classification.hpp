#pragma once

#include "rules/course.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mailroom::classify {

// The kinds that are not a deliverable.
inline constexpr const char* k_not_a_submission = "not-a-submission";
inline constexpr const char* k_needs_review = "needs-review";
inline constexpr const char* k_unknown_sender = "unknown-sender";
// A staff command by mail (pipeline/staff_commands.hpp): carried out or refused, never judged.
inline constexpr const char* k_staff_command = "staff-command";

// What a mail is, with the evidence. `kind` is a deliverable name ("slides") or one
// of the three kinds above. When it is needs-review, `deliverable`, `lecture` and
// `group` still carry the best guess, for staff.
struct Classification {
  std::string kind;
  std::optional<std::string> deliverable;
  std::optional<rules::Date> lecture;
  std::optional<std::string> group;
  double confidence = 0;
  std::vector<std::string> signals;         // what decided it, in words
  std::vector<std::string> review_reasons;  // why a person must look (needs-review)
  std::optional<std::string> student_email; // the roster address the mail came from
  std::optional<std::string> student_name;
  // The rule that decided the kind, for staff and the tests that count them:
  // "lecture-named", "schedule-guess", "unmatched-day", "question-with-link", ...
  std::string rule;
  // Where the lecture came from: "the mail's words", "the schedule's guess", or empty
  // when the deliverable has no lecture.
  std::string lecture_from;
  // A reply to mailroom's own receipt that carries new work: a new version that
  // replaces the one recorded before.
  bool replaces_earlier = false;
  // A question for staff (needs-review): a clarification would not answer it.
  bool staff_answers = false;

  [[nodiscard]] bool is_deliverable() const {
    return kind != k_not_a_submission && kind != k_needs_review && kind != k_unknown_sender &&
           kind != k_staff_command;
  }
};

} // namespace mailroom::classify
