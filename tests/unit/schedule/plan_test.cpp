// The digest and reminders planned from the ledger's view, the rules and the time.
#include "schedule/compose.hpp"
#include "schedule/plan.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/instant.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace mailroom;

namespace {

using test::at;

constexpr std::chrono::minutes k_eight_am{8 * 60};

// The demo course with slides reminded 48 h before they are due.
rules::Course course_with_reminders() {
  auto toml = test::k_course_toml;
  const std::string slides = "[deliverable.slides]\n";
  toml.insert(toml.find(slides) + slides.size(), "remind = \"48h\"\n");
  auto course = rules::parse_rules(test::rules_text(toml));
  EXPECT_TRUE(course) << (course ? "" : course.error().front().to_string());
  return course ? *course : rules::Course{};
}

judge::Version slides_version(const std::string& group, const std::string& lecture,
                              core::Instant received) {
  judge::Version version;
  version.mail_id = 1;
  version.deliverable = "slides";
  version.lecture = judge::parse_iso_date(lecture);
  version.group = group;
  version.received_at = received;
  return version;
}

std::vector<std::string> keys_of(const std::vector<schedule::ReminderDue>& due) {
  std::vector<std::string> keys;
  for (const auto& reminder : due)
    keys.push_back(reminder.key);
  return keys;
}

std::vector<schedule::ReminderDue> due_at(const rules::Course& course, core::Instant now,
                                          const std::vector<judge::Version>& versions = {},
                                          const std::vector<judge::Extension>& extensions = {},
                                          const std::vector<judge::Excusal>& excusals = {},
                                          const std::set<std::string>& queued = {}) {
  const auto statuses =
      judge::ledger_status(deadline::instances(course), versions, extensions, excusals, now);
  return schedule::reminders_due(course, statuses, queued, now);
}

} // namespace

TEST(DigestDue, IsTheDigestOfTheDayFromItsTimeInCourseTime) {
  // 08:00 in Detroit on Tue Oct 7 2025 (EDT) is 12:00Z.
  const auto course = test::demo_course();
  const auto due = schedule::digest_due(course, k_eight_am, {}, at("2025-10-07T12:00:00Z"));
  ASSERT_TRUE(due);
  EXPECT_EQ(due->key, "digest 2025-10-07");
  EXPECT_EQ(due->planned_for, at("2025-10-07T12:00:00Z"));
  EXPECT_FALSE(due->late);
}

TEST(DigestDue, BeforeTheTimeItIsYesterdaysAndOnceQueuedNothingIsDue) {
  const auto course = test::demo_course();
  const auto before = at("2025-10-07T11:59:59Z");
  const auto due = schedule::digest_due(course, k_eight_am, {}, before);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->key, "digest 2025-10-06");
  EXPECT_FALSE(schedule::digest_due(course, k_eight_am, {"digest 2025-10-06"}, before));
  // Across the day boundary in course time, the next day's is due at its own 08:00.
  EXPECT_FALSE(
      schedule::digest_due(course, k_eight_am, {"digest 2025-10-06"}, at("2025-10-07T04:30:00Z")));
  const auto next =
      schedule::digest_due(course, k_eight_am, {"digest 2025-10-06"}, at("2025-10-07T12:00:01Z"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->key, "digest 2025-10-07");
}

TEST(DigestDue, AfterDowntimeOnlyTheLatestMissedDayGoesAndItIsLate) {
  // The daemon queued Sunday's digest, then was down until Tuesday afternoon.
  const auto course = test::demo_course();
  const auto due =
      schedule::digest_due(course, k_eight_am, {"digest 2025-10-05"}, at("2025-10-07T18:00:00Z"));
  ASSERT_TRUE(due);
  EXPECT_EQ(due->key, "digest 2025-10-07");
  EXPECT_TRUE(due->late);
  EXPECT_FALSE(schedule::digest_due(course, k_eight_am, {"digest 2025-10-05", "digest 2025-10-07"},
                                    at("2025-10-07T18:00:00Z")));
}

