// docs/reliability-cases.md S4 and 9.4: an unauthenticated version never supersedes an
// authenticated one; it is held for review with its verdict kept.

#include "core/instant.hpp"
#include "judge/checks.hpp"
#include "support/instant.hpp"

#include <gtest/gtest.h>

using namespace mailroom;

namespace {

using test::at;

constexpr rules::Date k_lecture{std::chrono::year{2025}, std::chrono::month{10},
                                std::chrono::day{7}};

// Group 2's slides for Oct 7, on time, with the authentication signal `signal`.
judge::Decision slides(const std::string& signal) {
  judge::Decision decision;
  decision.received_at = at("2025-10-06T10:00:00Z");
  decision.classification.kind = "slides";
  decision.classification.deliverable = "slides";
  decision.classification.lecture = k_lecture;
  decision.classification.group = "2";
  decision.classification.signals = {signal};
  decision.judgement = deadline::Judgement{};
  decision.reply = judge::ReplyKind::receipt;
  return decision;
}

judge::Version authenticated_version(std::int64_t id) {
  judge::Version version{id, "slides", k_lecture, "2", at("2025-10-05T10:00:00Z")};
  version.trust = judge::SenderTrust::authenticated;
  return version;
}

const std::string k_forged = "unauthenticated: no Authentication-Results from mx.umich.edu "
                             "above the first outside Received";

} // namespace

TEST(PipelineChecks, AForgedLaterVersionOfAnAuthenticatedOneIsHeldForReview) {
  // S4: group 2 sent its slides with an aligned DKIM pass (mail 3); a later mail from its
  // address has no trusted Authentication-Results.
  auto decision = slides(k_forged);
  judge::hold_if_unverified(decision, {authenticated_version(3)});
  EXPECT_EQ(decision.classification.kind, "needs-review");
  EXPECT_EQ(decision.classification.deliverable, "slides");
  ASSERT_TRUE(decision.judgement);
  EXPECT_EQ(decision.judgement->verdict, deadline::Verdict::on_time);
  EXPECT_EQ(decision.reply, judge::ReplyKind::none);
  ASSERT_EQ(decision.classification.review_reasons.size(), 1u);
  EXPECT_EQ(decision.classification.review_reasons.front(),
            "unverified sender: this mail's From is not authenticated, and mail 3 of group 2 is "
            "an authenticated slides for 2025-10-07; this one does not replace it");
  // Read back from the ledger, it is a held, unauthenticated version.
  const auto version = judge::version_of(decision, 4);
  ASSERT_TRUE(version);
  EXPECT_TRUE(version->held);
  EXPECT_EQ(version->trust, judge::SenderTrust::unauthenticated);
}

TEST(PipelineChecks, AnUnauthenticatedVersionWithNothingAuthenticatedBeforeStands) {
  // 9.4: recorded and judged as usual (the reply goes to the sender only, elsewhere).
  auto decision = slides(k_forged);
  auto other_lecture = authenticated_version(3);
  other_lecture.lecture = rules::Date{std::chrono::year{2025} / 10 / 9};
  judge::hold_if_unverified(decision, {other_lecture});
  EXPECT_EQ(decision.classification.kind, "slides");
  EXPECT_EQ(decision.reply, judge::ReplyKind::receipt);
}

TEST(PipelineChecks, WithoutATrustedAuthservIdEveryMailIsUnauthenticated) {
  // A site that cannot authenticate senders (authentication = "none", or no [trust]):
  // every mail is unauthenticated, so its reply goes to the sender only, on the smaller
  // budget; with nothing authenticated before it, it still counts.
  auto decision =
      slides("unauthenticated: no trusted authserv-id configured: nothing is authenticated");
  EXPECT_EQ(judge::sender_trust(decision.classification.signals),
            judge::SenderTrust::unauthenticated);
  judge::hold_if_unverified(decision, {});
  EXPECT_EQ(decision.classification.kind, "slides");
}

TEST(PipelineChecks, ApplyChecksSignalsAuthenticationAndHoldsAForgery) {
  // The same path as the daemon's ingest and replay --config: a roster From with no
  // trusted Authentication-Results after an authenticated version.
  auto decision = slides("subject says \"slides\"");
  decision.source = "maildir:/srv/mail/1";
  decision.facts.from.push_back({"", "ada@umich.edu"});
  decision.facts.from_fields = 1;
  judge::TrustChecks checks;
  checks.authserv_id = "mx.umich.edu";
  checks.arrival_limit = std::chrono::minutes{15};
  judge::apply_checks(decision,
                      "Authentication-Results: mx.umich.edu; dkim=fail\r\n"
                      "From: ada@umich.edu\r\n\r\nslides\r\n",
                      checks, {authenticated_version(3)});
  EXPECT_EQ(decision.classification.signals.at(1),
            "unauthenticated: mx.umich.edu: no aligned dkim or dmarc pass for umich.edu");
  EXPECT_EQ(decision.classification.kind, "needs-review");
  // A Maildir source has no INTERNALDATE to cross-check, in replay as in run.
  EXPECT_EQ(std::count(decision.classification.signals.begin(),
                       decision.classification.signals.end(), "arrival mismatch"),
            0);
}
