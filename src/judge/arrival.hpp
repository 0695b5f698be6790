#pragma once

#include "core/instant.hpp"
#include "judge/decision.hpp"
#include "message/facts.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mailroom::judge {

// Where a mail came from, for the arrival cross-check: only IMAP mail has an INTERNALDATE
// set by a server; a Maildir replay of made-up mail has no SMTP trace and is not checked.
enum class SourceKind { imap, maildir };

// The cross-check of INTERNALDATE against the topmost Received field (docs/reliability-cases.md
// T3). INTERNALDATE always decides the verdict; this only says whether a person should look.
struct ArrivalCheck {
  std::optional<core::Instant> received_at_mta; // the date after the topmost Received's ';'
  std::optional<std::chrono::seconds> mismatch; // |INTERNALDATE - that date|, when over limit
  bool no_smtp_trace = false;                   // no readable Received: APPENDed or migrated
  std::vector<std::string> review_reasons;      // "arrival mismatch (40 min)", ...
  [[nodiscard]] bool needs_review() const { return !review_reasons.empty(); }
};

// Compares `internal_date` with the date of the topmost Received field of `facts` (the one
// our own server added; lower ones are the sender's and are ignored, T3c). A difference
// over `limit`, or no readable Received at all, gives a review reason. Maildir sources are
// never flagged. Pure.
[[nodiscard]] ArrivalCheck check_arrival(const message::MessageFacts& facts,
                                         core::Instant internal_date, SourceKind source,
                                         std::chrono::seconds limit);

// Puts the check's reasons on `decision` for staff: the signal "arrival mismatch", and
// each reason through hold_for_review, so a judged deliverable becomes needs-review with its
// verdict (from INTERNALDATE), deliverable, lecture and group kept, and no receipt. When the
// reply is a clarify request, which quotes review_reasons to the student, the reasons go to
// the signals instead and the clarify request stays. Pure.
void note_arrival(Decision& decision, const ArrivalCheck& check);

// The kind of a source string ("imap://..." or "maildir:...").
[[nodiscard]] SourceKind source_kind(std::string_view source);

} // namespace mailroom::judge
