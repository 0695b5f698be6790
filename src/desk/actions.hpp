#pragma once

#include "core/problem.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/records.hpp"
#include "rules/course.hpp"

#include <functional>
#include <optional>
#include <string>

// The staff changes, whoever asks for them: `mailroom extend`, `excuse`, `dismiss` on the
// command line, or a staff command by mail. Each checks what it is given, changes the
// ledger in one audited transaction, and says in one sentence what it did; a Problem says
// why nothing was changed (an unknown group, an instance the group does not owe, ...).
namespace mailroom::desk {

// A change to one group's deliverable instance.
struct InstanceChange {
  std::string group;
  std::string target; // DELIVERABLE[@LECTURE]
  std::string reason;
  bool revoke = false; // take back the latest extension, or the excusal
  // extend: the new due time as judge::parse_staff_time reads it, or `plus` past the
  // instance's own due time (so that the same command twice gives the same due time).
  std::string until;
  std::optional<core::Seconds> plus;
  bool earlier = false; // extend: a due time before the one in force is meant
};

[[nodiscard]] core::Result<std::string> extend(ledger::SqliteLedger& ledger,
                                               const rules::Course& course,
                                               const InstanceChange& change,
                                               const pipeline::Actor& actor);
[[nodiscard]] core::Result<std::string> excuse(ledger::SqliteLedger& ledger,
                                               const rules::Course& course,
                                               const InstanceChange& change,
                                               const pipeline::Actor& actor);
// Takes mail `mail_id` off the review queue.
[[nodiscard]] core::Result<std::string> dismiss(ledger::SqliteLedger& ledger, pipeline::Id mail_id,
                                                const std::string& reason,
                                                const pipeline::Actor& actor);

// The reply a staff decision owes the student, or why there is none.
struct OwedReply {
  std::optional<pipeline::OutgoingReply> reply; // composed, or suppressed with why
  std::string why_not;                          // set when `reply` is nullopt
};
// Makes the reply owed once staff decided that `mail` is `target` of `group`
// (daemon::staff_decision_reply: the mail judged again and composed with the reply plan).
using ReplyForDecision = std::function<core::Result<OwedReply>(
    const pipeline::MailRow& mail, const judge::Target& target, const std::string& group,
    core::Instant now)>;

// Reclassifies mail `mail_id` as `target` (DELIVERABLE[@LECTURE]) of `group` (empty: the
// group the classifier found) and, in the same transaction, queues the receipt or late
// notice `reply_for` makes (once per decision: the same decision again queues nothing).
// Without `reply_for`, no reply: what `mailroom reclassify --quiet` does.
[[nodiscard]] core::Result<std::string>
reclassify(ledger::SqliteLedger& ledger, const rules::Course& course, pipeline::Id mail_id,
           const std::string& target, const std::string& group, const std::string& reason,
           const pipeline::Actor& actor, const ReplyForDecision& reply_for = {});

// Checks an instance change against the course before the ledger is opened: the target,
// the group, the reason, and that the group owes the instance.
[[nodiscard]] core::Result<void> check_change(const rules::Course& course,
                                              const InstanceChange& change);

} // namespace mailroom::desk
