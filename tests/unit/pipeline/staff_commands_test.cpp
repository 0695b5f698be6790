#include "pipeline/staff_commands.hpp"
#include "rules/load.hpp"
#include "support/course_fixture.hpp"

#include <gtest/gtest.h>

using namespace mailroom;
using pipeline::parse_staff_command;
using pipeline::StaffVerb;

namespace {

message::MessageFacts mail_from(const std::string& address, const std::string& subject,
                                const std::string& text = "") {
  message::MessageFacts facts;
  facts.from.push_back({"", address});
  facts.subject = subject;
  facts.text = text;
  return facts;
}

rules::Course course_with_staff() {
  auto course = test::demo_course();
  course.staff.push_back({"Prof Kay", {"kay@umich.edu"}, 2});
  return course;
}

} // namespace

TEST(StaffCommandGrammar, ExtendByADurationKeepsGroupTargetAndReason) {
  // The example of the issue, with the group as staff write it in mail.
  auto command = parse_staff_command("extend G3 slides@2025-11-04 +36h reason ill, doctor's note");
  ASSERT_TRUE(command) << command.error().what;
  EXPECT_EQ(command->verb, StaffVerb::extend);
  EXPECT_EQ(command->group, "G3");
  EXPECT_EQ(command->target, "slides@2025-11-04");
  ASSERT_TRUE(command->plus);
  EXPECT_EQ(*command->plus, std::chrono::hours{36});
  EXPECT_EQ(command->reason, "ill, doctor's note");
  EXPECT_EQ(command->line, "extend G3 slides@2025-11-04 +36h reason ill, doctor's note");
}

TEST(StaffCommandGrammar, ExtendUntilALocalTimeTakesEveryWordUpToTheReason) {
  auto command = parse_staff_command("Extend 2 summary@2025-10-07 until 2025-10-09 18:00 earlier "
                                     "Reason typo in the rules");
  ASSERT_TRUE(command) << command.error().what;
  EXPECT_EQ(command->until, "2025-10-09 18:00");
  EXPECT_TRUE(command->earlier);
  EXPECT_FALSE(command->plus);
  EXPECT_EQ(command->reason, "typo in the rules");
}

TEST(StaffCommandGrammar, RevokeExcuseReclassifyDismissAndTheViews) {
  auto revoke = parse_staff_command("extend 1 proposal revoke reason granted in error");
  ASSERT_TRUE(revoke);
  EXPECT_TRUE(revoke->revoke);
  auto excuse = parse_staff_command("excuse 2 summary@2025-10-07 reason family emergency");
  ASSERT_TRUE(excuse);
  EXPECT_EQ(excuse->verb, StaffVerb::excuse);
  EXPECT_FALSE(excuse->revoke);
  auto reclassify = parse_staff_command("reclassify 13 as slides@2025-10-09 group 2 reason deck");
  ASSERT_TRUE(reclassify);
  EXPECT_EQ(reclassify->mail_id, 13);
  EXPECT_EQ(reclassify->target, "slides@2025-10-09");
  EXPECT_EQ(reclassify->group, "2");
  auto dismiss = parse_staff_command("dismiss 11 reason a visitor");
  ASSERT_TRUE(dismiss);
  EXPECT_EQ(dismiss->mail_id, 11);
  auto ledger = parse_staff_command("ledger group 3");
  ASSERT_TRUE(ledger);
  EXPECT_EQ(ledger->group, "3");
  for (const char* line : {"review", "STATUS", "help", "ledger"})
    EXPECT_TRUE(parse_staff_command(line)) << line;
}