TEST(DigestDue, IsOwedOnlyForDaysSinceTheDeskStarted) {
  // Installed Tue Oct 7 at 07:00 EDT (11:00Z): Monday's 08:00 digest was before the desk
  // existed and is not owed, late or not; Tuesday's goes at its time, on time.
  const auto course = test::demo_course();
  const auto since = at("2025-10-07T11:00:00Z");
  EXPECT_FALSE(schedule::digest_due(course, k_eight_am, {}, since, since));
  const auto tuesday =
      schedule::digest_due(course, k_eight_am, {}, at("2025-10-07T12:00:00Z"), since);
  ASSERT_TRUE(tuesday);
  EXPECT_EQ(tuesday->key, "digest 2025-10-07");
  EXPECT_FALSE(tuesday->late);
  // Installed at 14:00 EDT, after the day's time: nothing that day, Wednesday's on time.
  const auto afternoon = at("2025-10-07T18:00:00Z");
  EXPECT_FALSE(schedule::digest_due(course, k_eight_am, {}, afternoon, afternoon));
  EXPECT_FALSE(schedule::digest_due(course, k_eight_am, {}, at("2025-10-08T11:59:59Z"), afternoon));
  const auto wednesday =
      schedule::digest_due(course, k_eight_am, {}, at("2025-10-08T12:00:00Z"), afternoon);
  ASSERT_TRUE(wednesday);
  EXPECT_EQ(wednesday->key, "digest 2025-10-08");
  EXPECT_FALSE(wednesday->late);
  // Installed at 08:10, within the half hour: that day's digest still goes, on time.
  const auto ten_past = at("2025-10-07T12:10:00Z");
  const auto same_day = schedule::digest_due(course, k_eight_am, {}, ten_past, ten_past);
  ASSERT_TRUE(same_day);
  EXPECT_EQ(same_day->key, "digest 2025-10-07");
  EXPECT_FALSE(same_day->late);
  // A day missed while down after the start is still owed, late.
  const auto missed = schedule::digest_due(course, k_eight_am, {"digest 2025-10-07"},
                                           at("2025-10-09T18:00:00Z"), since);
  ASSERT_TRUE(missed);
  EXPECT_EQ(missed->key, "digest 2025-10-09");
  EXPECT_TRUE(missed->late);
}

TEST(DigestDue, FollowsTheCourseZoneAcrossTheDstChange) {
  // Mon Nov 3 2025 is in EST: 08:00 local is 13:00Z.
  const auto course = test::demo_course();
  const auto due = schedule::digest_due(course, k_eight_am, {}, at("2025-11-03T13:00:00Z"));
  ASSERT_TRUE(due);
  EXPECT_EQ(due->key, "digest 2025-11-03");
  EXPECT_EQ(due->planned_for, at("2025-11-03T13:00:00Z"));
}

TEST(ReminderDue, GoesToEveryMemberOfTheGroupThatSentNothingFromItsWindowOn) {
  // Group 1's slides for Tue Oct 7 are due Mon Oct 6, 10:30 EDT (14:30Z): reminded 48 h
  // before, from Sat Oct 4 14:30Z.
  const auto course = course_with_reminders();
  EXPECT_TRUE(due_at(course, at("2025-10-04T14:29:59Z")).empty());
  EXPECT_EQ(keys_of(due_at(course, at("2025-10-04T14:30:00Z"))),
            (std::vector<std::string>{"reminder slides 2025-10-07 1 ada",
                                      "reminder slides 2025-10-07 1 alan"}));
  EXPECT_EQ(due_at(course, at("2025-10-06T14:29:59Z")).size(), 2u);
}

TEST(ReminderDue, NeverAtOrAfterTheDeadline) {
  const auto course = course_with_reminders();
  EXPECT_TRUE(due_at(course, at("2025-10-06T14:30:00Z")).empty());
  EXPECT_TRUE(due_at(course, at("2025-10-08T09:00:00Z")).empty());
}

TEST(ReminderDue, NeverToAGroupThatSentSomething) {
  const auto course = course_with_reminders();
  const auto now = at("2025-10-05T12:00:00Z");
  EXPECT_TRUE(
      due_at(course, now, {slides_version("1", "2025-10-07", at("2025-10-05T11:00:00Z"))}).empty());
  // Even a version held for review is something sent: staff decide, not a reminder.
  auto held = slides_version("1", "2025-10-07", at("2025-10-05T11:00:00Z"));
  held.held = true;
  EXPECT_TRUE(due_at(course, now, {held}).empty());
}

