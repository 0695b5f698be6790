#include "judge/checks.hpp"

#include "judge/arrival.hpp"
#include "judge/authentication.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mailroom::judge {

namespace {

constexpr std::string_view k_unverified_sender = "unverified sender";

} // namespace

void apply_checks(Decision& decision, std::string_view raw, const TrustChecks& checks,
                  const std::vector<Version>& earlier) {
  if (checks.authserv_id)
    decision.classification.signals.push_back(authentication_signal(
        authenticate(trace_fields(raw), decision.facts, *checks.authserv_id)));
  if (checks.arrival_limit)
    note_arrival(decision, check_arrival(decision.facts, decision.received_at,
                                         source_kind(decision.source), *checks.arrival_limit));
  hold_if_unverified(decision, earlier);
}

void carry_checks(Decision& decision, const std::vector<std::string>& signals,
                  const std::vector<std::string>& review_reasons) {
  constexpr std::string_view arrival = "arrival mismatch";
  ArrivalCheck check;
  for (const auto& signal : signals) {
    if (is_authentication_signal(signal))
      decision.classification.signals.push_back(signal);
    else if (signal.starts_with(arrival) && signal.size() > arrival.size())
      check.review_reasons.push_back(signal); // a clarify reply kept them out of the reasons
  }
  for (const auto& reason : review_reasons)
    if (reason.starts_with(arrival))
      check.review_reasons.push_back(reason);
  note_arrival(decision, check);
  for (const auto& reason : review_reasons)
    if (reason.starts_with(k_unverified_sender))
      hold_for_review(decision, reason);
}

std::optional<Version> version_of(const Decision& decision, std::int64_t mail_id) {
  const auto& c = decision.classification;
  if (!c.deliverable || !c.group || !decision.judgement)
    return std::nullopt;
  if (c.kind != *c.deliverable && c.kind != classify::k_needs_review)
    return std::nullopt;
  Version version;
  version.mail_id = mail_id;
  version.deliverable = *c.deliverable;
  version.lecture = c.lecture;
  version.group = *c.group;
  version.received_at = decision.received_at;
  version.held = c.kind == classify::k_needs_review;
  version.trust = sender_trust(c.signals);
  return version;
}

void hold_if_unverified(Decision& decision, const std::vector<Version>& earlier) {
  const auto self = version_of(decision, 0);
  if (!self || self->trust != SenderTrust::unauthenticated)
    return;
  const auto authentic = std::find_if(earlier.begin(), earlier.end(), [&](const Version& v) {
    return v.trust == SenderTrust::authenticated && !v.held && v.deliverable == self->deliverable &&
           v.group == self->group && v.lecture == self->lecture;
  });
  if (authentic == earlier.end())
    return;
  hold_for_review(decision,
                  fmt::format("{}: this mail's From is not authenticated, and {} of group {} "
                              "is an authenticated {}{}; this one does not replace it",
                              k_unverified_sender,
                              authentic->mail_id > 0 ? fmt::format("mail {}", authentic->mail_id)
                                                     : std::string("an earlier mail"),
                              self->group, self->deliverable,
                              self->lecture ? " for " + rules::iso_date(*self->lecture) : ""));
}

} // namespace mailroom::judge
