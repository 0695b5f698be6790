#pragma once

#include "core/instant.hpp"
#include "judge/decision.hpp"
#include "rules/course.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace mailroom::reply {

// What decides whether a reply that a decision calls for may go out.
struct GatePolicy {
  std::string own_domain;  // mailroom's Message-ID domain, also the X-Mailroom-Loop value
  std::string own_address; // the course address replies come from
  std::chrono::seconds max_reply_age{7 * 24 * 3600};
};

// The roster identity (uniqname) a reply to this mail counts against; empty when the
// sender is not on the roster. Two roster addresses of one student are one identity.
[[nodiscard]] std::string identity_of(const judge::Decision& decision, const rules::Course& course);

// Why no reply may go out for `decision` at `now`, in the order of docs/reliability-cases.md
// section 1: mailroom's own mail (loop guard), RFC 3834 markers, not on the roster,
// older than max_reply_age. Nullopt when it may (the per-student cap is counted by
// the ledger at enqueue, in the same transaction). Pure.
[[nodiscard]] std::optional<std::string> suppression(const judge::Decision& decision,
                                                     const rules::Course& course,
                                                     const GatePolicy& policy, core::Instant now);

// mailroom's own mail come back: its loop marker, a Message-ID on its domain, or
// sent from its own address.
[[nodiscard]] std::optional<std::string> own_mail(const message::MessageFacts& facts,
                                                  const GatePolicy& policy);

} // namespace mailroom::reply
