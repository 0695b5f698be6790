#include "schedule/plan.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>

namespace mailroom::schedule {

rules::Date local_day(core::Instant instant, const std::string& zone) {
  const auto local = date::make_zoned(zone, instant).get_local_time();
  return rules::Date{std::chrono::sys_days{date::floor<date::days>(local).time_since_epoch()}};
}

std::string digest_key(rules::Date day) {
  return "digest " + rules::iso_date(day);
}

std::optional<DigestDue> digest_due(const rules::Course& course, std::chrono::minutes at,
                                    const std::set<std::string>& queued, core::Instant now,
                                    std::optional<core::Instant> since) {
  auto day = local_day(now, course.zone);
  auto planned = deadline::local_instant(course, day, at);
  if (!planned)
    return std::nullopt;
  if (*planned > now) {
    day = rules::Date{std::chrono::sys_days{day} - std::chrono::days{1}};
    planned = deadline::local_instant(course, day, at);
    if (!planned)
      return std::nullopt;
  }
  if (since && *planned + k_digest_late_after < *since)
    return std::nullopt; // due before the desk started: never owed
  DigestDue due{day, *planned, now - *planned > k_digest_late_after, digest_key(day)};
  if (queued.contains(due.key))
    return std::nullopt;
  return due;
}

std::string reminder_key(const deadline::Instance& instance, const std::string& uniqname) {
  return fmt::format("reminder {} {} {} {}", instance.deliverable,
                     instance.lecture ? rules::iso_date(*instance.lecture) : "-",
                     instance.group.value_or("-"), uniqname);
}

namespace {

// Whether the group of `status` owes it and has sent nothing for it, in its reminder
// window at `now`.
bool wants_reminder(const judge::InstanceStatus& status, const rules::Deliverable& deliverable,
                    core::Instant now) {
  const auto& instance = status.instance;
  if (!deliverable.remind || !instance.group || !status.versions.empty())
    return false;
  if (status.status == judge::Status::excused)
    return false;
  if (status.extended_until && *status.extended_until > instance.due)
    return false;
  return now >= instance.due - *deliverable.remind && now < instance.due;
}

} // namespace

std::vector<ReminderDue> reminders_due(const rules::Course& course,
                                       const std::vector<judge::InstanceStatus>& statuses,
                                       const std::set<std::string>& queued, core::Instant now) {
  std::vector<ReminderDue> out;
  for (const auto& status : statuses) {
    const auto* deliverable = course.deliverable(status.instance.deliverable);
    if (!deliverable || !wants_reminder(status, *deliverable, now))
      continue;
    std::set<std::string> reminded; // a student with two roster rows gets one
    for (const auto* member : course.members(*status.instance.group)) {
      if (!reminded.insert(member->uniqname).second)
        continue;
      auto key = reminder_key(status.instance, member->uniqname);
      if (queued.contains(key))
        continue;
      out.push_back({status.instance, deliverable, member, std::move(key)});
    }
  }
  return out;
}

bool reminder_window_open(const std::vector<deadline::Instance>& instances,
                          const rules::Course& course, core::Instant now) {
  return std::ranges::any_of(instances, [&](const deadline::Instance& instance) {
    const auto* deliverable = course.deliverable(instance.deliverable);
    return instance.group && deliverable && deliverable->remind &&
           now >= instance.due - *deliverable->remind && now < instance.due;
  });
}

} // namespace mailroom::schedule
