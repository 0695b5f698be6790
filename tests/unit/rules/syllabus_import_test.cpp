#include "rules/load.hpp"
#include "rules/syllabus_import.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace mailroom;

namespace {

rules::Date date(int year, unsigned month, unsigned day) {
  return rules::Date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
}

std::vector<std::string> lines_of(const core::Problems& problems) {
  std::vector<std::string> lines;
  for (const auto& problem : problems)
    lines.push_back(problem.to_string());
  return lines;
}

const rules::Lecture* lecture_on(const rules::ImportedSchedule& schedule, rules::Date day) {
  const auto it = std::ranges::find(schedule.lectures, day, &rules::Lecture::date);
  return it == schedule.lectures.end() ? nullptr : &*it;
}

std::vector<std::string> iso_dates(const std::vector<rules::Lecture>& lectures, bool students) {
  std::vector<std::string> out;
  for (const auto& lecture : lectures)
    if (lecture.students_present == students)
      out.push_back(rules::iso_date(lecture.date));
  return out;
}

using Strings = std::vector<std::string>;

// A page with every awkward row the two CSE 585 pages have, in one table.
const std::string k_awkward_page =
    "# A course\n"
    "\n"
    "## Schedule\n"
    "\n"
    "| Date | Readings | Presenter | Summary | Reviewer |\n"
    "| :---- | :---- | :---- | :---- | :---- |\n"
    // line 7
    "| Aug 26 | **Introduction** | [Mosharaf](Slides/082625.pdf) |  |  |\n"
    "|  | [How to Read a Paper](http://x/paper.pdf) (Required) |  |  |  |\n"
    "|  | [The Datacenter as a Computer](https://l/b) (Chapters 1 and 2\\) "
    "|  |  |  |\n"
    // line 10
    "| Sep  2 | **No Lecture: Find Project Groups** |  |  |  |\n"
    "|  | [Hints and Principles](https://arxiv.org/abs/2011.02455) (Required) "
    "|  |  |  |\n"
    "| Sep  4 | **Training Basics** | Jae-Won |  |  |\n"
    "|  | **Pre-Training** |  |  |  |\n"
    // line 14
    "| Sep 11 | [Zero Bubble (Almost) Pipeline Parallelism](https://o/f?id=1) "
    "(Required) | Group 3 | G5 | 7 |\n"
    "|  | Cornserve (Required) |  |  |  |\n"
    "| Sep 16 | [Mooncake: Storage \xC3\xA2\xE2\x82\xAC\xE2\x80\x9D Compute](u) | "
    "G1, G2 | Team Llama |  |\n"
    "| Oct 14 | **Fall Study Break** |  |  |  |\n"
    // line 18
    "| Oct 21 | **Mid-Semester Presentations**\n"
    "| Oct 23 | \n"
    "| Nov 25 | [Stochastic Parrots?\xC3\xB0\xC5\xB8\xC2\xA6\xC5\x93](https://d/x) "
    "(Required) |\n"
    "| Nov 27 | **No Lecture: Thanksgiving Recess** |  |  |  |\n"
    // line 22
    "| Dec  2 | **Buffer** |\n"
    "| Dec  4 | **Final Poster Presentations**<br>TBA | "
    "[Template](http://Resources/poster.pptx) |  |  |\n"
    "\n"
    "## Policies\n"
    "| Date | not | the | schedule |\n";

} // namespace

TEST(SyllabusImport, StaffLectureTakesTopicFromBoldAndPresenterFromLinkText) {
  // "| Aug 26 | **Introduction** | [Mosharaf](Slides/...) |": given by staff.
  const auto schedule = rules::parse_syllabus(k_awkward_page, "page.md", 2025);
  const auto* lecture = lecture_on(schedule, date(2025, 8, 26));
  ASSERT_NE(lecture, nullptr);
  EXPECT_EQ(lecture->topic, "Introduction");
  EXPECT_EQ(lecture->section, "");
  EXPECT_FALSE(lecture->students_present);
  EXPECT_EQ(lecture->presenter, "Mosharaf");
}

