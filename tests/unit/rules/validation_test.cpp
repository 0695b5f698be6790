#include "rules/load.hpp"
#include "support/course_fixture.hpp"

#include <gtest/gtest.h>

using namespace mailroom;

namespace {

// Every problem of a rules folder that must be refused, one line each.
std::vector<std::string> problems_of(const rules::RulesText& text) {
  auto course = rules::parse_rules(text);
  EXPECT_FALSE(course) << "the rules were accepted";
  std::vector<std::string> lines;
  if (!course)
    for (const auto& problem : course.error())
      lines.push_back(problem.to_string());
  return lines;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

using Lines = std::vector<std::string>;

} // namespace

TEST(RulesValidation, TheDemoRulesAreAccepted) {
  auto course = rules::parse_rules(test::rules_text());
  ASSERT_TRUE(course) << course.error().front().to_string();
  EXPECT_EQ(course->lectures.size(), 5u);
  EXPECT_EQ(course->groups(), (std::vector<std::string>{"1", "2"}));
}

TEST(RulesValidation, UnknownKeyIsRefusedWithTheClosestKnownKey) {
  const auto toml = replaced(test::k_course_toml, "file_types = [\"pdf\", \"pptx\"]",
                             "file_tipes = [\"pdf\", \"pptx\"]");
  EXPECT_EQ(problems_of(test::rules_text(toml)),
            Lines{"demo/course.toml:19: unknown key 'file_tipes' in [deliverable.slides]; did you "
                  "mean 'file_types'?"});
}

TEST(RulesValidation, BadDateIsRefusedWithTheLine) {
  const auto toml = replaced(test::k_course_toml, "date = 2025-10-30", "date = \"2025-10-32\"");
  EXPECT_EQ(problems_of(test::rules_text(toml)),
            Lines{"demo/course.toml:53: bad date in [[lecture]]; write it as 2025-09-11 "
                  "(year-month-day)"});
}

TEST(RulesValidation, UnknownZoneIsRefused) {
  const auto toml = replaced(test::k_course_toml, "America/Detroit", "America/Detriot");
  EXPECT_EQ(problems_of(test::rules_text(toml)),
            Lines{"demo/course.toml:7: unknown time zone 'America/Detriot'; use a tz database "
                  "name such as \"America/Detroit\""});
}

TEST(RulesValidation, LectureOnADayWithoutClassIsRefused) {
  // Oct 8, 2025 is a Wednesday; the class meets Tue/Thu.
  const auto toml = replaced(test::k_course_toml, "date = 2025-10-07", "date = 2025-10-08");
  const auto lines =
      problems_of(test::rules_text(toml, test::k_roster_csv, "lecture,role,group\n"));
  EXPECT_EQ(lines, Lines{"demo/course.toml:48: lecture on 2025-10-08 falls on a day without "
                         "class; check the date against [class] days"});
}

TEST(RulesValidation, AssignmentToALectureThatDoesNotExistIsRefused) {
  const auto lines = problems_of(test::rules_text(test::k_course_toml, test::k_roster_csv,
                                                  "lecture,role,group\n2025-10-09,presenter,1\n"));
  EXPECT_EQ(lines, Lines{"demo/assignments.csv:2: no lecture on 2025-10-09; use a date from the "
                         "[[lecture]] list of course.toml"});
}

TEST(RulesValidation, AssignmentToAStaffLectureIsRefused) {
  const auto lines = problems_of(test::rules_text(test::k_course_toml, test::k_roster_csv,
                                                  "lecture,role,group\n2025-09-04,presenter,1\n"));
  EXPECT_EQ(lines, Lines{"demo/assignments.csv:2: the lecture on 2025-09-04 is given by staff "
                         "(Jae-Won); assign groups only to lectures that students present"});
}

TEST(RulesValidation, AssignmentToAGroupNotOnTheRosterIsRefused) {
  const auto lines = problems_of(test::rules_text(test::k_course_toml, test::k_roster_csv,
                                                  "lecture,role,group\n2025-10-07,summary,7\n"));
  EXPECT_EQ(lines, Lines{"demo/assignments.csv:2: group '7' is not on the roster; did you mean "
                         "'1'?"});
}

TEST(RulesValidation, RosterRowWithoutEmailIsRefused) {
  const auto lines = problems_of(
      test::rules_text(test::k_course_toml, "group,name,uniqname,email\n1,Ada Lovelace,ada,\n",
                       "lecture,role,group\n"));
  EXPECT_EQ(lines, Lines{"demo/roster.csv:2: 'Ada Lovelace' has no email; fill in the email "
                         "column; replies go only to roster addresses"});
}

TEST(RulesValidation, OneEmailInTwoGroupsIsRefused) {
  const auto lines =
      problems_of(test::rules_text(test::k_course_toml,
                                   "group,name,uniqname,email\n1,Ada "
                                   "Lovelace,ada,ada@example.edu\n2,Ada L,ada,ADA@example.edu\n",
                                   "lecture,role,group\n"));
  EXPECT_EQ(lines, Lines{"demo/roster.csv:3: ADA@example.edu is in group 2 here and in group 1 on "
                         "line 2; an address belongs to one group only; remove one of the rows"});
}

TEST(RulesValidation, ARepeatedRosterRowIsRefused) {
  const auto lines = problems_of(test::rules_text(
      test::k_course_toml, test::k_roster_csv + "1,Ada Lovelace,ada,ada@example.edu\n"));
  EXPECT_EQ(lines, Lines{"demo/roster.csv:6: repeats line 2; remove one of the two rows"});
}

TEST(RulesValidation, TheSameAddressInAnotherLetterCaseIsRefused) {
  const auto lines = problems_of(test::rules_text(
      test::k_course_toml, test::k_roster_csv + "1,Ada Lovelace,ada,Ada@Example.edu\n"));
  EXPECT_EQ(lines, Lines{"demo/roster.csv:6: Ada@Example.edu is ada@example.edu of line 2 in "
                         "another letter case; addresses match in any letter case; remove one "
                         "of the rows"});
}

TEST(RulesValidation, AnUnknownRoleHidesNoOtherLinesProblems) {
  // Line 2 has a mistyped role; lines 3 and 4 name a group and a lecture that do not exist.
  const auto lines = problems_of(test::rules_text(test::k_course_toml, test::k_roster_csv,
                                                  "lecture,role,group\n"
                                                  "2025-10-07,presentr,1\n"
                                                  "2025-10-07,summary,7\n"
                                                  "2025-10-08,presenter,2\n"));
  EXPECT_EQ(lines, (Lines{"demo/assignments.csv:2: unknown role 'presentr'; did you mean "
                          "'presenter'?",
                          "demo/assignments.csv:4: no lecture on 2025-10-08; use a date from the "
                          "[[lecture]] list of course.toml",
                          "demo/assignments.csv:3: group '7' is not on the roster; did you mean "
                          "'1'?"}));
}

TEST(RulesValidation, CsvWithAWrongHeaderIsRefused) {
  const auto lines = problems_of(test::rules_text(
      test::k_course_toml, "group,name,email,uniqname\n1,Ada,ada@example.edu,ada\n",
      "lecture,role,group\n"));
  EXPECT_EQ(lines, Lines{"demo/roster.csv:1: wrong header 'group,name,email,uniqname'; the first "
                         "line must be 'group,name,uniqname,email'"});
}

TEST(RulesValidation, EveryProblemIsReportedInOnePass) {
  auto toml = replaced(test::k_course_toml, "America/Detroit", "Mars/Olympus");
  toml = replaced(toml, "due = \"class_end + 24h\"", "due = \"class_end plus a day\"");
  const auto lines = problems_of(test::rules_text(toml, "name,email\n", "lecture,role,group\n"));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "demo/course.toml:7: unknown time zone 'Mars/Olympus'; use a tz database "
                      "name such as \"America/Detroit\"");
  EXPECT_EQ(lines[1], "demo/course.toml:26: bad due expression in [deliverable.summary]; write "
                      "\"class_start - 24h\", \"class_end + 24h\", \"2025-12-15 13:00\" or "
                      "\"2025-09-18\"");
  EXPECT_EQ(lines[2], "demo/roster.csv:1: wrong header 'name,email'; the first line must be "
                      "'group,name,uniqname,email'");
}

TEST(RulesValidation, TomlSyntaxErrorNamesTheLine) {
  const auto toml = replaced(test::k_course_toml, "[class]", "[class");
  const auto lines = problems_of(test::rules_text(toml));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("demo/course.toml:10:")) << lines[0];
}

TEST(RulesDue, ExpressionsAndDurationsParse) {
  EXPECT_EQ(rules::parse_duration("1h30m"), std::chrono::seconds{5400});
  EXPECT_EQ(rules::parse_duration("2d"), std::chrono::seconds{172800});
  EXPECT_FALSE(rules::parse_duration("soon"));
  const auto due = rules::parse_due("class_end + 24h");
  ASSERT_TRUE(due);
  EXPECT_EQ(due->anchor, rules::Anchor::class_end);
  EXPECT_EQ(due->offset, std::chrono::hours{24});
  const auto bare = rules::parse_due("2025-09-18");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->time_of_day, std::chrono::seconds{86399});
  EXPECT_FALSE(rules::parse_due("2025-02-30"));
}
