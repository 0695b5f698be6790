#pragma once

#include "core/instant.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mailroom::rules {

using Date = std::chrono::year_month_day;
using TimeOfDay = std::chrono::minutes; // since local midnight

// Where a deadline is anchored: the start or end of the lecture's class, or a
// fixed local time. An offset (elapsed time, not wall-clock) is added to it.
enum class Anchor { class_start, class_end, local_time };

// "class_start - 24h", "class_end + 24h", "2025-12-15 13:00" or "2025-09-18" (end of day).
struct DueRule {
  Anchor anchor = Anchor::class_start;
  core::Seconds offset{0};
  // Only for Anchor::local_time: the local date and time of day (in seconds since
  // midnight; a bare date means 23:59:59, inclusive).
  std::optional<Date> date;
  std::chrono::seconds time_of_day{0};
  std::string text; // as written, for messages
};

// Who owes a deliverable: the lecture's presenter/summary/reviewer group, or every group.
enum class Owner { presenter, summary, reviewer, every_group };

// What happens to late work: accepted and flagged, or recorded but not counted.
enum class LatePolicy { accept_flag, not_counted };

struct ContentChecks {
  std::optional<int> max_pages;
  std::optional<int> min_pages;
  bool git_link = false;        // the mail must carry a git repository link
  bool zip_with_readme = false; // a zip attachment that holds a README
  bool member_emails = false;   // the group's roster emails in the PDF's text
  bool file_or_link = false;    // a file of an accepted type or a link of an accepted kind
  std::uint64_t max_size_bytes = 25ull << 20; // any one attachment
};

struct Deliverable {
  std::string name;  // "slides", "summary", "proposal", "final-report"
  std::string title; // "Presentation slides"
  Owner owner = Owner::every_group;
  bool per_lecture = false; // one instance per student-presented lecture
  DueRule due;
  core::Seconds grace{0};
  std::vector<std::string> file_types; // extensions without dot: "pdf", "pptx"
  std::vector<std::string> link_kinds; // "google-slides", "google-docs", "github", ...
  std::vector<std::string> keywords;   // subject/body words that name it, lower case
  ContentChecks checks;
  LatePolicy late_policy = LatePolicy::accept_flag;
  std::string late_note; // what the course page says happens to late work
  // How long before its deadline a group that has sent nothing is reminded; none: never.
  std::optional<core::Seconds> remind;
};

struct Lecture {
  Date date;
  std::string topic;                 // may be empty (F'24 gives dates only)
  std::string section;               // the heading it sits under ("Pre-Training")
  std::vector<std::string> readings; // paper titles
  bool students_present = true;      // false: given by staff, owes no slides or summary
  std::string presenter;             // staff name when students_present is false
};

struct NoLecture {
  Date date;
  std::string reason; // "Fall Study Break", "Thanksgiving Recess"
};

struct Student {
  std::string group;
  std::string name;
  std::string uniqname;
  std::string email; // as written; matched case-insensitively on the domain
  int line = 0;
};

// One row of staff.csv: a member of the course staff, who may send commands by mail.
struct StaffMember {
  std::string name;
  std::vector<std::string> addresses; // as written; matched as roster addresses are
  int line = 0;
};

enum class Role { presenter, summary, reviewer };

struct Assignment {
  Date lecture;
  Role role = Role::presenter;
  std::string group;
  int line = 0;
};

struct ClassifyPolicy {
  double confidence_bar = 0.6;
  // Words that mark a mail as a question or discussion rather than a submission.
  std::vector<std::string> question_words;
  // Subject prefixes of replies to mailroom's own mail ("Receipt:", "Late:").
  std::vector<std::string> own_reply_prefixes;
};

struct Course {
  std::string id;   // "cse585-f25"
  std::string name; // "CSE 585: Advanced Scalable Systems for Generative AI"
  std::string code; // "CSE 585": how subjects name the course; default: name up to its ':'
  std::string term; // "Fall 2025"
  int year = 0;
  std::string zone; // "America/Detroit"
  std::string staff_address;
  int min_group_size = 1;
  int max_group_size = 0;
  std::vector<std::chrono::weekday> class_days;
  TimeOfDay class_start{0};
  TimeOfDay class_end{0};
  std::vector<Lecture> lectures;
  std::vector<NoLecture> no_lectures;
  std::vector<Deliverable> deliverables;
  ClassifyPolicy classify;
  std::vector<Student> roster;
  std::vector<Assignment> assignments;
  std::vector<StaffMember> staff; // staff.csv; empty: no commands by mail

  [[nodiscard]] const Deliverable* deliverable(std::string_view name) const;
  [[nodiscard]] const Lecture* lecture(Date date) const;
  // Groups in roster order, each once.
  [[nodiscard]] std::vector<std::string> groups() const;
  // The roster rows whose email matches `address` (local part exact, domain any case).
  [[nodiscard]] std::vector<const Student*> students_with_email(std::string_view address) const;
  [[nodiscard]] std::vector<const Student*> members(std::string_view group) const;
  // The staff member one of whose addresses is `address` (matched as a roster address).
  [[nodiscard]] const StaffMember* staff_member(std::string_view address) const;
  // The lectures staff assigned `group` for `deliverable` (by its owner role), in date
  // order; none for a deliverable every group owes.
  [[nodiscard]] std::vector<Date> lectures_assigned(const Deliverable& deliverable,
                                                    std::string_view group) const;
  // The groups staff assigned `deliverable` for `lecture`, in assignments.csv order.
  [[nodiscard]] std::vector<std::string> groups_assigned(const Deliverable& deliverable,
                                                         Date lecture) const;
};

// The assignment role that owes `deliverable`; none for every_group.
[[nodiscard]] std::optional<Role> role_owing(const Deliverable& deliverable);

[[nodiscard]] std::string to_string(Role role);
[[nodiscard]] std::string to_string(Owner owner);
[[nodiscard]] std::string iso_date(Date date);

} // namespace mailroom::rules
