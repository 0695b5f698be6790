#pragma once

#include "judge/decision.hpp"
#include "judge/ledger_view.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::judge {

// The checks of how a mail arrived and who sent it, run after `decide` by the daemon's
// ingest and, from the same config keys, by replay (docs/reliability-cases.md T3, S1-S4, 9.4).
struct TrustChecks {
  // INTERNALDATE against the topmost Received (IMAP sources only); unset: not checked.
  std::optional<std::chrono::seconds> arrival_limit;
  // Authentication-Results honoured from this authserv-id; unset: not checked (no
  // signal); empty: checked, and nothing is authenticated (fail closed).
  std::optional<std::string> authserv_id;
};

// Runs `checks` on `decision`, made from `raw`: the authentication signal
// (authentication_signal), then the arrival cross-check (note_arrival, which may hold it
// for review), then hold_if_unverified against `earlier`, the versions already recorded.
// Pure.
void apply_checks(Decision& decision, std::string_view raw, const TrustChecks& checks,
                  const std::vector<Version>& earlier);

// For a re-decision with no TrustChecks at hand (reprocess without --config): puts the
// outcome of the checks made when `decision`'s mail was recorded back on it, from the
// stored `signals` and `review_reasons`: the authentication signal, the arrival mismatch
// (note_arrival) and an unverified-sender hold. A new decision never drops a hold that a
// check made. Pure.
void carry_checks(Decision& decision, const std::vector<std::string>& signals,
                  const std::vector<std::string>& review_reasons);

// docs/reliability-cases.md S4: an unauthenticated mail (with a configured trusted authserv-id)
// that is a judged version of an instance for which `earlier` holds an authenticated version is
// held for review (hold_for_review, "unverified sender: ..."): it never supersedes the
// authenticated one. Anything else is left as it is. Pure.
void hold_if_unverified(Decision& decision, const std::vector<Version>& earlier);

// The version `decision` makes when it is recorded as `mail_id`, as pipeline::versions_of
// would read it back; nullopt when it names no deliverable and group, or is not judged.
// Pure.
[[nodiscard]] std::optional<Version> version_of(const Decision& decision, std::int64_t mail_id);

} // namespace mailroom::judge