TEST(SyllabusImport, RowsWithoutDateAddReadingsTitledByTheirLinkText) {
  const auto schedule = rules::parse_syllabus(k_awkward_page, "page.md", 2025);
  const auto* lecture = lecture_on(schedule, date(2025, 8, 26));
  ASSERT_NE(lecture, nullptr);
  EXPECT_EQ(lecture->readings, (Strings{"How to Read a Paper", "The Datacenter as a Computer"}));
}

TEST(SyllabusImport, PlainPresenterNameWithTwoSpaceDateIsAStaffLecture) {
  const auto schedule = rules::parse_syllabus(k_awkward_page, "page.md", 2025);
  const auto* lecture = lecture_on(schedule, date(2025, 9, 4));
  ASSERT_NE(lecture, nullptr);
  EXPECT_EQ(lecture->topic, "Training Basics");
  EXPECT_EQ(lecture->presenter, "Jae-Won");
  EXPECT_FALSE(lecture->students_present);
}

TEST(SyllabusImport, BoldRowWithoutDateIsTheSectionAndTopicOfStudentLectures) {
  // Sep 11 sits under "**Pre-Training**", has no bold topic and has readings.
  const auto schedule = rules::parse_syllabus(k_awkward_page, "page.md", 2025);
  const auto* lecture = lecture_on(schedule, date(2025, 9, 11));
  ASSERT_NE(lecture, nullptr);
  EXPECT_TRUE(lecture->students_present);
  EXPECT_EQ(lecture->presenter, "");
  EXPECT_EQ(lecture->section, "Pre-Training");
  EXPECT_EQ(lecture->topic, "Pre-Training");
  // Parentheses inside a link's text stay; "(Required)" after a plain title goes.
  EXPECT_EQ(lecture->readings, (Strings{"Zero Bubble (Almost) Pipeline Parallelism", "Cornserve"}));
}

TEST(SyllabusImport, DaysWithoutLectureKeepTheirBoldTextAsReason) {
  const auto schedule = rules::parse_syllabus(k_awkward_page, "page.md", 2025);
  Strings days;
  for (const auto& day : schedule.no_lectures)
    days.push_back(rules::iso_date(day.date) + " " + day.reason);
  EXPECT_EQ(days, (Strings{
                      "2025-09-02 No Lecture: Find Project Groups",
                      "2025-10-14 Fall Study Break",
                      "2025-10-21 Mid-Semester Presentations",
                      "2025-11-27 No Lecture: Thanksgiving Recess",
                      "2025-12-02 Buffer",
                      "2025-12-04 Final Poster Presentations",
                  }));
}

TEST(SyllabusImport, ReadingsUnderADayWithoutLectureAreLeftOutWithANote) {
  const auto schedule = rules::parse_syllabus(k_awkward_page, "page.md", 2025);
  EXPECT_EQ(lines_of(schedule.notes),
            (Strings{
                "page.md:11: reading 'Hints and Principles' is listed under 2025-09-02 (No "
                "Lecture: Find Project Groups), a day without lecture; left out",
                "page.md:23: 'Template' beside 2025-12-04 (Final Poster Presentations), a day "
                "without lecture, is left out",
            }));
  EXPECT_EQ(lines_of(schedule.problems), Strings{});
}

TEST(SyllabusImport, ShortRowsAndAnEmptyDatedRowAreStudentLectures) {
  // "| Oct 23 | " has one cell after the date and nothing in it; it still is a lecture.
  const auto schedule = rules::parse_syllabus(k_awkward_page, "page.md", 2025);
  const auto* lecture = lecture_on(schedule, date(2025, 10, 23));
  ASSERT_NE(lecture, nullptr);
  EXPECT_TRUE(lecture->students_present);
  EXPECT_EQ(lecture->topic, "Pre-Training");
  EXPECT_TRUE(lecture->readings.empty());
}

