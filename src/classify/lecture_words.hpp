#pragma once

#include "core/instant.hpp"
#include "rules/course.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

// Which lecture a mail's own words name: dates, relative days ("in class yesterday"),
// week numbers, paper titles and their distinctive words, and the schedule's topics,
// each a signal with a weight. Weekdays are kept apart: they name a lecture only
// together with the arrival time and the deliverable.
namespace mailroom::classify {

// One piece of text to read, and how much its words count: a subject is what students
// are told to write, a file name is chosen, a body chats.
struct Passage {
  std::string where; // "subject", "file name slides.pdf", "body"
  std::string text;
  double weight = 1.0;
};

struct LectureWords {
  // Student-presented lectures the words name, with the summed weight of the signals.
  std::map<rules::Date, double> weight;
  // The lectures named by a date written in the mail (the strongest kind of signal).
  std::vector<rules::Date> by_date;
  // The lectures named by more than a body's passing word for a topic or a week of the
  // term that several lectures share.
  std::vector<rules::Date> specific;
  // Days named that are no student lecture, in words for staff and the student:
  // "the subject names Oct 22 (\"Oct 22\"): no class that day (Mid-Semester Presentations)".
  std::vector<std::string> unmatched;
  bool unmatched_in_subject_or_file = false;
  std::vector<std::chrono::weekday> weekdays;
  std::vector<std::string> signals; // each with its weight
};

// Reads `passages` for lectures of `course`; `received_at` resolves "yesterday",
// "last class" and the like.
[[nodiscard]] LectureWords find_lecture_words(const rules::Course& course,
                                              const std::vector<Passage>& passages,
                                              core::Instant received_at);

// The local date on which `at` falls in the course's zone.
[[nodiscard]] rules::Date local_date(const rules::Course& course, core::Instant at);

} // namespace mailroom::classify
