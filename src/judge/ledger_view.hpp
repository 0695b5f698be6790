#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "deadline/deadline.hpp"
#include "judge/authentication.hpp"
#include "rules/course.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailroom::judge {

// One received version of a deliverable, as the ledger holds it (after any staff
// reclassification).
struct Version {
  std::int64_t mail_id = 0;
  std::string deliverable;
  std::optional<rules::Date> lecture;
  std::string group;
  core::Instant received_at;
  // Judged, but needs-review (hold_for_review: an arrival mismatch, an unverified sender):
  // it counts for nothing until staff reclassify it.
  bool held = false;
  SenderTrust trust = SenderTrust::unknown; // of its From (docs/reliability-cases.md 9.4)
};

// Staff granted `group` until `until` for a deliverable (and lecture, where it applies).
struct Extension {
  std::string group;
  std::string deliverable;
  std::optional<rules::Date> lecture;
  core::Instant until;
};

// Staff excused `group` from a deliverable (and lecture).
struct Excusal {
  std::string group;
  std::string deliverable;
  std::optional<rules::Date> lecture;
};

enum class Status { pending, on_time, late, missing, extended, excused, needs_review };

struct JudgedVersion {
  std::int64_t mail_id = 0;
  core::Instant received_at;
  deadline::Verdict verdict = deadline::Verdict::on_time;
  core::Seconds late_by{0};
  bool held = false;
  SenderTrust trust = SenderTrust::unknown;
};

// Where one deliverable instance stands at `now`.
struct InstanceStatus {
  deadline::Instance instance;
  Status status = Status::pending;
  core::Instant effective_due;                 // the extension's, when there is one
  std::optional<core::Instant> extended_until; // set when staff extended it
  std::vector<JudgedVersion> versions;         // every version, oldest first
  std::optional<JudgedVersion> counting;       // the version that counts (needs-review:
                                               // the held version staff must look at)
};

// The status of every instance at `now`, in the order of `instances`:
// - excused when staff excused it (its versions are still listed);
// - on-time when a version arrived by the (extended) due time plus grace; the latest
//   such version counts, and a later late resubmission never hides it (E5);
// - late when versions exist but none on time; the latest counts;
// - needs-review when every version is held (Version::held); `counting` is then the held
//   version that would count, with its verdict from INTERNALDATE, and counts for nothing
//   until staff reclassify it;
// - otherwise pending (or extended, with the new due) until due plus grace, and
//   missing after it.
// Held versions never count, and an unauthenticated version never counts while the
// instance has an authenticated one (it never supersedes it, docs/reliability-cases.md S4).
// A version belongs to an instance when deliverable and group match and, for an
// instance of a lecture, the lecture too. Extensions and excusals match the same way;
// the latest extension for an instance wins.
[[nodiscard]] std::vector<InstanceStatus>
ledger_status(const std::vector<deadline::Instance>& instances,
              const std::vector<Version>& versions, const std::vector<Extension>& extensions,
              const std::vector<Excusal>& excusals, core::Instant now);

// What a staff command names: "slides@2025-10-07" or "proposal".
struct Target {
  std::string deliverable;
  std::optional<rules::Date> lecture;
};

// Reads DELIVERABLE[@LECTURE] and checks it against the course: the deliverable
// exists, and a lecture is given exactly when it is per lecture.
[[nodiscard]] core::Result<Target> parse_target(std::string_view text, const rules::Course& course);

// "2025-10-07"; nullopt otherwise.
[[nodiscard]] std::optional<rules::Date> parse_iso_date(std::string_view text);

// A time staff type: ISO 8601 with Z or an offset ("2025-10-08T12:00:00Z"), or a
// local time in the course's zone ("2025-10-08 12:00", "2025-10-08T12:00"), or a
// bare date (the end of that day, local time).
[[nodiscard]] core::Result<core::Instant> parse_staff_time(std::string_view text,
                                                           const rules::Course& course);

[[nodiscard]] std::string to_string(Status status);
// Reads the names to_string gives; nullopt otherwise.
[[nodiscard]] std::optional<Status> parse_status(std::string_view text);

} // namespace mailroom::judge
