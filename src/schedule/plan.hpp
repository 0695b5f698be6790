#pragma once

#include "core/instant.hpp"
#include "deadline/deadline.hpp"
#include "judge/ledger_view.hpp"
#include "rules/course.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

// What mailroom sends on its own schedule, decided from the ledger's view, the rules and
// the time: the daily digest to staff and reminders to groups. Pure: the daemon reads the
// ledger and the clock, calls these once per poll, and queues what they return.
namespace mailroom::schedule {

// A digest queued this long after its time is marked late: mailroom was not running (or
// not polling) when it was due.
inline constexpr core::Seconds k_digest_late_after{30 * 60};

struct DigestDue {
  rules::Date day;           // the course-time day it is for
  core::Instant planned_for; // `at` on that day, in the course's zone
  bool late = false;
  std::string key; // "digest 2025-10-07"
};

// The ledger key of the digest of `day`.
[[nodiscard]] std::string digest_key(rules::Date day);

// The digest due at `now`: the one of the latest day whose `at` (local time of day in the
// course's zone) is at or before `now`, unless `queued` holds its key. So a digest is
// queued once per day, and after downtime only the latest missed one goes, late; the
// days before it are skipped, never sent in a burst. `since` is when the desk started
// planning digests (SqliteLedger::digest_since): a day's digest is owed only if it could
// still go on time then (its time at most k_digest_late_after before `since`), so a fresh
// install never sends the day before's digest late. Nullopt when nothing is due.
[[nodiscard]] std::optional<DigestDue>
digest_due(const rules::Course& course, std::chrono::minutes at,
           const std::set<std::string>& queued, core::Instant now,
           std::optional<core::Instant> since = std::nullopt);

// One member of a group to remind of one instance it owes.
struct ReminderDue {
  deadline::Instance instance; // its group is set
  const rules::Deliverable* deliverable = nullptr;
  const rules::Student* member = nullptr; // the roster row of the address it goes to
  std::string key;                        // "reminder slides 2025-10-07 3 ada"
};

// The ledger key of the reminder of `instance` to the member `uniqname`.
[[nodiscard]] std::string reminder_key(const deadline::Instance& instance,
                                       const std::string& uniqname);

// The reminders due at `now`, one per member (first roster address) of each group that
// owes an instance of a deliverable with `remind` and has sent nothing for it (no
// version, not even one held for review), from `remind` before the instance's due time
// until that due time (excluded). Never for an excused instance or one extended past its
// due time, never for a key in `queued`. `statuses` is judge::ledger_status at `now`;
// `course` must outlive the result.
[[nodiscard]] std::vector<ReminderDue>
reminders_due(const rules::Course& course, const std::vector<judge::InstanceStatus>& statuses,
              const std::set<std::string>& queued, core::Instant now);

// Whether some group owes an instance of a deliverable with `remind` whose reminder
// window holds `now`: cheap, from the rules alone, so that the ledger is read for
// reminders only while one may be due.
[[nodiscard]] bool reminder_window_open(const std::vector<deadline::Instance>& instances,
                                        const rules::Course& course, core::Instant now);

// The course-time day `instant` falls on.
[[nodiscard]] rules::Date local_day(core::Instant instant, const std::string& zone);

} // namespace mailroom::schedule
