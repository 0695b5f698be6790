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

  [[nodiscard]] bool is_deliverable() const {
    return kind != k_not_a_submission && kind != k_needs_review && kind != k_unknown_sender &&
           kind != k_staff_command;
  }
};

} // namespace mailroom::classify
