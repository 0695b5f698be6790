#pragma once

#include <string>
#include <vector>

// What the content checks found in one submission: plain warnings for the student and
// staff. A finding never changes a verdict.
namespace mailroom::content {

enum class Outcome {
  warning,      // the submission misses something the rules ask for
  check_failed, // a check could not run to its end (the reader timed out or crashed)
};

struct Finding {
  std::string check; // "max_pages", "git_link", "zip_with_readme", "empty_file", ...
  Outcome outcome = Outcome::warning;
  // For people, saying what to do: "report.pdf has 10 pages; the limit is 8: send a
  // shorter version before the deadline".
  std::string text;

  bool operator==(const Finding&) const = default;
};

[[nodiscard]] std::string to_string(Outcome outcome);
// "warning" -> Outcome::warning, "check-failed" -> check_failed; anything else a warning.
[[nodiscard]] Outcome outcome_from_string(const std::string& text);

// "warning: ..." / "check failed: ...": one finding as one line for people.
[[nodiscard]] std::string line_of(const Finding& finding);

} // namespace mailroom::content
