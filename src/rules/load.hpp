#pragma once

#include "core/problem.hpp"
#include "rules/course.hpp"

#include <string>
#include <string_view>

namespace mailroom::rules {

// A result that carries every problem found, not only the first (STYLE.md 7).
template <class T> using Checked = std::expected<T, core::Problems>;

// One file's text and the name to use for it in messages ("rules/cse585-f25/course.toml").
struct SourceText {
  std::string text;
  std::string origin;
};

// The three files of a rules folder, already read.
struct RulesText {
  SourceText course;      // course.toml
  SourceText roster;      // roster.csv
  SourceText assignments; // assignments.csv
};

// course.toml alone: unknown keys, wrong types, bad dates and times, an unknown
// zone, a lecture on a day without class, a bad due expression.
[[nodiscard]] Checked<Course> parse_course_file(const SourceText& course);

// roster.csv: header `group,name,uniqname,email`; every row has an email; one
// email belongs to one group only.
[[nodiscard]] Checked<std::vector<Student>> parse_roster(const SourceText& roster);

// assignments.csv: header `lecture,role,group`.
[[nodiscard]] Checked<std::vector<Assignment>> parse_assignments(const SourceText& assignments);

// staff.csv: header `name,addresses`, the addresses of one person separated by spaces
// or semicolons; every row has a name and an address; an address belongs to one person
// and to no student of `roster`.
[[nodiscard]] Checked<std::vector<StaffMember>> parse_staff(const SourceText& staff,
                                                            const std::vector<Student>& roster);

// All three files, then the checks across them: an assignment names a lecture that
// students present and a group on the roster.
[[nodiscard]] Checked<Course> parse_rules(const RulesText& rules);

// "24h", "90m", "1h30m", "2d", "45s", "0": elapsed time.
[[nodiscard]] std::optional<core::Seconds> parse_duration(std::string_view text);

// "08:00", "8:00 AM", "1:30 pm": a local time of day.
[[nodiscard]] std::optional<TimeOfDay> parse_time_of_day(std::string_view text);

// "class_start - 24h", "class_end + 24h", "2025-12-15 13:00", "2025-09-18".
[[nodiscard]] std::optional<DueRule> parse_due(std::string_view text);

} // namespace mailroom::rules
