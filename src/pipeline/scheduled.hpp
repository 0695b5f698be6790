#pragma once

#include "core/instant.hpp"
#include "pipeline/records.hpp"

#include <optional>
#include <string>
#include <vector>

// Mail mailroom sends on its own schedule, with no mail behind it: the daily digest to
// staff and reminders to groups. Each is recorded once by its key, with its outbox rows.
namespace mailroom::pipeline {

enum class ScheduledKind { digest, reminder };

// One scheduled mail, queued or to queue.
struct ScheduledMail {
  // Unique per thing that happens once: "digest 2025-10-07" (the course-time day),
  // "reminder slides 2025-10-07 3 ada" (deliverable, lecture or "-", group, member).
  std::string key;
  ScheduledKind kind = ScheduledKind::digest;
  std::optional<std::string> deliverable; // reminders
  std::optional<std::string> lecture;     // ISO date, for a per-lecture deliverable
  std::optional<std::string> group;       // reminders
  std::string recipient_identity;         // the member reminded (uniqname); "staff" for a digest
  core::Instant planned_for;              // when it was due to go (digest: `at` that day)
  bool late = false;                      // queued well after planned_for (mailroom was down)
  std::string subject;
  std::string text;    // the text part as people read it (previews)
  OutgoingReply reply; // its message, recipients and cap
};

// A scheduled mail as the ledger holds it, with its outbox rows' states.
struct ScheduledRow {
  Id id = 0;
  std::string key;
  ScheduledKind kind = ScheduledKind::digest;
  std::optional<std::string> deliverable;
  std::optional<std::string> lecture;
  std::optional<std::string> group;
  std::string recipient_identity;
  core::Instant planned_for;
  core::Instant queued_at;
  bool late = false;
  std::string message_id;
  std::string subject;
  // One per outbox row: "queued", "sent", "suppressed: rate limit ...", ...
  std::vector<std::string> states;
};

[[nodiscard]] inline const char* to_string(ScheduledKind kind) {
  return kind == ScheduledKind::digest ? "digest" : "reminder";
}

} // namespace mailroom::pipeline
