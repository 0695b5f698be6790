#pragma once

#include "judge/decision.hpp"
#include "pipeline/records.hpp"
#include "rules/course.hpp"

#include <optional>
#include <vector>

namespace mailroom::pipeline {

struct ReplyPlan;

// The "replaced" note a new decision owes (README: Arrival and sender trust): when it is a
// version that becomes the one that counts for its instance, and the version that counted
// before came from another address (and another roster student), that earlier sender is
// told who replaced it and when, so that a forgery cannot silently replace real work.
// `group_mails` are the mails already recorded for the decision's group. The note goes to
// the earlier sender's roster address alone and counts against that student's daily cap:
// max_unauthenticated_replies_per_day under "UNIQNAME (unauthenticated)" when the new
// version's From is unauthenticated, else max_per_student_per_day. Its Message-ID names the
// new mail, so it is queued once. Nullopt when no note is owed: a held version, one that
// does not count (a late one beside an on-time one), no earlier counting version, the same
// sender, or an earlier sender not on the roster. Extensions are not weighed. Pure.
[[nodiscard]] std::optional<OutgoingReply>
replacement_note(const judge::Decision& decision, const std::vector<MailRow>& group_mails,
                 const rules::Course& course, const ReplyPlan& plan, core::Instant now);

} // namespace mailroom::pipeline
