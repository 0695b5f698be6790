#pragma once

#include "classify/classification.hpp"
#include "content/findings.hpp"
#include "core/instant.hpp"
#include "deadline/deadline.hpp"
#include "message/facts.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mailroom::judge {

enum class ReplyKind { receipt, late_notice, clarify, none };

// Everything decided about one mail: pure data, the same whether it came from a
// Maildir or IMAP, whether it is replayed or live.
struct Decision {
  std::string source; // "maildir:/srv/mail/new/1700000000.M1.host" or
                      // "imap://host/INBOX;UIDVALIDITY=7;UID=42"
  std::string file;   // the Maildir file name or IMAP source, as shown to people
  core::Instant received_at;
  message::MessageFacts facts;
  classify::Classification classification;
  std::optional<core::Instant> due; // of the deliverable instance, when known
  std::optional<deadline::Judgement> judgement;
  ReplyKind reply = ReplyKind::none;
  std::string reply_reason; // why this reply (or why none)
  // What the content checks found (judge/content.hpp); never changes the verdict.
  std::vector<content::Finding> findings;
};

// Classify and judge one parsed mail against the course. Pure.
[[nodiscard]] Decision decide(std::string source, std::string file, core::Instant received_at,
                              message::MessageFacts facts, const rules::Course& course);

// Holds a decision for staff: `reason` joins its review reasons and, when it was a judged
// deliverable, its kind becomes needs-review with the deliverable, lecture, group, due and
// judgement kept (the verdict still from INTERNALDATE), and its reply becomes none (a
// receipt or late notice would tell the student it was accepted). A decision that is not a
// deliverable only gains the reason. Pure.
void hold_for_review(Decision& decision, std::string reason);

// The decision staff made by reclassifying a mail as `deliverable` (of `lecture`, where
// it is per lecture) of `group`, judged against `due` (the instance's, or its extension)
// plus `grace`: a receipt when on time, else a late notice. The facts and the sender
// found by the classifier are kept. Pure.
void apply_staff_decision(Decision& decision, const std::string& deliverable,
                          std::optional<rules::Date> lecture, const std::string& group,
                          core::Instant due, core::Seconds grace);

[[nodiscard]] std::string to_string(ReplyKind kind);

} // namespace mailroom::judge
