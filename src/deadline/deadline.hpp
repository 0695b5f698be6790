#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "rules/course.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mailroom::deadline {

// One thing owed: a deliverable, for a lecture where it applies, by a group (none
// while staff have not assigned it yet), due at an instant.
struct Instance {
  std::string deliverable;
  std::optional<rules::Date> lecture;
  std::optional<std::string> group;
  core::Instant due;
  core::Seconds grace{0};
};

// The instant a local wall-clock time on `date` names in the course's zone. A time
// that does not exist (spring-forward gap) maps to the instant after the gap.
[[nodiscard]] core::Result<core::Instant>
local_instant(const rules::Course& course, rules::Date date, std::chrono::seconds time_of_day);

// When `deliverable` is due for `lecture` (required when it is per lecture).
// Offsets are elapsed time: "class_start - 24h" across a DST change is not the same
// wall-clock time the day before.
[[nodiscard]] core::Result<core::Instant> due_at(const rules::Course& course,
                                                 const rules::Deliverable& deliverable,
                                                 std::optional<rules::Date> lecture);

// Every instance the rules and assignments imply, sorted by due time, then deliverable,
// lecture and group.
[[nodiscard]] std::vector<Instance> instances(const rules::Course& course);

enum class Verdict { on_time, late };

struct Judgement {
  core::Instant due;
  Verdict verdict = Verdict::on_time;
  core::Seconds late_by{0}; // 0 when on time; past due + grace otherwise
};

// Deadlines are inclusive: a mail received at exactly due + grace is on time.
[[nodiscard]] Judgement judge(core::Instant due, core::Seconds grace, core::Instant received_at);

[[nodiscard]] std::string to_string(Verdict verdict);

// How finely a time is shown to people: to the minute, or to the second where a margin
// under an hour would otherwise show the same minute twice.
enum class Precision { minutes, seconds };

// "Mon Nov 3, 10:30 AM EST" ("Mon Nov 3, 10:30:00 AM EST" to the second): for people, in
// the course's zone with its abbreviation.
[[nodiscard]] std::string format_local(core::Instant instant, const std::string& zone,
                                       Precision precision = Precision::minutes);
// "2025-11-03T10:30:00-05:00": the same instant as ISO 8601 local time with offset.
[[nodiscard]] std::string format_local_iso(core::Instant instant, const std::string& zone);
// "Tue Oct 7": a lecture's day as students know it.
[[nodiscard]] std::string format_day(rules::Date date);
// "1 h 12 min", "3 days 2 h", "45 s".
[[nodiscard]] std::string format_duration(core::Seconds duration);
// The same in words, for mail to students: "1 second", "3 minutes 20 seconds",
// "2 hours 5 minutes", "24 hours", "3 days 2 hours" (under 48 hours stays in hours, as
// course pages write "24 hours"). Seconds are dropped from an hour on, minutes from 48 h.
[[nodiscard]] std::string plain_duration(core::Seconds duration);

// "15-minute grace period", "1-hour grace period".
[[nodiscard]] std::string grace_period_name(core::Seconds grace);

// The deadline rule of `deliverable` in one sentence with this instance's numbers, in the
// course's zone: "Presentation slides are due 24 hours before the class your group
// presents: class Tue Nov 4, 10:30 AM EST, so due Mon Nov 3, 10:30 AM EST." A grace
// period is stated after it. `lecture` is required when the rule is anchored on a class.
[[nodiscard]] core::Result<std::string> describe_rule(const rules::Course& course,
                                                      const rules::Deliverable& deliverable,
                                                      std::optional<rules::Date> lecture);

} // namespace mailroom::deadline
