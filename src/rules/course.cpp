#include "rules/course.hpp"

#include <algorithm>
#include <cctype>

namespace mailroom::rules {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Local parts are case-sensitive by RFC 5321, but no real mailbox provider treats
// them so, and students type their address in any case: compare both sides folded.
bool same_address(std::string_view a, std::string_view b) {
  return lower(a) == lower(b);
}

} // namespace

const Deliverable* Course::deliverable(std::string_view wanted) const {
  auto it = std::ranges::find(deliverables, wanted, &Deliverable::name);
  return it == deliverables.end() ? nullptr : &*it;
}

const Lecture* Course::lecture(Date wanted) const {
  auto it = std::ranges::find(lectures, wanted, &Lecture::date);
  return it == lectures.end() ? nullptr : &*it;
}

std::vector<std::string> Course::groups() const {
  std::vector<std::string> out;
  for (const auto& student : roster)
    if (std::ranges::find(out, student.group) == out.end())
      out.push_back(student.group);
  return out;
}

std::vector<const Student*> Course::students_with_email(std::string_view address) const {
  std::vector<const Student*> out;
  for (const auto& student : roster)
    if (same_address(student.email, address))
      out.push_back(&student);
  return out;
}

const StaffMember* Course::staff_member(std::string_view address) const {
  for (const auto& member : staff)
    for (const auto& own : member.addresses)
      if (same_address(own, address))
        return &member;
  return nullptr;
}

std::vector<const Student*> Course::members(std::string_view group) const {
  std::vector<const Student*> out;
  for (const auto& student : roster)
    if (student.group == group)
      out.push_back(&student);
  return out;
}

std::string to_string(Role role) {
  switch (role) {
  case Role::presenter:
    return "presenter";
  case Role::summary:
    return "summary";
  case Role::reviewer:
    return "reviewer";
  }
  return "?";
}

std::string to_string(Owner owner) {
  switch (owner) {
  case Owner::presenter:
    return "presenter";
  case Owner::summary:
    return "summary";
  case Owner::reviewer:
    return "reviewer";
  case Owner::every_group:
    return "every-group";
  }
  return "?";
}

std::string iso_date(Date date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

std::optional<Role> role_owing(const Deliverable& deliverable) {
  switch (deliverable.owner) {
  case Owner::presenter:
    return Role::presenter;
  case Owner::summary:
    return Role::summary;
  case Owner::reviewer:
    return Role::reviewer;
  case Owner::every_group:
    break;
  }
  return std::nullopt;
}

std::vector<Date> Course::lectures_assigned(const Deliverable& wanted,
                                            std::string_view group) const {
  std::vector<Date> out;
  const auto role = role_owing(wanted);
  for (const auto& assignment : assignments)
    if (role && assignment.role == *role && assignment.group == group)
      out.push_back(assignment.lecture);
  std::ranges::sort(out);
  return out;
}

std::vector<std::string> Course::groups_assigned(const Deliverable& wanted, Date date) const {
  std::vector<std::string> out;
  const auto role = role_owing(wanted);
  for (const auto& assignment : assignments)
    if (role && assignment.role == *role && assignment.lecture == date)
      out.push_back(assignment.group);
  return out;
}

} // namespace mailroom::rules
