#include "reply/gates.hpp"
#include "support/course_fixture.hpp"
#include "support/instant.hpp"

#include <gtest/gtest.h>

using namespace mailroom;

namespace {

using test::at;

// Ada's slides for Oct 7, on time, sent from her roster address.
judge::Decision receipt_for_ada() {
  judge::Decision decision;
  decision.file = "m1";
  decision.received_at = at("2025-10-06T12:00:00Z");
  decision.facts.from.push_back({"Ada Lovelace", "ada@example.edu"});
  decision.facts.message_id = "<m1@example.edu>";
  decision.classification.kind = "slides";
  decision.classification.deliverable = "slides";
  decision.classification.group = "1";
  decision.classification.student_email = "ada@example.edu";
  decision.reply = judge::ReplyKind::receipt;
  decision.reply_reason = "on time";
  return decision;
}

reply::GatePolicy policy() {
  return {"mailroom.demo-f25.invalid", "staff@example.edu", std::chrono::hours{24 * 7}};
}

const core::Instant k_now = at("2025-10-06T12:01:00Z");

} // namespace

TEST(ReplyGates, OnTimeRosterMailMayBeAnswered) {
  const auto course = test::demo_course();
  EXPECT_EQ(reply::suppression(receipt_for_ada(), course, policy(), k_now), std::nullopt);
  EXPECT_EQ(reply::identity_of(receipt_for_ada(), course), "ada");
}

TEST(ReplyGates, TwoRosterAddressesOfOneStudentAreOneIdentity) {
  const auto course = test::demo_course();
  auto decision = receipt_for_ada();
  decision.classification.student_email = "G.Hopper@gmail.com";
  EXPECT_EQ(reply::identity_of(decision, course), "grace");
  decision.classification.student_email = "grace@example.edu";
  EXPECT_EQ(reply::identity_of(decision, course), "grace");
}

TEST(ReplyGates, OwnMailIsNeverAnswered) {
  const auto course = test::demo_course();
  auto loop = receipt_for_ada();
  loop.facts.x_mailroom_loop = "mailroom.demo-f25.invalid";
  EXPECT_NE(reply::suppression(loop, course, policy(), k_now)->find("X-Mailroom-Loop"),
            std::string::npos);
  auto own_id = receipt_for_ada();
  own_id.facts.message_id = "<receipt.abc@MAILROOM.demo-f25.invalid>";
  EXPECT_NE(reply::suppression(own_id, course, policy(), k_now)->find("Message-ID"),
            std::string::npos);
  auto own_from = receipt_for_ada();
  own_from.facts.from = {{"Staff", "Staff@Example.edu"}};
  EXPECT_NE(reply::suppression(own_from, course, policy(), k_now)->find("From"), std::string::npos);
  // A student's "reply all" to a receipt, with nothing submitted (docs/reliability-cases.md A5).
  auto answer = receipt_for_ada();
  answer.facts.in_reply_to = "<receipt.abc@mailroom.demo-f25.invalid>";
  EXPECT_NE(reply::suppression(answer, course, policy(), k_now)->find("In-Reply-To"),
            std::string::npos);
}

TEST(ReplyGates, AutomatedMailIsNeverAnswered) {
  const auto course = test::demo_course();
  auto automated = receipt_for_ada();
  automated.facts.automated = true;
  automated.facts.automated_reasons = {"Auto-Submitted: auto-replied"};
  const auto why = reply::suppression(automated, course, policy(), k_now);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("RFC 3834"), std::string::npos) << *why;
  EXPECT_NE(why->find("Auto-Submitted: auto-replied"), std::string::npos) << *why;
  auto marked = receipt_for_ada();
  marked.facts.auto_submitted = "auto-generated (failure)";
  EXPECT_TRUE(reply::suppression(marked, course, policy(), k_now));
  auto human = receipt_for_ada();
  human.facts.auto_submitted = "no";
  EXPECT_EQ(reply::suppression(human, course, policy(), k_now), std::nullopt);
}

TEST(ReplyGates, SenderNotOnTheRosterGetsNothing) {
  const auto course = test::demo_course();
  auto stranger = receipt_for_ada();
  stranger.classification.student_email = "mallory@evil.example";
  EXPECT_EQ(reply::suppression(stranger, course, policy(), k_now),
            std::optional<std::string>{"sender is not on the roster"});
  auto unknown = receipt_for_ada();
  unknown.classification.student_email.reset();
  EXPECT_TRUE(reply::suppression(unknown, course, policy(), k_now));
}

TEST(ReplyGates, NoReplyDueKeepsItsReason) {
  const auto course = test::demo_course();
  auto none = receipt_for_ada();
  none.reply = judge::ReplyKind::none;
  none.reply_reason = "not a submission";
  EXPECT_EQ(reply::suppression(none, course, policy(), k_now),
            std::optional<std::string>{"not a submission"});
}

TEST(ReplyGates, MailOlderThanMaxReplyAgeGetsNothing) {
  const auto course = test::demo_course();
  const auto decision = receipt_for_ada();
  EXPECT_EQ(reply::suppression(decision, course, policy(), at("2025-10-13T12:00:00Z")),
            std::nullopt);
  const auto why = reply::suppression(decision, course, policy(), at("2025-10-13T12:00:01Z"));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("max_reply_age"), std::string::npos) << *why;
}

TEST(ReplyGates, TheLoopGuardComesFirst) {
  const auto course = test::demo_course();
  auto decision = receipt_for_ada();
  decision.facts.x_mailroom_loop = "mailroom.demo-f25.invalid";
  decision.facts.automated = true;
  decision.classification.student_email.reset();
  EXPECT_NE(reply::suppression(decision, course, policy(), k_now)->find("own mail"),
            std::string::npos);
}
