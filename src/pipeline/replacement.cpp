#include "pipeline/replacement.hpp"

#include "judge/authentication.hpp"
#include "judge/checks.hpp"
#include "judge/ledger_view.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/versions.hpp"
#include "reply/gates.hpp"
#include "util/text.hpp"

#include <algorithm>

namespace mailroom::pipeline {

namespace {

// The address of a From as the ledger keeps it: "Name <a@b>" or "a@b".
std::string address_of(const std::string& from) {
  const auto open = from.rfind('<');
  const auto close = from.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open)
    return from.substr(open + 1, close - open - 1);
  return from;
}

// The uniqname of a roster address; empty when it is not on the roster.
std::string uniqname_of(const rules::Course& course, const std::string& address) {
  const auto students = course.students_with_email(address);
  return students.empty() ? "" : students.front()->uniqname;
}

} // namespace

std::optional<OutgoingReply> replacement_note(const judge::Decision& decision,
                                              const std::vector<MailRow>& group_mails,
                                              const rules::Course& course, const ReplyPlan& plan,
                                              core::Instant now) {
  // A new mail has no id yet: it takes one no recorded mail has.
  Id self_id = 1;
  for (const auto& mail : group_mails)
    self_id = std::max(self_id, mail.id + 1);
  const auto self = judge::version_of(decision, self_id);
  if (!self || self->held || decision.facts.from.empty())
    return std::nullopt;
  const auto instances = deadline::instances(course);
  const auto instance = std::ranges::find_if(instances, [&](const deadline::Instance& i) {
    return i.deliverable == self->deliverable && i.group == self->group &&
           i.lecture == self->lecture;
  });
  if (instance == instances.end())
    return std::nullopt;
  auto versions = versions_of(group_mails, course);
  const auto before = judge::ledger_status({*instance}, versions, {}, {}, now);
  if (before.empty() || !before.front().counting || before.front().counting->held)
    return std::nullopt;
  const auto earlier_id = before.front().counting->mail_id;
  versions.push_back(*self);
  const auto after = judge::ledger_status({*instance}, versions, {}, {}, now);
  if (after.empty() || !after.front().counting || after.front().counting->mail_id != self_id)
    return std::nullopt;
  const auto earlier = std::ranges::find(group_mails, earlier_id, &MailRow::id);
  if (earlier == group_mails.end())
    return std::nullopt;
  const auto earlier_address = address_of(earlier->from);
  const auto later_address = decision.facts.from.front().address;
  if (util::lower(earlier_address) == util::lower(later_address))
    return std::nullopt;
  const auto earlier_students = course.students_with_email(earlier_address);
  if (earlier_students.empty())
    return std::nullopt; // replies go to roster addresses only
  const auto& student = *earlier_students.front();
  if (student.uniqname == uniqname_of(course, later_address))
    return std::nullopt; // the same student from another of their roster addresses
  OutgoingReply out;
  out.kind = "replaced";
  out.identity = student.uniqname;
  out.max_per_day = plan.max_per_student_per_day;
  // A forged replacement draws on the earlier sender's smaller budget for unauthenticated
  // mail, so forgeries can neither flood a student with notes nor use up their receipts.
  if (judge::sender_trust(decision.classification.signals) == judge::SenderTrust::unauthenticated) {
    out.identity += " (unauthenticated)";
    out.max_per_day = plan.max_unauthenticated_replies_per_day;
  }
  if (auto why = reply::suppression(decision, course, plan.gates, now)) {
    out.suppressed = *why;
    return out;
  }
  const auto options = compose_options(plan, reply::Recipients::sender_only, now,
                                       decision.facts.sha256.substr(0, 24));
  const reply::Replacement replacement{student.email, student.name, earlier->message_id,
                                       later_address, decision.received_at};
  auto composed = reply::compose_replaced(decision, replacement, course, plan.templates, options);
  if (!composed) {
    out.suppressed = "cannot compose: " + composed.error().to_string();
    return out;
  }
  out.message_id = composed->message_id;
  out.message = std::move(composed->message);
  out.recipients = composed->to;
  return out;
}

} // namespace mailroom::pipeline