TEST(SyllabusImport, TextMisEncodedAsWindows1252IsRepaired) {
  const auto schedule = rules::parse_syllabus(k_awkward_page, "page.md", 2025);
  const auto* mooncake = lecture_on(schedule, date(2025, 9, 16));
  const auto* parrots = lecture_on(schedule, date(2025, 11, 25));
  ASSERT_NE(mooncake, nullptr);
  ASSERT_NE(parrots, nullptr);
  EXPECT_EQ(mooncake->readings, Strings{"Mooncake: Storage \u2014 Compute"});
  EXPECT_EQ(parrots->readings, Strings{"Stochastic Parrots?\U0001F99C"});
}

TEST(SyllabusImport, MojibakeRepairLeavesCorrectTextAlone) {
  EXPECT_EQ(rules::repair_cp1252_mojibake("10:30 AM \xC3\xA2\xE2\x82\xAC\xE2\x80\x9C 12:00 PM"),
            "10:30 AM \u2013 12:00 PM");
  EXPECT_EQ(rules::repair_cp1252_mojibake("caf\u00E9 \u2013 na\u00EFve \U0001F99C"),
            "caf\u00E9 \u2013 na\u00EFve \U0001F99C");
  EXPECT_EQ(rules::repair_cp1252_mojibake("bad \xFF byte"), "bad \xFF byte");
}

TEST(SyllabusImport, GroupCellsBecomeAssignmentsWithRosterStyleLabels) {
  // "Group 3", "G5", "7" and "G1, G2" are group numbers; "Team Llama" is kept as written.
  const auto schedule = rules::parse_syllabus(k_awkward_page, "page.md", 2025);
  EXPECT_EQ(rules::render_assignments_csv(schedule.assignments), "lecture,role,group\n"
                                                                 "2025-09-11,presenter,3\n"
                                                                 "2025-09-11,summary,5\n"
                                                                 "2025-09-11,reviewer,7\n"
                                                                 "2025-09-16,presenter,1\n"
                                                                 "2025-09-16,presenter,2\n"
                                                                 "2025-09-16,summary,Team Llama\n");
  ASSERT_EQ(schedule.assignments.size(), 6u);
  EXPECT_EQ(schedule.assignments.front().line, 14);
  // A group in the Presenter column does not make the lecture a staff one.
  const auto* lecture = lecture_on(schedule, date(2025, 9, 16));
  ASSERT_NE(lecture, nullptr);
  EXPECT_TRUE(lecture->students_present);
}

TEST(SyllabusImport, AssignmentsCsvQuotesLabelsWithCommasOrQuotes) {
  const std::vector<rules::Assignment> rows{
      {date(2025, 9, 11), rules::Role::reviewer, "Llama, \"the\" team", 0}};
  EXPECT_EQ(rules::render_assignments_csv(rows),
            "lecture,role,group\n2025-09-11,reviewer,\"Llama, \"\"the\"\" team\"\n");
}

TEST(SyllabusImport, GroupsOnAStaffLectureAreAProblem) {
  const auto page = "| Date | Readings | Presenter | Summary | Reviewer |\n"
                    "|---|---|---|---|---|\n"
                    "| Aug 26 | **Introduction** | Mosharaf | Group 2 | |\n";
  const auto schedule = rules::parse_syllabus(page, "page.md", 2025);
  EXPECT_EQ(lines_of(schedule.problems),
            Strings{"page.md:3: group '2' has the summary role on 2025-08-26, a lecture given by "
                    "Mosharaf; assign groups only to lectures that students present"});
  EXPECT_TRUE(schedule.assignments.empty());
}

