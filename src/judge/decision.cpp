#include "judge/decision.hpp"

#include "classify/classify.hpp"

#include <fmt/format.h>

namespace mailroom::judge {

namespace {

using classify::Classification;

// A reply goes only to a roster address, never to robots (RFC 3834) or to mail whose
// sender cannot be told.
ReplyKind reply_for(const Classification& classification,
                    const std::optional<deadline::Judgement>& judgement,
                    const message::MessageFacts& facts, const rules::Course& course,
                    std::string& reason) {
  if (classification.kind == classify::k_unknown_sender) {
    reason = "sender is not on the roster";
    return ReplyKind::none;
  }
  if (facts.automated) {
    reason = "automated mail is never answered (RFC 3834)";
    return ReplyKind::none;
  }
  if (classification.kind == classify::k_not_a_submission) {
    reason = "not a submission";
    return ReplyKind::none;
  }
  if (classification.kind == classify::k_needs_review) {
    if (!classification.student_email) {
      reason = "needs review, and the sender cannot be told";
      return ReplyKind::none;
    }
    // A service writing on a student's behalf (a Drive share notice) is not the
    // student: staff look at it, nobody gets an automatic answer (docs/reliability-cases.md A9c).
    if (facts.from.size() != 1 || course.students_with_email(facts.from.front().address).empty()) {
      reason = "needs review; the mail was not sent from a roster address";
      return ReplyKind::none;
    }
    if (classification.staff_answers) {
      reason = classification.rule == "body-unread"
                   ? "needs review: the body could not be read, so staff answer it"
                   : "needs review: a question for staff, which a clarification would not answer";
      return ReplyKind::none;
    }
    reason = "needs review: ask the student to resend with a clear subject";
    return ReplyKind::clarify;
  }
  if (!judgement) {
    reason = "no deadline could be found";
    return ReplyKind::clarify;
  }
  if (judgement->verdict == deadline::Verdict::late) {
    reason = fmt::format("late by {}", deadline::format_duration(judgement->late_by));
    return ReplyKind::late_notice;
  }
  reason = "on time";
  return ReplyKind::receipt;
}

} // namespace

Decision decide(std::string source, std::string file, core::Instant received_at,
                message::MessageFacts facts, const rules::Course& course) {
  Decision decision;
  decision.source = std::move(source);
  decision.file = std::move(file);
  decision.received_at = received_at;
  decision.classification = classify::classify(facts, course, received_at);
  const auto& classification = decision.classification;
  if (classification.deliverable) {
    const auto* deliverable = course.deliverable(*classification.deliverable);
    if (deliverable && (!deliverable->per_lecture || classification.lecture)) {
      if (auto due = deadline::due_at(course, *deliverable, classification.lecture)) {
        decision.due = *due;
        if (classification.is_deliverable())
          decision.judgement = deadline::judge(*due, deliverable->grace, received_at);
      }
    }
  }
  decision.reply =
      reply_for(classification, decision.judgement, facts, course, decision.reply_reason);
  decision.facts = std::move(facts);
  return decision;
}

void apply_staff_decision(Decision& decision, const std::string& deliverable,
                          std::optional<rules::Date> lecture, const std::string& group,
                          core::Instant due, core::Seconds grace) {
  auto& c = decision.classification;
  c.kind = deliverable;
  c.deliverable = deliverable;
  c.lecture = lecture;
  c.group = group;
  c.confidence = 1.0;
  c.review_reasons.clear();
  c.signals.push_back("staff reclassified it as " + deliverable +
                      (lecture ? "@" + rules::iso_date(*lecture) : std::string{}) + " of group " +
                      group);
  decision.due = due;
  decision.judgement = deadline::judge(due, grace, decision.received_at);
  if (decision.judgement->verdict == deadline::Verdict::late) {
    decision.reply = ReplyKind::late_notice;
    decision.reply_reason =
        fmt::format("late by {}", deadline::format_duration(decision.judgement->late_by));
  } else {
    decision.reply = ReplyKind::receipt;
    decision.reply_reason = "on time";
  }
}

void hold_for_review(Decision& decision, std::string reason) {
  auto& classification = decision.classification;
  if (classification.is_deliverable() && decision.judgement) {
    classification.kind = classify::k_needs_review;
    decision.reply = ReplyKind::none;
    decision.reply_reason = "held for staff review, so no receipt or late notice: " + reason;
  }
  classification.review_reasons.push_back(std::move(reason));
}

std::string to_string(ReplyKind kind) {
  switch (kind) {
  case ReplyKind::receipt:
    return "receipt";
  case ReplyKind::late_notice:
    return "late-notice";
  case ReplyKind::clarify:
    return "clarify";
  case ReplyKind::none:
    return "none";
  }
  return "none";
}

} // namespace mailroom::judge
