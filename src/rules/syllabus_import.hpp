#pragma once

#include "core/problem.hpp"
#include "rules/course.hpp"

#include <string>
#include <string_view>
#include <vector>

// Reading a course page's schedule table (Markdown) into the [[lecture]] and
// [[no_lecture]] entries of a course file, plus the group assignments it names.
namespace mailroom::rules {

struct ImportedSchedule {
  // In page order, which is date order on a well-formed page.
  std::vector<Lecture> lectures;
  std::vector<NoLecture> no_lectures;
  // Groups named in the Presenter, Summary and Reviewer cells; `line` is the page line.
  std::vector<Assignment> assignments;
  // Rows the importer could not understand (a bad date, a duplicate day, a reading
  // before any lecture, groups on a staff lecture). `where` is "origin:line".
  core::Problems problems;
  // Rows it understood but dropped or guessed about (readings listed under a day
  // without lecture, a topic without a presenter). Worth a look, not an error.
  core::Problems notes;
};

// Parse the first Markdown table of `text` whose header names a "Date" column, in the
// form of the CSE 585 course pages:
//
//   | Date | Readings | Presenter | Summary | Reviewer |
//   | Aug 26 | **Introduction** | [Mosharaf](Slides/x.pdf) | | |
//   |  | [How to Read a Paper](http://...) (Required) | | | |
//   |  | **Pre-Training** | | | |
//   | Sep 11 | [Some Paper](http://...) (Required) | Group 3 | G5 | 7 |
//   | Oct 14 | **Fall Study Break** | | | |
//
// - A row with a date starts a day. Rows without one add readings to the lecture
//   above; one that holds only bold text is a section heading for what follows.
// - Bold text on a dated row is either the reason for a day without lecture (it starts
//   with "No Lecture"/"No Class" or names a break, recess, holiday, buffer, exam or
//   presentations) or the lecture's topic.
// - A Presenter cell that is not a group names a staff member: that lecture is given
//   by staff (students_present = false). Otherwise students present it, and a lecture
//   without a bold topic takes the section it sits under as its topic.
// - Groups are written "Group 3", "G3" or "3" (several separated by ",", "&", "/",
//   "and" or <br>); each becomes the roster-style label "3". Other text in the
//   Summary and Reviewer cells is kept as the group's label; "TBA", "TBD" and "-" are
//   empty.
// - Dates are "Sep 2", "Sep  2", "September 2" or "Tue, Sep 2", in `year`; a month
//   earlier than the previous row's is taken to be in the next year.
// - A reading is a link's text ("[Title](url)" -> "Title") or the plain text without
//   "(Required)"/"(Optional)". Text mis-encoded as cp1252 is repaired first.
// `origin` names the page in problems ("seeds/f25.md:52"). Never fails as a whole:
// what could not be read is in `problems`.
[[nodiscard]] ImportedSchedule parse_syllabus(std::string_view text, std::string_view origin,
                                              int year);

// The lectures and days without lecture as course-file TOML, merged in date order:
//
//   [[lecture]]
//   date = 2025-08-26
//   topic = "Introduction"
//   section = "Pre-Training"        (only when not empty)
//   presenter = "Mosharaf"          (only for staff lectures)
//   readings = ["How to Read a Paper"]  (one per line when more than one)
//
//   [[no_lecture]]
//   date = 2025-09-02
//   reason = "No Lecture: Find Project Groups"
[[nodiscard]] std::string render_schedule_toml(const ImportedSchedule& schedule);

// assignments.csv text: the header "lecture,role,group" and one row per assignment,
// quoted as RFC 4180 requires.
[[nodiscard]] std::string render_assignments_csv(const std::vector<Assignment>& assignments);

// `text` with runs of UTF-8 that was decoded as Windows-1252 and encoded again
// ("â€“" for "–", "ðŸ¦œ" for "🦜") turned back into what was meant. Text that is not
// such a run is returned unchanged.
[[nodiscard]] std::string repair_cp1252_mojibake(std::string_view text);

// A TOML basic string, quotes included: "\"Quoted\" \\ text".
[[nodiscard]] std::string toml_quote(std::string_view text);

} // namespace mailroom::rules
