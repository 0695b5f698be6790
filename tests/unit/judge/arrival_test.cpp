// docs/reliability-cases.md T3: INTERNALDATE decides; the topmost Received only raises a flag.

#include "core/instant.hpp"
#include "judge/arrival.hpp"
#include "support/instant.hpp"

#include <gtest/gtest.h>

using namespace mailroom;
using namespace std::chrono_literals;

namespace {

using test::at;

message::MessageFacts with_received(std::vector<std::string> received) {
  message::MessageFacts facts;
  facts.received = std::move(received);
  return facts;
}

const std::string k_our_mx = "from mail-a.example.org (mail-a.example.org [192.0.2.1]) by "
                             "mx.umich.edu with ESMTPS id 4abc; Mon, 15 Dec 2025 13:00:00 -0500";

} // namespace

TEST(PipelineArrival, InternalDateWithinFifteenMinutesOfOurReceivedIsNotFlagged) {
  const auto check = judge::check_arrival(with_received({k_our_mx}), at("2025-12-15T18:10:00Z"),
                                          judge::SourceKind::imap, 15min);
  ASSERT_TRUE(check.received_at_mta);
  EXPECT_EQ(*check.received_at_mta, at("2025-12-15T18:00:00Z"));
  EXPECT_FALSE(check.needs_review());
}

TEST(PipelineArrival, FortyMinutesApartIsAnArrivalMismatch) {
  // T3a: the verdict stays with INTERNALDATE; staff are asked to look.
  const auto check = judge::check_arrival(with_received({k_our_mx}), at("2025-12-15T18:40:00Z"),
                                          judge::SourceKind::imap, 15min);
  ASSERT_TRUE(check.mismatch);
  EXPECT_EQ(*check.mismatch, 40min);
  ASSERT_EQ(check.review_reasons.size(), 1u);
  EXPECT_EQ(check.review_reasons.front(),
            "arrival mismatch (40 min): INTERNALDATE 2025-12-15T18:40:00Z but the mail server's "
            "Received says 2025-12-15T18:00:00Z");
}

TEST(PipelineArrival, AnAppendedMailWithNoReceivedHasNoSmtpTrace) {
  // T3b: placed with IMAP APPEND, so whoever placed it chose its INTERNALDATE.
  const auto check = judge::check_arrival(with_received({}), at("2025-12-15T18:00:00Z"),
                                          judge::SourceKind::imap, 15min);
  EXPECT_TRUE(check.no_smtp_trace);
  ASSERT_EQ(check.review_reasons.size(), 1u);
  EXPECT_TRUE(check.review_reasons.front().starts_with("arrival mismatch: not delivered by SMTP"));
}

TEST(PipelineArrival, AForgedReceivedBelowOursIsIgnored) {
  // T3c: the sender wrote a Received a day earlier below ours; only the topmost counts.
  const auto check = judge::check_arrival(
      with_received({k_our_mx, "from forged by mx.umich.edu; Sun, 14 Dec 2025 13:00:00 -0500"}),
      at("2025-12-15T18:05:00Z"), judge::SourceKind::imap, 15min);
  EXPECT_FALSE(check.needs_review());
}

TEST(PipelineArrival, MaildirMailIsNeverFlagged) {
  // Replay of made-up Maildir mail has no Received lines; its results must not change.
  const auto check = judge::check_arrival(with_received({}), at("2025-12-15T18:00:00Z"),
                                          judge::SourceKind::maildir, 15min);
  EXPECT_FALSE(check.needs_review());
  EXPECT_EQ(judge::source_kind("maildir:/srv/mail/x"), judge::SourceKind::maildir);
  EXPECT_EQ(judge::source_kind("imaps://host/INBOX;UIDVALIDITY=1;UID=2"), judge::SourceKind::imap);
}

TEST(PipelineArrival, AFlaggedDeliverableIsNeedsReviewAndKeepsItsVerdictAndGuess) {
  // T3a: "goes to needs-review with the verdict still from INTERNALDATE"; the deliverable,
  // lecture and group found by classification stay, and no receipt says it was accepted.
  judge::Decision decision;
  decision.classification.kind = "slides";
  decision.classification.deliverable = "slides";
  decision.classification.group = "2";
  decision.classification.lecture = rules::Date{std::chrono::year{2025} / 10 / 7};
  decision.judgement = deadline::Judgement{};
  decision.judgement->verdict = deadline::Verdict::late;
  decision.judgement->late_by = core::Seconds{120};
  decision.reply = judge::ReplyKind::late_notice;
  judge::ArrivalCheck check;
  check.review_reasons = {"arrival mismatch (40 min): ..."};
  judge::note_arrival(decision, check);
  EXPECT_EQ(decision.classification.kind, "needs-review");
  EXPECT_EQ(decision.classification.deliverable, "slides");
  EXPECT_EQ(decision.classification.group, "2");
  EXPECT_TRUE(decision.classification.lecture);
  ASSERT_TRUE(decision.judgement);
  EXPECT_EQ(decision.judgement->verdict, deadline::Verdict::late);
  EXPECT_EQ(decision.judgement->late_by, core::Seconds{120});
  EXPECT_EQ(decision.reply, judge::ReplyKind::none);
  EXPECT_EQ(decision.reply_reason, "held for staff review, so no receipt or late notice: arrival "
                                   "mismatch (40 min): ...");
  EXPECT_EQ(decision.classification.signals.back(), "arrival mismatch");
  EXPECT_EQ(decision.classification.review_reasons.back(), "arrival mismatch (40 min): ...");
}

TEST(PipelineArrival, AFlaggedNonSubmissionOnlyGainsTheReason) {
  judge::Decision decision;
  decision.classification.kind = "not-a-submission";
  judge::ArrivalCheck check;
  check.review_reasons = {"arrival mismatch: not delivered by SMTP"};
  judge::note_arrival(decision, check);
  EXPECT_EQ(decision.classification.kind, "not-a-submission");
  EXPECT_EQ(decision.classification.review_reasons.back(),
            "arrival mismatch: not delivered by SMTP");
}

TEST(PipelineArrival, AClarifyRequestNeverQuotesTheArrivalCheckToTheStudent) {
  judge::Decision decision;
  decision.classification.kind = "needs-review";
  decision.classification.review_reasons = {"no lecture date"};
  decision.reply = judge::ReplyKind::clarify;
  judge::ArrivalCheck check;
  check.review_reasons = {"arrival mismatch: not delivered by SMTP"};
  judge::note_arrival(decision, check);
  EXPECT_EQ(decision.classification.review_reasons, std::vector<std::string>{"no lecture date"});
  EXPECT_EQ(
      decision.classification.signals,
      (std::vector<std::string>{"arrival mismatch", "arrival mismatch: not delivered by SMTP"}));
}
