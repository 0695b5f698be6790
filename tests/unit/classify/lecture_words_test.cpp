#include "classify/lecture_words.hpp"
#include "core/instant.hpp"
#include "rules/course.hpp"
#include "support/files.hpp"
#include "util/text.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using namespace mailroom;

namespace {

rules::Course course_file(const std::string& id) {
  const auto path = test::source_dir() / "rules" / id / "course.toml";
  auto course = rules::parse_course_file({test::read_text(path), path.string()});
  if (!course) {
    ADD_FAILURE() << course.error().front().to_string();
    return {};
  }
  return *course;
}

// The lecture with the most weight, and whether it leads every other.
std::optional<rules::Date> strongest(const classify::LectureWords& words) {
  if (words.weight.empty())
    return std::nullopt;
  const auto best =
      std::ranges::max_element(words.weight, {}, [](const auto& entry) { return entry.second; });
  const auto ties = std::ranges::count_if(
      words.weight, [&](const auto& entry) { return entry.second == best->second; });
  return ties == 1 ? std::optional{best->first} : std::nullopt;
}

bool holds_topic(const rules::Lecture& lecture, const std::string& topic) {
  return util::lower(lecture.topic) == util::lower(topic) ||
         util::lower(lecture.section) == util::lower(topic);
}

const auto k_arrival = *core::parse_iso("2025-01-01T12:00:00Z");

} // namespace

// Every reading of every student lecture, of both course files, written in a subject the
// way students write it, names that lecture and no other as strongly.
TEST(LectureWords, EveryReadingTitleNamesItsLecture) {
  for (const auto* id : {"cse585-f25", "cse585-f24"}) {
    const auto course = course_file(id);
    for (const auto& lecture : course.lectures) {
      if (!lecture.students_present)
        continue;
      for (const auto& reading : lecture.readings) {
        SCOPED_TRACE(std::string(id) + " " + rules::iso_date(lecture.date) + " " + reading);
        const auto words = classify::find_lecture_words(
            course, {{"subject", "Slides - " + reading, 1.0}}, k_arrival);
        EXPECT_EQ(strongest(words), std::optional{lecture.date});
      }
    }
  }
}

// Every topic and section of both course files names its lectures and only them; a topic
// shared by several lectures names each of them with less weight than a date would.
TEST(LectureWords, EveryTopicNamesItsLecturesOnly) {
  for (const auto* id : {"cse585-f25", "cse585-f24"}) {
    const auto course = course_file(id);
    for (const auto& lecture : course.lectures) {
      if (!lecture.students_present || lecture.topic.empty())
        continue;
      SCOPED_TRACE(std::string(id) + " " + rules::iso_date(lecture.date) + " " + lecture.topic);
      const auto words = classify::find_lecture_words(
          course, {{"subject", "our " + lecture.topic + " presentation", 1.0}}, k_arrival);
      ASSERT_TRUE(words.weight.contains(lecture.date));
      EXPECT_LE(words.weight.at(lecture.date), 0.5);
      for (const auto& [date, weight] : words.weight) {
        const auto* named = course.lecture(date);
        ASSERT_NE(named, nullptr);
        EXPECT_TRUE(holds_topic(*named, lecture.topic)) << rules::iso_date(date);
      }
    }
  }
}