TEST(SyllabusImport, UnreadableRowsAreProblemsNamingFileAndLine) {
  const auto page = "| Date | Readings |\n"
                    "|---|---|\n"
                    "|  | [Orphan](u) |\n"
                    "| Sept 31 | [A](u) |\n"
                    "| Someday | [B](u) |\n"
                    "| Sep 9 | [C](u) |\n"
                    "| Sep 9 | [D](u) |\n";
  const auto schedule = rules::parse_syllabus(page, "course/page.md", 2025);
  EXPECT_EQ(
      lines_of(schedule.problems),
      (Strings{
          "course/page.md:3: reading 'Orphan' is not under any dated lecture; give the row a "
          "date, or move it under the lecture it belongs to",
          "course/page.md:4: 'Sept 31' is not a date in 2025; check the day of the month",
          "course/page.md:5: cannot read the date 'Someday'; write it as \"Sep 2\" (month and day)",
          "course/page.md:7: 2025-09-09 is listed twice; give each day one dated row; put more "
          "readings on rows without a date",
      }));
  ASSERT_EQ(schedule.lectures.size(), 1u);
  EXPECT_EQ(schedule.lectures.front().readings, Strings{"C"});
}

TEST(SyllabusImport, APageWithoutScheduleTableIsAProblem) {
  const auto schedule = rules::parse_syllabus("# Nothing\n\n| a | b |\n|---|---|\n", "x.md", 2025);
  EXPECT_EQ(lines_of(schedule.problems),
            Strings{"x.md: no schedule table: no Markdown table has a 'Date' column; give the "
                    "table a header row such as | Date | Readings | Presenter |"});
}

TEST(SyllabusImport, DatesThatGoBackAMonthAreInTheNextYear) {
  // A winter break term: Dec, then Jan of the next year. Weekday and full month names too.
  const auto page = "| Date | Readings |\n"
                    "|---|---|\n"
                    "| Tue, Dec 9 | [A](u) |\n"
                    "| January 13 | [B](u) |\n"
                    "| Jan. 15th | [C](u) |\n";
  const auto schedule = rules::parse_syllabus(page, "page.md", 2025);
  EXPECT_EQ(lines_of(schedule.problems), Strings{});
  EXPECT_EQ(iso_dates(schedule.lectures, true),
            (Strings{"2025-12-09", "2026-01-13", "2026-01-15"}));
}

TEST(SyllabusImport, RenderedTomlIsReadBackAsTheSameSchedule) {
  // Quotes, backslashes and control characters in titles must survive the round trip.
  rules::ImportedSchedule schedule;
  rules::Lecture lecture;
  lecture.date = date(2025, 9, 11);
  lecture.topic = "Say \"hi\"";
  lecture.section = "C:\\path";
  lecture.readings = {"Tab\there", "One more"};
  schedule.lectures.push_back(lecture);
  lecture.date = date(2025, 9, 16);
  lecture.students_present = false;
  lecture.presenter = "Jae-Won";
  lecture.readings = {"Only"};
  schedule.lectures.push_back(lecture);
  schedule.no_lectures.push_back({date(2025, 9, 12), "Fall \u2013 Break"});

  const auto text = rules::render_schedule_toml(schedule);
  EXPECT_EQ(text, "[[lecture]]\n"
                  "date = 2025-09-11\n"
                  "topic = \"Say \\\"hi\\\"\"\n"
                  "section = \"C:\\\\path\"\n"
                  "readings = [\n"
                  "  \"Tab\\there\",\n"
                  "  \"One more\",\n"
                  "]\n"
                  "\n"
                  "[[no_lecture]]\n"
                  "date = 2025-09-12\n"
                  "reason = \"Fall \u2013 Break\"\n"
                  "\n"
                  "[[lecture]]\n"
                  "date = 2025-09-16\n"
                  "topic = \"Say \\\"hi\\\"\"\n"
                  "section = \"C:\\\\path\"\n"
                  "presenter = \"Jae-Won\"\n"
                  "readings = [\"Only\"]\n");
  const auto table = toml::parse(text);
  EXPECT_EQ(table["lecture"][0]["topic"].value_or(std::string{}), "Say \"hi\"");
  EXPECT_EQ(table["lecture"][0]["section"].value_or(std::string{}), "C:\\path");
  EXPECT_EQ(table["lecture"][0]["readings"][0].value_or(std::string{}), "Tab\there");
  EXPECT_EQ(table["no_lecture"][0]["reason"].value_or(std::string{}), "Fall \u2013 Break");
  EXPECT_EQ(rules::toml_quote(std::string_view("\x01", 1)), "\"\\u0001\"");
}

