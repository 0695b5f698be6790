#include "content/findings.hpp"

#include "content/reading.hpp"

namespace mailroom::content {

std::string to_string(Outcome outcome) {
  switch (outcome) {
  case Outcome::warning:
    return "warning";
  case Outcome::check_failed:
    return "check-failed";
  }
  return "warning";
}

Outcome outcome_from_string(const std::string& text) {
  return text == "check-failed" ? Outcome::check_failed : Outcome::warning;
}

std::string line_of(const Finding& finding) {
  return (finding.outcome == Outcome::warning ? "warning: " : "check failed: ") + finding.text;
}

std::string to_string(FileFormat format) {
  return format == FileFormat::pdf ? "pdf" : "zip";
}

} // namespace mailroom::content
