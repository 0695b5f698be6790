#include "rules/load.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace mailroom::rules {

namespace {

using core::Problem;
using core::Problems;

std::string at(const SourceText& source, int line) {
  return fmt::format("{}:{}", source.origin, line);
}

// The header must be exactly the expected one: staff edit these files by hand, and
// a swapped column would silently put names where emails belong.
bool check_header(const SourceText& source, const std::vector<util::CsvRow>& rows,
                  const std::vector<std::string>& expected, Problems& problems) {
  const std::string wanted = fmt::format("{}", fmt::join(expected, ","));
  if (rows.empty()) {
    problems.push_back(
        {source.origin, "empty file", fmt::format("start it with the header '{}'", wanted)});
    return false;
  }
  std::vector<std::string> found;
  for (const auto& field : rows.front().fields)
    found.push_back(util::lower(util::trim(field)));
  if (found != expected) {
    problems.push_back({at(source, rows.front().line),
                        fmt::format("wrong header '{}'", fmt::join(rows.front().fields, ",")),
                        fmt::format("the first line must be '{}'", wanted)});
    return false;
  }
  return true;
}

std::optional<Date> parse_iso_date(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (text.size() != 10 || std::sscanf(std::string(text).c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3)
    return std::nullopt;
  const Date date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  return date.ok() ? std::optional{date} : std::nullopt;
}

bool plausible_email(std::string_view email) {
  const auto at_sign = email.find('@');
  return at_sign != std::string_view::npos && at_sign > 0 && at_sign + 1 < email.size() &&
         email.find('@', at_sign + 1) == std::string_view::npos &&
         email.find_first_of(" \t<>,;") == std::string_view::npos;
}

} // namespace

Checked<std::vector<Student>> parse_roster(const SourceText& source) {
  Problems problems;
  const auto rows = util::parse_csv(source.text);
  if (!check_header(source, rows, {"group", "name", "uniqname", "email"}, problems))
    return std::unexpected(problems);
  std::vector<Student> students;
  std::map<std::string, std::pair<std::string, int>> group_of_email;
  std::map<int, Student> students_by_line;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row.fields.size() != 4) {
      problems.push_back(
          {at(source, row.line),
           fmt::format("{} fields, expected 4 (group,name,uniqname,email)", row.fields.size()),
           "quote a field that holds a comma"});
      continue;
    }
    Student student{util::trim(row.fields[0]), util::trim(row.fields[1]), util::trim(row.fields[2]),
                    util::trim(row.fields[3]), row.line};
    if (student.group.empty())
      problems.push_back({at(source, row.line), fmt::format("'{}' has no group", student.name),
                          "fill in the group column"});
    if (student.email.empty()) {
      problems.push_back({at(source, row.line), fmt::format("'{}' has no email", student.name),
                          "fill in the email column; replies go only to roster addresses"});
      continue;
    }
    if (!plausible_email(student.email)) {
      problems.push_back({at(source, row.line),
                          fmt::format("'{}' is not an email address", student.email),
                          "write it as uniqname@umich.edu"});
      continue;
    }
    const auto key = util::lower(student.email);
    if (auto it = group_of_email.find(key); it != group_of_email.end()) {
      const auto& [group, line] = it->second;
      const auto& earlier = students_by_line.at(line);
      if (group != student.group)
        problems.push_back({at(source, row.line),
                            fmt::format("{} is in group {} here and in group {} on line {}",
                                        student.email, student.group, group, line),
                            "an address belongs to one group only; remove one of the rows"});
      else if (earlier.email != student.email)
        problems.push_back({at(source, row.line),
                            fmt::format("{} is {} of line {} in another letter case", student.email,
                                        earlier.email, line),
                            "addresses match in any letter case; remove one of the rows"});
      else
        problems.push_back({at(source, row.line), fmt::format("repeats line {}", line),
                            "remove one of the two rows"});
      continue;
    }
    group_of_email.emplace(key, std::pair{student.group, row.line});
    students_by_line.emplace(row.line, student);
    students.push_back(std::move(student));
  }
  if (!problems.empty())
    return std::unexpected(problems);
  return students;
}

namespace {

// "a@x.edu; b@y.org" or "a@x.edu b@y.org": the addresses of one staff.csv row.
std::vector<std::string> addresses_in(std::string_view field) {
  std::string spaced(field);
  std::ranges::replace(spaced, ';', ' ');
  std::vector<std::string> out;
  for (const auto& word : util::split(spaced, ' '))
    if (auto address = util::trim(word); !address.empty())
      out.push_back(std::move(address));
  return out;
}

} // namespace

