#pragma once

#include "rules/load.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace mailroom::test {

// A small course in the shape of CSE 585 F'25: Tue/Thu 10:30-12:00 in Detroit,
// four student lectures around the DST change of Nov 2, 2025, one staff lecture.
inline const std::string k_course_toml = R"(
[course]
id = "demo-f25"
name = "DEMO 101"
term = "Fall 2025"
year = 2025
zone = "America/Detroit"
staff_address = "staff@example.edu"

[class]
days = ["Tue", "Thu"]
start = "10:30"
end = "12:00"

[deliverable.slides]
owner = "presenter"
per = "lecture"
due = "class_start - 24h"
file_types = ["pdf", "pptx"]
link_kinds = ["google-slides"]
keywords = ["slides", "deck"]

[deliverable.summary]
owner = "summary"
per = "lecture"
due = "class_end + 24h"
late_policy = "not-counted"
keywords = ["summary"]

[deliverable.proposal]
owner = "every-group"
per = "group"
due = "2025-09-18"
keywords = ["proposal"]

[deliverable.final-report]
owner = "every-group"
per = "group"
due = "2025-12-15 13:00"
keywords = ["final report"]

[[lecture]]
date = 2025-09-04
topic = "Training Basics"
presenter = "Jae-Won"

[[lecture]]
date = 2025-10-07
topic = "Inference"
readings = ["DistServe", "Sarathi-Serve"]

[[lecture]]
date = 2025-10-30
topic = "Inference"
readings = ["PowerInfer", "FlexGen"]

[[lecture]]
date = 2025-11-04
topic = "Inference"
readings = ["Andes"]

[[lecture]]
date = 2025-11-06
topic = "Agentic Systems"
readings = ["Parrot"]

[[no_lecture]]
date = 2025-10-14
reason = "Fall Study Break"
)";

inline const std::string k_roster_csv = "group,name,uniqname,email\n"
                                        "1,Ada Lovelace,ada,ada@example.edu\n"
                                        "1,Alan Turing,alan,alan@example.edu\n"
                                        "2,Grace Hopper,grace,grace@example.edu\n"
                                        "2,Grace Hopper,grace,g.hopper@gmail.com\n";

inline const std::string k_assignments_csv = "lecture,role,group\n"
                                             "2025-10-07,presenter,1\n"
                                             "2025-10-07,summary,2\n"
                                             "2025-11-04,presenter,2\n";

// The test course with proposals due in 2030, so that today's mail is on time and young
// enough to be answered (the integration tests that send real replies).
inline std::string course_toml_due_in_2030() {
  auto course = k_course_toml;
  course.replace(course.find("due = \"2025-09-18\""), 18, "due = \"2030-09-18\"");
  return course;
}

inline rules::RulesText rules_text(std::string course = k_course_toml,
                                   std::string roster = k_roster_csv,
                                   std::string assignments = k_assignments_csv) {
  return {{std::move(course), "demo/course.toml"},
          {std::move(roster), "demo/roster.csv"},
          {std::move(assignments), "demo/assignments.csv"}};
}

// The test course's rules folder, as staff keep it: course.toml, roster.csv and
// assignments.csv in `folder`, each the test course's unless given.
inline void write_demo_rules(const std::filesystem::path& folder,
                             const std::string& course = k_course_toml,
                             const std::string& roster = k_roster_csv,
                             const std::string& assignments = k_assignments_csv) {
  write_file(folder / "course.toml", course);
  write_file(folder / "roster.csv", roster);
  write_file(folder / "assignments.csv", assignments);
}

inline rules::Course demo_course() {
  return course_of(rules_text());
}

} // namespace mailroom::test
