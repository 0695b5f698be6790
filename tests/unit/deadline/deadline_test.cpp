#include "deadline/deadline.hpp"
#include "support/course_fixture.hpp"
#include "support/instant.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace mailroom;
using namespace std::chrono;
using deadline::Verdict;

namespace {

using test::at;

rules::Date on(int y, unsigned m, unsigned d) {
  return year{y} / month{m} / d;
}

core::Instant due_of(const rules::Course& course, const char* deliverable,
                     std::optional<rules::Date> lecture) {
  auto due = deadline::due_at(course, *course.deliverable(deliverable), lecture);
  EXPECT_TRUE(due) << due.error().to_string();
  return due.value_or(core::Instant{});
}

} // namespace

TEST(DeadlineDue, SlidesForNov4AreDueMonNov3At1030Est) {
  // Nov 4, 2025 is after the DST change: class starts 10:30 EST = 15:30Z.
  const auto course = test::demo_course();
  const auto due = due_of(course, "slides", on(2025, 11, 4));
  EXPECT_EQ(core::to_iso_utc(due), "2025-11-03T15:30:00Z");
  EXPECT_EQ(deadline::format_local(due, course.zone), "Mon Nov 3, 10:30 AM EST");
  EXPECT_EQ(deadline::format_local_iso(due, course.zone), "2025-11-03T10:30:00-05:00");
}

TEST(DeadlineDue, SlidesForOct7AreDueMonOct6At1030Edt) {
  const auto course = test::demo_course();
  const auto due = due_of(course, "slides", on(2025, 10, 7));
  EXPECT_EQ(core::to_iso_utc(due), "2025-10-06T14:30:00Z");
  EXPECT_EQ(deadline::format_local(due, course.zone), "Mon Oct 6, 10:30 AM EDT");
}

TEST(DeadlineDue, SummaryIsDue24ElapsedHoursAfterClassEnds) {
  const auto course = test::demo_course();
  const auto due = due_of(course, "summary", on(2025, 10, 7));
  EXPECT_EQ(deadline::format_local(due, course.zone), "Wed Oct 8, 12:00 PM EDT");
}

TEST(DeadlineDue, OffsetAcrossNovemberDstChangeIsElapsedTimeNotWallClock) {
  // 72 elapsed hours before Tue Nov 4 10:30 EST (15:30Z) is Sat Nov 1 15:30Z,
  // which is 11:30 EDT: the clocks went back an hour in between.
  auto toml = test::k_course_toml;
  toml.replace(toml.find("class_start - 24h"), 17, "class_start - 72h");
  auto course = rules::parse_rules(test::rules_text(toml));
  ASSERT_TRUE(course);
  const auto due = due_of(*course, "slides", on(2025, 11, 4));
  EXPECT_EQ(core::to_iso_utc(due), "2025-11-01T15:30:00Z");
  EXPECT_EQ(deadline::format_local(due, course->zone), "Sat Nov 1, 11:30 AM EDT");
}

TEST(DeadlineDue, OffsetAcrossMarchDstChangeIsElapsedTimeNotWallClock) {
  // Clocks spring forward on Sun Mar 8, 2026. Tue Mar 10 10:30 EDT is 14:30Z;
  // 72 h before is Sat Mar 7 14:30Z = 09:30 EST.
  auto toml = test::k_course_toml;
  toml.replace(toml.find("class_start - 24h"), 17, "class_start - 72h");
  toml += "\n[[lecture]]\ndate = 2026-03-10\ntopic = \"Spring\"\n";
  auto course = rules::parse_rules(test::rules_text(toml));
  ASSERT_TRUE(course);
  const auto due = due_of(*course, "slides", on(2026, 3, 10));
  EXPECT_EQ(core::to_iso_utc(due), "2026-03-07T14:30:00Z");
  EXPECT_EQ(deadline::format_local(due, course->zone), "Sat Mar 7, 9:30 AM EST");
}

TEST(DeadlineDue, BareDateMeansEndOfThatDayLocalTime) {
  const auto course = test::demo_course();
  const auto due = due_of(course, "proposal", std::nullopt);
  EXPECT_EQ(core::to_iso_utc(due), "2025-09-19T03:59:59Z");
  EXPECT_EQ(deadline::format_local_iso(due, course.zone), "2025-09-18T23:59:59-04:00");
}

TEST(DeadlineJudge, ProposalAt235959IsOnTimeAndAtMidnightLateByOneSecond) {
  const auto course = test::demo_course();
  const auto due = due_of(course, "proposal", std::nullopt);
  const auto on_time = deadline::judge(due, seconds{0}, at("2025-09-18T23:59:59-04:00"));
  EXPECT_EQ(on_time.verdict, Verdict::on_time);
  const auto late = deadline::judge(due, seconds{0}, at("2025-09-19T00:00:00-04:00"));
  EXPECT_EQ(late.verdict, Verdict::late);
  EXPECT_EQ(late.late_by, seconds{1});
}

