#include "judge/arrival.hpp"

#include "message/headers.hpp"

#include <fmt/format.h>

namespace mailroom::judge {

namespace {

// RFC 5321 4.4: the date-time of a Received field follows its last ';'.
std::optional<core::Instant> received_date(std::string_view field) {
  const auto semicolon = field.rfind(';');
  if (semicolon == std::string_view::npos)
    return std::nullopt;
  return message::parse_date(field.substr(semicolon + 1));
}

std::string minutes(std::chrono::seconds span) {
  if (span < std::chrono::minutes{1})
    return fmt::format("{} s", span.count());
  if (span < std::chrono::hours{48})
    return fmt::format("{} min", std::chrono::duration_cast<std::chrono::minutes>(span).count());
  return fmt::format("{} days", span.count() / 86400);
}

} // namespace

SourceKind source_kind(std::string_view source) {
  return source.starts_with("imap") ? SourceKind::imap : SourceKind::maildir;
}

ArrivalCheck check_arrival(const message::MessageFacts& facts, core::Instant internal_date,
                           SourceKind source, std::chrono::seconds limit) {
  ArrivalCheck check;
  if (source != SourceKind::imap)
    return check;
  if (!facts.received.empty())
    check.received_at_mta = received_date(facts.received.front());
  if (!check.received_at_mta) {
    check.no_smtp_trace = true;
    check.review_reasons.push_back(
        facts.received.empty()
            ? "arrival mismatch: not delivered by SMTP (no Received field; placed with IMAP "
              "APPEND or migrated), so INTERNALDATE was set by whoever placed it"
            : "arrival mismatch: the topmost Received field has no readable date");
    return check;
  }
  const auto difference = internal_date > *check.received_at_mta
                              ? internal_date - *check.received_at_mta
                              : *check.received_at_mta - internal_date;
  if (difference > limit) {
    check.mismatch = std::chrono::duration_cast<std::chrono::seconds>(difference);
    check.review_reasons.push_back(
        fmt::format("arrival mismatch ({}): INTERNALDATE {} but the mail server's Received says {}",
                    minutes(*check.mismatch), core::to_iso_utc(internal_date),
                    core::to_iso_utc(*check.received_at_mta)));
  }
  return check;
}

void note_arrival(Decision& decision, const ArrivalCheck& check) {
  if (!check.needs_review())
    return;
  auto& classification = decision.classification;
  classification.signals.emplace_back("arrival mismatch");
  // A clarify reply lists the review reasons to the student; how the mail reached the
  // mailbox is for staff, so there it goes to the signals only.
  if (decision.reply == ReplyKind::clarify) {
    classification.signals.insert(classification.signals.end(), check.review_reasons.begin(),
                                  check.review_reasons.end());
    return;
  }
  for (const auto& reason : check.review_reasons)
    hold_for_review(decision, reason);
}

} // namespace mailroom::judge