Checked<std::vector<StaffMember>> parse_staff(const SourceText& source,
                                              const std::vector<Student>& roster) {
  Problems problems;
  const auto rows = util::parse_csv(source.text);
  if (!check_header(source, rows, {"name", "addresses"}, problems))
    return std::unexpected(problems);
  std::vector<StaffMember> staff;
  std::map<std::string, int> line_of_address;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row.fields.size() != 2) {
      problems.push_back({at(source, row.line),
                          fmt::format("{} fields, expected 2 (name,addresses)", row.fields.size()),
                          "quote a field that holds a comma; separate addresses with spaces"});
      continue;
    }
    StaffMember member{util::trim(row.fields[0]), addresses_in(row.fields[1]), row.line};
    if (member.name.empty())
      problems.push_back({at(source, row.line), "a row without a name", "fill in the name column"});
    if (member.addresses.empty())
      problems.push_back({at(source, row.line), fmt::format("'{}' has no address", member.name),
                          "fill in the addresses column: staff commands are taken only from "
                          "these addresses"});
    for (const auto& address : member.addresses) {
      if (!plausible_email(address)) {
        problems.push_back({at(source, row.line),
                            fmt::format("'{}' is not an email address", address),
                            "write it as uniqname@umich.edu; separate addresses with spaces"});
        continue;
      }
      const auto key = util::lower(address);
      if (auto it = line_of_address.find(key); it != line_of_address.end()) {
        problems.push_back({at(source, row.line),
                            fmt::format("{} is on line {} already", address, it->second),
                            "an address belongs to one person; remove one of them"});
        continue;
      }
      line_of_address.emplace(key, row.line);
      for (const auto& student : roster)
        if (util::lower(student.email) == key)
          problems.push_back(
              {at(source, row.line),
               fmt::format("{} is a student's address (group {} in roster.csv)", address,
                           student.group),
               "a staff address may run staff commands by mail: never give one to a student"});
    }
    staff.push_back(std::move(member));
  }
  if (!problems.empty())
    return std::unexpected(problems);
  return staff;
}

namespace {

// The rows of assignments.csv that could be read, and the problems of the others. A row
// with one bad field still has its other fields checked, so that one pass names every
// problem (an unknown role must not hide a group missing from the roster).
struct AssignmentRows {
  std::vector<Assignment> valid;
  std::vector<std::pair<int, std::string>> groups; // (line, group) of every row with one
  Problems problems;
};

AssignmentRows read_assignments(const SourceText& source) {
  AssignmentRows out;
  auto& problems = out.problems;
  const auto rows = util::parse_csv(source.text);
  if (!check_header(source, rows, {"lecture", "role", "group"}, problems))
    return out;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row.fields.size() != 3) {
      problems.push_back(
          {at(source, row.line),
           fmt::format("{} fields, expected 3 (lecture,role,group)", row.fields.size()),
           "write lecture,role,group"});
      continue;
    }
    Assignment assignment;
    assignment.line = row.line;
    bool ok = true;
    const auto date_text = util::trim(row.fields[0]);
    if (auto date = parse_iso_date(date_text)) {
      assignment.lecture = *date;
    } else {
      problems.push_back({at(source, row.line), fmt::format("bad lecture date '{}'", date_text),
                          "write it as 2025-10-07"});
      ok = false;
    }
    const auto role = util::lower(util::trim(row.fields[1]));
    if (role == "presenter")
      assignment.role = Role::presenter;
    else if (role == "summary")
      assignment.role = Role::summary;
    else if (role == "reviewer")
      assignment.role = Role::reviewer;
    else {
      std::string fix = "use presenter, summary or reviewer";
      if (auto guess = util::closest(role, {"presenter", "summary", "reviewer"}); !guess.empty())
        fix = fmt::format("did you mean '{}'?", guess);
      problems.push_back(
          {at(source, row.line), fmt::format("unknown role '{}'", row.fields[1]), fix});
      ok = false;
    }
    assignment.group = util::trim(row.fields[2]);
    if (assignment.group.empty()) {
      problems.push_back({at(source, row.line), "no group", "fill in the group column"});
      ok = false;
    } else {
      out.groups.emplace_back(row.line, assignment.group);
    }
    if (ok)
      out.valid.push_back(std::move(assignment));
  }
  return out;
}

} // namespace

Checked<std::vector<Assignment>> parse_assignments(const SourceText& source) {
  auto rows = read_assignments(source);
  if (!rows.problems.empty())
    return std::unexpected(rows.problems);
  return std::move(rows.valid);
}

Checked<Course> parse_rules(const RulesText& rules) {
  Problems problems;
  auto course = parse_course_file(rules.course);
  auto roster = parse_roster(rules.roster);
  auto assignments = read_assignments(rules.assignments);
  if (!course)
    problems.insert(problems.end(), course.error().begin(), course.error().end());
  if (!roster)
    problems.insert(problems.end(), roster.error().begin(), roster.error().end());
  problems.insert(problems.end(), assignments.problems.begin(), assignments.problems.end());
  // The checks across files run on every row that could be read, whatever else failed,
  // so that one `mailroom check` names every problem.
  if (course) {
    for (const auto& assignment : assignments.valid) {
      const auto where = at(rules.assignments, assignment.line);
      const auto* lecture = course->lecture(assignment.lecture);
      if (!lecture)
        problems.push_back({where, fmt::format("no lecture on {}", iso_date(assignment.lecture)),
                            "use a date from the [[lecture]] list of course.toml"});
      else if (!lecture->students_present)
        problems.push_back({where,
                            fmt::format("the lecture on {} is given by staff ({})",
                                        iso_date(assignment.lecture), lecture->presenter),
                            "assign groups only to lectures that students present"});
    }
  }
  if (roster) {
    std::vector<std::string> groups;
    for (const auto& student : *roster)
      if (std::ranges::find(groups, student.group) == groups.end())
        groups.push_back(student.group);
    for (const auto& [line, group] : assignments.groups) {
      if (std::ranges::find(groups, group) != groups.end())
        continue;
      std::string fix = "add the group to roster.csv first";
      if (auto guess = util::closest(group, groups); !guess.empty())
        fix = fmt::format("did you mean '{}'?", guess);
      problems.push_back({at(rules.assignments, line),
                          fmt::format("group '{}' is not on the roster", group), fix});
    }
  }
  if (!problems.empty())
    return std::unexpected(problems);
  course->roster = std::move(*roster);
  course->assignments = std::move(assignments.valid);
  return std::move(*course);
}

} // namespace mailroom::rules