TEST(SyllabusImport, Fall2025PageHas17StudentAnd5StaffLectures) {
  const auto schedule = rules::parse_syllabus(
      test::read_text(test::test_data() / "syllabus/cse585-f25.md"), "cse585-f25.md", 2025);
  EXPECT_EQ(lines_of(schedule.problems), Strings{});
  EXPECT_EQ(
      iso_dates(schedule.lectures, true),
      (Strings{"2025-09-11", "2025-09-16", "2025-09-18", "2025-09-23", "2025-09-25", "2025-09-30",
               "2025-10-07", "2025-10-09", "2025-10-16", "2025-10-30", "2025-11-04", "2025-11-06",
               "2025-11-11", "2025-11-13", "2025-11-18", "2025-11-20", "2025-11-25"}));
  EXPECT_EQ(iso_dates(schedule.lectures, false),
            (Strings{"2025-08-26", "2025-08-28", "2025-09-04", "2025-10-02", "2025-12-02"}));
  Strings days;
  for (const auto& day : schedule.no_lectures)
    days.push_back(rules::iso_date(day.date));
  EXPECT_EQ(days, (Strings{"2025-09-02", "2025-09-09", "2025-10-14", "2025-10-21", "2025-10-23",
                           "2025-10-28", "2025-11-27", "2025-12-04"}));
  EXPECT_TRUE(schedule.assignments.empty());

  const auto* inference_basics = lecture_on(schedule, date(2025, 10, 2));
  ASSERT_NE(inference_basics, nullptr);
  EXPECT_EQ(inference_basics->presenter, "Jae-Won");
  EXPECT_EQ(inference_basics->section, "Inference");
  const auto* mooncake = lecture_on(schedule, date(2025, 10, 9));
  ASSERT_NE(mooncake, nullptr);
  ASSERT_EQ(mooncake->readings.size(), 2u);
  EXPECT_EQ(mooncake->readings[1], "Mooncake: Trading More Storage for Less Computation \u2014 A "
                                   "KVCache-centric Architecture for Serving LLM Chatbot");
}

TEST(SyllabusImport, Fall2024PageHasDatesAndSectionsOnly) {
  const auto schedule = rules::parse_syllabus(
      test::read_text(test::test_data() / "syllabus/cse585-f24.md"), "cse585-f24.md", 2024);
  EXPECT_EQ(lines_of(schedule.problems), Strings{});
  // The page says groups are declared by Sep 5: the lectures up to then are staff's.
  EXPECT_EQ(iso_dates(schedule.lectures, false),
            (Strings{"2024-08-27", "2024-08-29", "2024-09-03", "2024-09-05"}));
  EXPECT_EQ(iso_dates(schedule.lectures, true),
            (Strings{"2024-09-17", "2024-09-19", "2024-09-24", "2024-09-26", "2024-10-01",
                     "2024-10-03", "2024-10-08", "2024-10-10", "2024-10-17", "2024-11-07",
                     "2024-11-12", "2024-11-14", "2024-11-19", "2024-11-21", "2024-11-26"}));
  Strings days;
  for (const auto& day : schedule.no_lectures)
    days.push_back(rules::iso_date(day.date) + " " + day.reason);
  EXPECT_EQ(days, (Strings{
                      "2024-09-10 No Lecture: Work on Projects",
                      "2024-09-12 Buffer",
                      "2024-10-15 Fall Study Break",
                      "2024-10-22 Mid-Semester Presentations",
                      "2024-10-24 Mid-Semester Presentations",
                      "2024-10-29 No Lecture: Work on Projects",
                      "2024-10-31 Buffer",
                      "2024-11-05 No Lecture: Work on Projects",
                      "2024-11-28 No Lecture: Thanksgiving Recess",
                      "2024-12-03 Buffer",
                      "2024-12-05 Final Poster Presentations",
                  }));
  const auto* first = lecture_on(schedule, date(2024, 8, 29));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->section, "GenAI Basics");
  EXPECT_EQ(first->presenter, "staff");
}

