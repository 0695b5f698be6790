#pragma once

#include "rules/course.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::classify {

// A calendar date written in text: "Oct 7", "October 7th", "7 Oct", "10/7",
// "10/7/25", "2025-10-07", "Oct7" (in file names). The year is `year` unless written.
struct DateMention {
  rules::Date date;
  std::string as_written;
};
[[nodiscard]] std::vector<DateMention> find_dates(std::string_view text, int year);

// A weekday named in text: "Thursday", "Thu", "Tuesday's".
struct WeekdayMention {
  std::chrono::weekday day;
  std::string as_written;
};
[[nodiscard]] std::vector<WeekdayMention> find_weekdays(std::string_view text);

// Whether `phrase` occurs in `text` as whole words, ignoring case; `_`, `-` and `.`
// count as word breaks so that file names match too.
[[nodiscard]] bool has_phrase(std::string_view text, std::string_view phrase);

// The subject without "Re:", "Fwd:", "FW:", "AW:" and "[tag]" prefixes.
[[nodiscard]] std::string strip_reply_prefixes(std::string_view subject);

// The body without quoted lines ("> ..."), attribution lines ("On ... wrote:") and
// the header block of a forwarded message, whose dates are not the student's words.
[[nodiscard]] std::string own_words(std::string_view body);

// The short name of a paper title: "DistServe" from "DistServe: Disaggregating
// Prefill ...". Empty when the title has no distinctive short name.
[[nodiscard]] std::string short_title(std::string_view title);

} // namespace mailroom::classify
