#pragma once

#include "classify/classification.hpp"
#include "core/instant.hpp"
#include "deadline/deadline.hpp"
#include "message/facts.hpp"

#include <optional>
#include <string>

namespace mailroom::pipeline {

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
};

// Classify and judge one parsed mail against the course. Pure.
[[nodiscard]] Decision decide(std::string source, std::string file, core::Instant received_at,
                              message::MessageFacts facts, const rules::Course& course);

[[nodiscard]] std::string to_string(ReplyKind kind);

} // namespace mailroom::pipeline
