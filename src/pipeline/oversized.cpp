#include "pipeline/oversized.hpp"

#include "pipeline/ports.hpp"

#include <algorithm>

namespace mailroom::pipeline {

void hold_oversized(judge::Decision& decision) {
  const auto& exceeded = decision.facts.limit_exceeded;
  const auto found = std::find_if(exceeded.begin(), exceeded.end(), [](const std::string& text) {
    return text.starts_with(k_over_max_mail_size);
  });
  if (found == exceeded.end())
    return;
  auto& classification = decision.classification;
  classification.kind = classify::k_needs_review;
  classification.review_reasons.push_back(
      *found + "; send the file as a link instead (Google Drive, Slides or Docs, or a GitHub "
               "repository), in a new mail with the same subject");
  if (classification.student_email) {
    decision.reply = judge::ReplyKind::clarify;
    decision.reply_reason = "too large to read: the sender is told how to send a link";
  } else {
    decision.reply = judge::ReplyKind::none;
    decision.reply_reason = "too large to read, and the sender is not on the roster";
  }
}

} // namespace mailroom::pipeline