// The course files in rules/ hold exactly what the importer reads from the pages.
TEST(SyllabusImport, CourseFilesMatchTheImportedPages) {
  struct Term {
    std::string id;
    int year;
  };
  for (const auto& term : {Term{"cse585-f25", 2025}, Term{"cse585-f24", 2024}}) {
    SCOPED_TRACE(term.id);
    const auto imported = rules::parse_syllabus(
        test::read_text(test::test_data() / "syllabus" / (term.id + ".md")), term.id, term.year);
    const auto path = test::source_dir() / "rules" / term.id / "course.toml";
    const auto course = rules::parse_course_file({test::read_text(path), path.string()});
    ASSERT_TRUE(course) << course.error().front().to_string();
    ASSERT_EQ(course->lectures.size(), imported.lectures.size());
    for (std::size_t k = 0; k < imported.lectures.size(); ++k) {
      const auto& want = imported.lectures[k];
      const auto& got = course->lectures[k];
      SCOPED_TRACE(rules::iso_date(want.date));
      EXPECT_EQ(got.date, want.date);
      EXPECT_EQ(got.topic, want.topic);
      EXPECT_EQ(got.section, want.section);
      EXPECT_EQ(got.presenter, want.presenter);
      EXPECT_EQ(got.students_present, want.students_present);
      EXPECT_EQ(got.readings, want.readings);
    }
    ASSERT_EQ(course->no_lectures.size(), imported.no_lectures.size());
    for (std::size_t k = 0; k < imported.no_lectures.size(); ++k) {
      EXPECT_EQ(course->no_lectures[k].date, imported.no_lectures[k].date);
      EXPECT_EQ(course->no_lectures[k].reason, imported.no_lectures[k].reason);
    }
  }
}

TEST(SyllabusImport, LecturesBeforeGroupsAreFormedAreGivenByStaff) {
  // The page's own words say when groups exist; a lecture up to that day has no group to
  // give it, unless the table names one.
  const std::string page = "# Course\n\n"
                           "* Sign up your group (membership form) by **Oct 3**. Late ones "
                           "are placed.\n\n"
                           "| Date | Readings | Presenter |\n"
                           "| --- | --- | --- |\n"
                           "|  | **Basics** | |\n"
                           "| Oct 1 | | |\n"
                           "| Oct 3 | | Group 2 |\n"
                           "| Oct 8 | | |\n";
  const auto schedule = rules::parse_syllabus(page, "page.md", 2025);
  EXPECT_EQ(lines_of(schedule.problems), Strings{});
  EXPECT_EQ(iso_dates(schedule.lectures, false), Strings{"2025-10-01"});
  EXPECT_EQ(iso_dates(schedule.lectures, true), (Strings{"2025-10-03", "2025-10-08"}));
  EXPECT_EQ(lecture_on(schedule, date(2025, 10, 1))->presenter, "staff");
  EXPECT_EQ(lines_of(schedule.notes),
            Strings{"page.md:3: 2025-10-01 is on or before 2025-10-03, the day by which groups are "
                    "declared: staff give it; name the presenter in the Presenter column if "
                    "students give it"});
}
