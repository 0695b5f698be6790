#include "judge/ledger_view.hpp"
#include "support/course_fixture.hpp"

#include <gtest/gtest.h>

using namespace mailroom;

TEST(StaffInput, TargetNamesADeliverableAndItsLecture) {
  const auto course = test::demo_course();
  const auto slides = judge::parse_target("slides@2025-10-07", course);
  ASSERT_TRUE(slides) << slides.error().to_string();
  EXPECT_EQ(slides->deliverable, "slides");
  EXPECT_EQ(rules::iso_date(*slides->lecture), "2025-10-07");
  const auto proposal = judge::parse_target("proposal", course);
  ASSERT_TRUE(proposal);
  EXPECT_FALSE(proposal->lecture);
}

TEST(StaffInput, TargetErrorsSayWhatToWrite) {
  const auto course = test::demo_course();
  EXPECT_EQ(judge::parse_target("slide@2025-10-07", course).error().to_string(),
            "slide@2025-10-07: unknown deliverable 'slide'; use one of: final-report, proposal, "
            "slides, summary");
  EXPECT_EQ(judge::parse_target("slides", course).error().what, "slides is owed per lecture");
  EXPECT_EQ(judge::parse_target("proposal@2025-10-07", course).error().what,
            "proposal is not per lecture");
  EXPECT_EQ(judge::parse_target("slides@2025-13-01", course).error().what,
            "the lecture after '@' is not a date");
}

TEST(StaffInput, TimesAreUtcOrLocalInTheCourseZone) {
  const auto course = test::demo_course();
  const auto utc = judge::parse_staff_time("2025-10-08T12:00:00Z", course);
  ASSERT_TRUE(utc);
  EXPECT_EQ(core::to_iso_utc(*utc), "2025-10-08T12:00:00Z");
  // Detroit is EDT (UTC-4) on Oct 8 and EST (UTC-5) on Nov 4.
  EXPECT_EQ(core::to_iso_utc(*judge::parse_staff_time("2025-10-08 12:00", course)),
            "2025-10-08T16:00:00Z");
  EXPECT_EQ(core::to_iso_utc(*judge::parse_staff_time("2025-11-04T09:30", course)),
            "2025-11-04T14:30:00Z");
  // A bare date is the end of that day, local time, inclusive.
  EXPECT_EQ(core::to_iso_utc(*judge::parse_staff_time("2025-10-08", course)),
            "2025-10-09T03:59:59Z");
  EXPECT_FALSE(judge::parse_staff_time("tomorrow", course));
  EXPECT_FALSE(judge::parse_staff_time("2025-10-08 25:00", course));
}