TEST(ReminderDue, NeverToAGroupWithAnExtensionPastTheDeadlineOrExcused) {
  const auto course = course_with_reminders();
  const auto now = at("2025-10-05T12:00:00Z");
  const auto lecture = judge::parse_iso_date("2025-10-07");
  EXPECT_TRUE(
      due_at(course, now, {}, {{"1", "slides", lecture, at("2025-10-08T12:00:00Z")}}).empty());
  EXPECT_TRUE(due_at(course, now, {}, {}, {{"1", "slides", lecture}}).empty());
}

TEST(ReminderDue, NeverTwiceForTheSameInstanceAndMember) {
  const auto course = course_with_reminders();
  EXPECT_EQ(keys_of(due_at(course, at("2025-10-05T12:00:00Z"), {}, {}, {},
                           {"reminder slides 2025-10-07 1 ada"})),
            (std::vector<std::string>{"reminder slides 2025-10-07 1 alan"}));
}

TEST(ReminderDue, AStudentWithTwoAddressesIsRemindedOnce) {
  // Group 2 (Grace, two roster rows) presents Tue Nov 4: slides due Mon Nov 3 10:30 EST.
  const auto course = course_with_reminders();
  EXPECT_EQ(keys_of(due_at(course, at("2025-11-02T12:00:00Z"))),
            (std::vector<std::string>{"reminder slides 2025-11-04 2 grace"}));
}

TEST(ReminderDue, NoneForADeliverableWithoutRemind) {
  // The demo course reminds nothing.
  const auto course = test::demo_course();
  EXPECT_TRUE(due_at(course, at("2025-10-05T12:00:00Z")).empty());
  EXPECT_FALSE(schedule::reminder_window_open(deadline::instances(course), course,
                                              at("2025-10-05T12:00:00Z")));
}

TEST(ReminderMail, NamesTheDueTimeInCourseTimeAndWhatToSend) {
  const auto course = course_with_reminders();
  const auto now = at("2025-10-05T12:00:00Z");
  const auto due = due_at(course, now);
  ASSERT_EQ(due.size(), 2u);
  const auto text =
      test::read_text(std::string(MAILROOM_SOURCE_DIR) + "/templates/reminder.mustache");
  const schedule::SendAs as{"staff@example.edu", "staff@example.edu", "mailroom.demo-f25.invalid",
                            now};
  const auto mail = schedule::reminder_mail(course, due.front(), text, as, 10);
  ASSERT_TRUE(mail) << mail.error().to_string();
  EXPECT_EQ(mail->reply.recipients, std::vector<std::string>{"ada@example.edu"});
  EXPECT_EQ(mail->reply.identity, "ada");
  EXPECT_EQ(mail->reply.message_id, "<reminder.slides.2025-10-07.1.ada@mailroom.demo-f25.invalid>");
  EXPECT_EQ(mail->subject, "Reminder: Slides for Tue Oct 7 due Mon Oct 6, 10:30 AM EDT, Group 1 "
                           "(DEMO 101, Fall 2025)");
  const auto& message = mail->reply.message;
  EXPECT_NE(message.find("Auto-Submitted: auto-generated"), std::string::npos);
  EXPECT_NE(message.find("To: <ada@example.edu>"), std::string::npos) << message;
  // The body is quoted-printable: its words are checked after soft breaks are undone.
  std::string body = message.substr(message.find("\r\n\r\n"));
  for (std::size_t soft; (soft = body.find("=\r\n")) != std::string::npos;)
    body.erase(soft, 3);
  // Lines wrapped at 72 columns are read as one text.
  std::ranges::replace(body, '\r', ' ');
  std::ranges::replace(body, '\n', ' ');
  for (std::size_t twice; (twice = body.find("  ")) != std::string::npos;)
    body.erase(twice, 1);
  EXPECT_NE(body.find("It is due Mon Oct 6, 10:30 AM EDT, in 26 hours 30 minutes."),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("attached as pdf, pptx, or as a link (google-slides)"), std::string::npos)
      << body;
}
