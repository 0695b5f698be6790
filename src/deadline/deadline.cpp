#include "deadline/deadline.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace mailroom::deadline {

namespace {

using rules::Anchor;
using rules::Course;
using rules::Deliverable;

const date::time_zone* find_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::vector<std::optional<std::string>> owing_groups(const Course& course, rules::Owner owner,
                                                     rules::Date lecture) {
  std::vector<std::optional<std::string>> groups;
  for (const auto& assignment : course.assignments) {
    const bool matches =
        (owner == rules::Owner::presenter && assignment.role == rules::Role::presenter) ||
        (owner == rules::Owner::summary && assignment.role == rules::Role::summary) ||
        (owner == rules::Owner::reviewer && assignment.role == rules::Role::reviewer);
    if (matches && assignment.lecture == lecture &&
        std::ranges::find(groups, std::optional{assignment.group}) == groups.end())
      groups.emplace_back(assignment.group);
  }
  if (groups.empty())
    groups.emplace_back(std::nullopt);
  return groups;
}

} // namespace

core::Result<core::Instant> local_instant(const Course& course, rules::Date day,
                                          std::chrono::seconds time_of_day) {
  const auto* zone = find_zone(course.zone);
  if (!zone)
    return core::fail(course.zone, "unknown time zone", "use a tz database name");
  const date::local_seconds local{date::local_days{std::chrono::sys_days{day}.time_since_epoch()} +
                                  time_of_day};
  // choose::earliest picks the first of an ambiguous (fall-back) hour; for a
  // nonexistent time both choices give the instant the gap ends.
  return std::chrono::time_point_cast<std::chrono::seconds>(
      zone->to_sys(local, date::choose::earliest));
}

core::Result<core::Instant> due_at(const Course& course, const Deliverable& deliverable,
                                   std::optional<rules::Date> lecture) {
  const auto& rule = deliverable.due;
  if (rule.anchor == Anchor::local_time) {
    auto instant = local_instant(course, *rule.date, rule.time_of_day);
    if (!instant)
      return instant;
    return *instant + rule.offset;
  }
  if (!lecture)
    return core::fail(deliverable.name, "is due relative to a class, but no lecture is known",
                      "name the lecture");
  const auto anchor_time =
      rule.anchor == Anchor::class_start ? course.class_start : course.class_end;
  auto anchor = local_instant(course, *lecture, anchor_time);
  if (!anchor)
    return anchor;
  return *anchor + rule.offset;
}

std::vector<Instance> instances(const Course& course) {
  std::vector<Instance> out;
  for (const auto& deliverable : course.deliverables) {
    if (deliverable.per_lecture) {
      for (const auto& lecture : course.lectures) {
        if (!lecture.students_present)
          continue;
        auto due = due_at(course, deliverable, lecture.date);
        if (!due)
          continue;
        for (auto& group : owing_groups(course, deliverable.owner, lecture.date))
          out.push_back(Instance{deliverable.name, lecture.date, group, *due, deliverable.grace});
      }
      continue;
    }
    auto due = due_at(course, deliverable, std::nullopt);
    if (!due)
      continue;
    auto groups = course.groups();
    if (groups.empty())
      out.push_back(
          Instance{deliverable.name, std::nullopt, std::nullopt, *due, deliverable.grace});
    for (auto& group : groups)
      out.push_back(Instance{deliverable.name, std::nullopt, group, *due, deliverable.grace});
  }
  std::ranges::stable_sort(out, [](const Instance& a, const Instance& b) {
    return std::tie(a.due, a.lecture) < std::tie(b.due, b.lecture);
  });
  return out;
}

Judgement judge(core::Instant due, core::Seconds grace, core::Instant received_at) {
  const auto last_on_time = due + grace;
  if (received_at <= last_on_time)
    return Judgement{due, Verdict::on_time, core::Seconds{0}};
  return Judgement{due, Verdict::late, received_at - last_on_time};
}

std::string to_string(Verdict verdict) {
  return verdict == Verdict::on_time ? "on-time" : "late";
}