TEST(DeadlineJudge, FinalReportAt130000PmEstIsOnTime) {
  // "On or before 1:00 PM EST Dec 15" includes 13:00:00.
  const auto course = test::demo_course();
  const auto due = due_of(course, "final-report", std::nullopt);
  EXPECT_EQ(core::to_iso_utc(due), "2025-12-15T18:00:00Z");
  EXPECT_EQ(deadline::judge(due, seconds{0}, at("2025-12-15T18:00:00Z")).verdict, Verdict::on_time);
  const auto late = deadline::judge(due, seconds{0}, at("2025-12-15T18:00:01Z"));
  EXPECT_EQ(late.verdict, Verdict::late);
  EXPECT_EQ(late.late_by, seconds{1});
}

TEST(DeadlineJudge, SlidesOneSecondAfterDeadlineAreLate) {
  const auto course = test::demo_course();
  const auto due = due_of(course, "slides", on(2025, 10, 7));
  const auto judgement = deadline::judge(due, seconds{0}, at("2025-10-06T14:30:01Z"));
  EXPECT_EQ(judgement.verdict, Verdict::late);
  EXPECT_EQ(judgement.late_by, seconds{1});
}

TEST(DeadlineJudge, GracePeriodKeepsAMailOnTimeUntilItEnds) {
  auto toml = test::k_course_toml;
  toml.replace(toml.find("due = \"class_start - 24h\""), 25,
               "due = \"class_start - 24h\"\ngrace = \"15m\"");
  auto course = rules::parse_rules(test::rules_text(toml));
  ASSERT_TRUE(course) << course.error().front().to_string();
  const auto* slides = course->deliverable("slides");
  EXPECT_EQ(slides->grace, minutes{15});
  const auto due = due_of(*course, "slides", on(2025, 10, 7));
  EXPECT_EQ(deadline::judge(due, slides->grace, at("2025-10-06T14:45:00Z")).verdict,
            Verdict::on_time);
  const auto late = deadline::judge(due, slides->grace, at("2025-10-06T14:46:00Z"));
  EXPECT_EQ(late.verdict, Verdict::late);
  EXPECT_EQ(late.late_by, minutes{1});
}

TEST(DeadlineFormat, DurationsReadLikeAPersonWouldSayThem) {
  EXPECT_EQ(deadline::format_duration(seconds{72 * 60}), "1 h 12 min");
  EXPECT_EQ(deadline::format_duration(seconds{1}), "1 s");
  EXPECT_EQ(deadline::format_duration(seconds{3 * 60 + 5}), "3 min 5 s");
  EXPECT_EQ(deadline::format_duration(seconds{26 * 3600}), "1 day 2 h");
  EXPECT_EQ(deadline::format_duration(seconds{3 * 86400}), "3 days 0 h");
}

TEST(DeadlineInstances, OnePerStudentLectureAndOwingGroup) {
  const auto course = test::demo_course();
  const auto all = deadline::instances(course);
  // 4 student lectures x (slides + summary) + 2 groups x (proposal + final report).
  ASSERT_EQ(all.size(), 12u);
  EXPECT_EQ(all.front().deliverable, "proposal");
  int unassigned = 0;
  for (const auto& instance : all) {
    if (instance.deliverable == "slides" && instance.lecture == on(2025, 10, 7)) {
      EXPECT_EQ(instance.group, std::optional<std::string>{"1"});
    }
    if (instance.deliverable == "summary" && instance.lecture == on(2025, 10, 30)) {
      EXPECT_EQ(instance.group, std::nullopt);
    }
    unassigned += instance.group ? 0 : 1;
    EXPECT_NE(instance.lecture, std::optional{on(2025, 9, 4)}) << "staff lectures owe nothing";
  }
  EXPECT_EQ(unassigned, 5);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const auto& a, const auto& b) { return a.due < b.due; }));
}

TEST(DeadlineWords, DurationsAreWordsAndTheRuleCarriesThisInstancesNumbers) {
  EXPECT_EQ(deadline::plain_duration(seconds{1}), "1 second");
  EXPECT_EQ(deadline::plain_duration(seconds{200}), "3 minutes 20 seconds");
  EXPECT_EQ(deadline::plain_duration(hours{24}), "24 hours");
  EXPECT_EQ(deadline::plain_duration(hours{50} + minutes{5}), "2 days 2 hours");
  EXPECT_EQ(deadline::grace_period_name(minutes{15}), "15-minute grace period");
  // The week the clocks go back: class Tue Nov 4, 2025 at 10:30 EST.
  const auto course = test::demo_course();
  const auto rule = deadline::describe_rule(course, *course.deliverable("slides"), on(2025, 11, 4));
  ASSERT_TRUE(rule) << rule.error().to_string();
  EXPECT_EQ(*rule, "Slides are due 24 hours before your group's class: class Tue Nov 4, "
                   "10:30 AM EST, so due Mon Nov 3, 10:30 AM EST.");
  EXPECT_EQ(deadline::format_local(due_of(course, "slides", on(2025, 11, 4)), course.zone,
                                   deadline::Precision::seconds),
            "Mon Nov 3, 10:30:00 AM EST");
}