TEST(StaffCommandGrammar, AMalformedCommandSaysWhatIsWrongAndGivesTheForm) {
  auto no_reason = parse_staff_command("extend 3 slides@2025-11-04 +36h");
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().what, "the reason is missing");
  EXPECT_EQ(no_reason.error().form,
            "extend GROUP DELIVERABLE[@LECTURE] until TIME|+DURATION [earlier] reason TEXT"
            "  (or: extend GROUP DELIVERABLE[@LECTURE] revoke reason TEXT)");
  auto bad_duration = parse_staff_command("extend 3 slides +3 weeks reason ill");
  ASSERT_FALSE(bad_duration);
  EXPECT_EQ(bad_duration.error().what, "'+3' is not a duration such as +36h, +2d or +1d12h");
  auto no_until = parse_staff_command("extend 3 slides tomorrow reason ill");
  ASSERT_FALSE(no_until);
  EXPECT_EQ(no_until.error().what, "'tomorrow' is neither 'until TIME' nor '+DURATION'");
  auto bad_id = parse_staff_command("dismiss eleven reason spam");
  ASSERT_FALSE(bad_id);
  EXPECT_EQ(bad_id.error().what, "'eleven' is not a mail number (as `review` lists them)");
  EXPECT_EQ(bad_id.error().form, "dismiss ID reason TEXT");
  auto extra = parse_staff_command("status please");
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.error().what, "'please' is not understood here");
}

TEST(StaffCommandMail, TheCommandIsTheSubjectOrOneOfTheFirstTextLines) {
  EXPECT_EQ(pipeline::staff_command_line(mail_from("kay@umich.edu", "status")), "status");
  EXPECT_EQ(pipeline::staff_command_line(
                mail_from("kay@umich.edu", "desk", "Hi,\n\n  ledger group 2\nthanks\n")),
            "ledger group 2");
  // A quoted command in a reply is not a command, nor one after the first three lines.
  EXPECT_FALSE(pipeline::staff_command_line(
      mail_from("kay@umich.edu", "Re: x", "a\nb\nc\nstatus\n> extend 1 proposal +1d reason x")));
  auto automated = mail_from("kay@umich.edu", "status");
  automated.automated = true;
  EXPECT_FALSE(pipeline::staff_command_line(automated));
}

TEST(StaffCommandMail, AStudentsQuestionIsNotACommandButAWellFormedOneFromAStrangerIs) {
  const auto course = course_with_staff();
  EXPECT_FALSE(
      pipeline::command_mail_line(mail_from("ada@example.edu", "status of my slides?"), course));
  EXPECT_TRUE(pipeline::command_mail_line(
      mail_from("ada@example.edu", "extend 1 proposal +2d reason me"), course));
  // From staff, a malformed command is still a command mail: it gets an answer with the form.
  EXPECT_TRUE(pipeline::command_mail_line(mail_from("KAY@umich.edu", "extend soon"), course));
  // Without staff.csv there are no commands by mail.
  EXPECT_FALSE(
      pipeline::command_mail_line(mail_from("kay@umich.edu", "status"), test::demo_course()));
}

TEST(StaffList, RowsAreCheckedWithFileAndLine) {
  const auto roster = test::demo_course().roster;
  auto good = rules::parse_staff(
      {"name,addresses\nProf Kay,kay@umich.edu; akay@gmail.com\n", "demo/staff.csv"}, roster);
  ASSERT_TRUE(good) << good.error().front().to_string();
  ASSERT_EQ(good->size(), 1u);
  EXPECT_EQ(good->front().addresses, (std::vector<std::string>{"kay@umich.edu", "akay@gmail.com"}));
  auto bad = rules::parse_staff({"name,addresses\n"
                                 "Prof Kay,kay@umich.edu\n"
                                 ",nobody@umich.edu\n"
                                 "TA Lee,\n"
                                 "TA Kim,kim-at-umich\n"
                                 "TA Two,KAY@umich.edu\n"
                                 "Ada,ada@example.edu\n",
                                 "demo/staff.csv"},
                                roster);
  ASSERT_FALSE(bad);
  std::vector<std::string> lines;
  for (const auto& problem : bad.error())
    lines.push_back(problem.to_string());
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "demo/staff.csv:3: a row without a name; fill in the name column",
                "demo/staff.csv:4: 'TA Lee' has no address; fill in the addresses column: staff "
                "commands are taken only from these addresses",
                "demo/staff.csv:5: 'kim-at-umich' is not an email address; write it as "
                "uniqname@umich.edu; separate addresses with spaces",
                "demo/staff.csv:6: KAY@umich.edu is on line 2 already; an address belongs to one "
                "person; remove one of them",
                "demo/staff.csv:7: ada@example.edu is a student's address (group 1 in "
                "roster.csv); a staff address may run staff commands by mail: never give one to a "
                "student"}));
}