std::string format_local(core::Instant instant, const std::string& zone_name, Precision precision) {
  const auto* zone = find_zone(zone_name);
  if (!zone)
    return date::format(precision == Precision::seconds ? "%a %b %d, %H:%M:%S UTC"
                                                        : "%a %b %d, %H:%M UTC",
                        instant);
  const auto zoned = date::make_zoned(zone, instant);
  const auto local = zoned.get_local_time();
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss time{local - day};
  const int hour12 = static_cast<int>(time.hours().count()) % 12 == 0
                         ? 12
                         : static_cast<int>(time.hours().count()) % 12;
  const auto seconds =
      precision == Precision::seconds ? fmt::format(":{:02}", time.seconds().count()) : "";
  return fmt::format("{} {} {}, {}:{:02}{} {} {}", date::format("%a", day),
                     date::format("%b", ymd.month()), static_cast<unsigned>(ymd.day()), hour12,
                     time.minutes().count(), seconds, time.hours().count() < 12 ? "AM" : "PM",
                     zoned.get_info().abbrev);
}

std::string format_local_iso(core::Instant instant, const std::string& zone_name) {
  const auto* zone = find_zone(zone_name);
  if (!zone)
    return core::to_iso_utc(instant);
  const auto zoned = date::make_zoned(zone, instant);
  const auto offset = std::chrono::duration_cast<std::chrono::minutes>(zoned.get_info().offset);
  const auto magnitude = offset.count() < 0 ? -offset.count() : offset.count();
  return fmt::format("{}{}{:02}:{:02}", date::format("%FT%T", zoned.get_local_time()),
                     offset.count() < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

std::string format_day(rules::Date date) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::chrono::weekday day{std::chrono::sys_days{date}};
  return fmt::format("{} {} {}", days[day.c_encoding()],
                     months[static_cast<unsigned>(date.month()) - 1],
                     static_cast<unsigned>(date.day()));
}

std::string format_duration(core::Seconds duration) {
  auto total = duration.count();
  const char* sign = total < 0 ? "-" : "";
  if (total < 0)
    total = -total;
  const auto days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60,
             seconds = total % 60;
  if (days > 0)
    return fmt::format("{}{} day{} {} h", sign, days, days == 1 ? "" : "s", hours);
  if (hours > 0)
    return fmt::format("{}{} h {} min", sign, hours, minutes);
  if (minutes > 0)
    return seconds == 0 || minutes >= 10 ? fmt::format("{}{} min", sign, minutes)
                                         : fmt::format("{}{} min {} s", sign, minutes, seconds);
  return fmt::format("{}{} s", sign, seconds);
}

namespace {

std::string counted(long long count, std::string_view unit) {
  return fmt::format("{} {}{}", count, unit, count == 1 ? "" : "s");
}

std::string counted_pair(long long major, std::string_view major_unit, long long minor,
                         std::string_view minor_unit) {
  return minor == 0 ? counted(major, major_unit)
                    : counted(major, major_unit) + " " + counted(minor, minor_unit);
}

// "Presentation slides are", "Final report is": the rule's sentence starts with the
// deliverable's title, so its verb follows the title's last word.
std::string title_with_verb(const std::string& title) {
  const bool plural = title.ends_with('s') && !title.ends_with("ss");
  return title + (plural ? " are" : " is");
}

// Whose class a per-lecture deadline hangs on, as the student reads it.
std::string class_of(rules::Owner owner) {
  switch (owner) {
  case rules::Owner::presenter:
    return "your group's class";
  case rules::Owner::summary:
    return "the class your group summarises";
  case rules::Owner::reviewer:
    return "the class your group reviews";
  case rules::Owner::every_group:
    break;
  }
  return "the class";
}

std::chrono::seconds local_time_of_day(core::Instant instant, const std::string& zone_name) {
  const auto* zone = find_zone(zone_name);
  if (!zone)
    return std::chrono::seconds{0};
  const auto local = date::make_zoned(zone, instant).get_local_time();
  return local - date::floor<date::days>(local);
}

} // namespace

std::string plain_duration(core::Seconds duration) {
  auto total = duration.count() < 0 ? -duration.count() : duration.count();
  if (total < 60)
    return counted(total, "second");
  if (total < 3600)
    return counted_pair(total / 60, "minute", total % 60, "second");
  if (total < 48 * 3600)
    return counted_pair(total / 3600, "hour", total % 3600 / 60, "minute");
  return counted_pair(total / 86400, "day", total % 86400 / 3600, "hour");
}

std::string grace_period_name(core::Seconds grace) {
  const auto total = grace.count();
  if (total % 3600 == 0)
    return fmt::format("{}-hour grace period", total / 3600);
  if (total % 60 == 0)
    return fmt::format("{}-minute grace period", total / 60);
  return plain_duration(grace) + " grace period";
}

core::Result<std::string> describe_rule(const Course& course, const Deliverable& deliverable,
                                        std::optional<rules::Date> lecture) {
  const auto& rule = deliverable.due;
  auto due = due_at(course, deliverable, lecture);
  if (!due)
    return std::unexpected(due.error());
  const auto offset = rule.offset;
  const auto amount = plain_duration(offset);
  const char* direction = offset.count() < 0 ? "before" : "after";
  const auto due_text = format_local(*due, course.zone);
  std::string sentence = title_with_verb(deliverable.title) + " due ";
  core::Instant anchor{};
  if (rule.anchor == Anchor::local_time) {
    auto base = local_instant(course, *rule.date, rule.time_of_day);
    if (!base)
      return std::unexpected(base.error());
    anchor = *base;
    // A date without a time is the end of that day, 23:59:59 inclusive.
    const bool end_of_day = rule.time_of_day == std::chrono::seconds{86399};
    auto base_text =
        format_local(*base, course.zone, end_of_day ? Precision::seconds : Precision::minutes);
    // "the end of Thu Sep 18 (11:59:59 PM EDT)": the day, then its last second.
    if (const auto comma = base_text.find(", "); end_of_day && comma != std::string::npos)
      base_text = fmt::format("the end of {} ({})", base_text.substr(0, comma),
                              base_text.substr(comma + 2));
    if (offset.count() == 0)
      sentence += (end_of_day ? "by " : "on or before ") + base_text + ".";
    else
      sentence += fmt::format("{} {} {}, so due {}.", amount, direction, base_text, due_text);
  } else {
    auto start =
        local_instant(course, *lecture,
                      rule.anchor == Anchor::class_start ? course.class_start : course.class_end);
    if (!start)
      return std::unexpected(start.error());
    anchor = *start;
    const bool at_start = rule.anchor == Anchor::class_start;
    const auto whose = class_of(deliverable.owner);
    const auto class_text = format_local(*start, course.zone);
    if (offset.count() == 0)
      sentence += fmt::format("at the {} of {}: class {} {}.", at_start ? "start" : "end", whose,
                              at_start ? "starts" : "ends", class_text);
    else if (at_start && offset.count() < 0)
      sentence +=
          fmt::format("{} before {}: class {}, so due {}.", amount, whose, class_text, due_text);
    else
      sentence += fmt::format("{} {} the {} of {}: class {} {}, so due {}.", amount, direction,
                              at_start ? "start" : "end", whose, at_start ? "starts" : "ends",
                              class_text, due_text);
  }
  // Offsets are elapsed time: across a DST change the wall-clock time moves, and a
  // student comparing "24 hours" with the clock deserves to be told why.
  if (offset.count() % 86400 == 0 && offset.count() != 0 &&
      local_time_of_day(*due, course.zone) != local_time_of_day(anchor, course.zone))
    sentence += fmt::format(" ({} elapsed: the clocks changed in between.)", amount);
  if (deliverable.grace.count() > 0)
    sentence += fmt::format(" A {} follows the deadline.", grace_period_name(deliverable.grace));
  return sentence;
}

} // namespace mailroom::deadline
