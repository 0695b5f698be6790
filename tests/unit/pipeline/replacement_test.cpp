// The "replaced" note: a version that replaces the one that counted,
// sent from another address, tells the earlier sender, within the caps.

#include "pipeline/engine.hpp"
#include "pipeline/replacement.hpp"
#include "support/course_fixture.hpp"
#include "support/instant.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace mailroom;

namespace {

using test::at;

pipeline::ReplyPlan plan() {
  pipeline::ReplyPlan plan;
  for (const char* name : reply::k_template_names) {
    std::ifstream in(std::string(MAILROOM_SOURCE_DIR) + "/templates/" + name + ".mustache");
    std::ostringstream text;
    text << in.rdbuf();
    plan.templates[name] = text.str();
  }
  plan.from = "DEMO 101 <staff@example.edu>";
  plan.reply_to = "staff@example.edu";
  plan.gates.own_domain = "mailroom.demo.example.edu";
  plan.gates.own_address = "staff@example.edu";
  plan.max_per_student_per_day = 10;
  plan.max_unauthenticated_replies_per_day = 3;
  return plan;
}

// Group 1's proposal (due 2025-09-19T03:59:59Z), recorded from Ada.
pipeline::MailRow earlier_proposal(const char* received = "2025-09-10T12:00:00Z") {
  pipeline::MailRow row;
  row.id = 7;
  row.from = "Ada Lovelace <ada@example.edu>";
  row.message_id = "<ada-proposal@example.edu>";
  row.received_at = at(received);
  row.kind = "proposal";
  row.deliverable = "proposal";
  row.group = "1";
  row.verdict = "on-time";
  return row;
}

// A later proposal of group 1 from `address` (on the roster as `name`).
judge::Decision later_proposal(const std::string& name, const std::string& address,
                               const char* received = "2025-09-15T12:00:00Z") {
  judge::Decision decision;
  decision.source = "maildir:/test/later";
  decision.file = "later";
  decision.received_at = at(received);
  decision.facts.from.push_back({name, address});
  decision.facts.subject = "Proposal";
  decision.facts.message_id = "<later@example.edu>";
  decision.facts.sha256 = std::string(64, 'b');
  auto& c = decision.classification;
  c.kind = "proposal";
  c.deliverable = "proposal";
  c.group = "1";
  c.student_email = address;
  c.student_name = name;
  decision.due = at("2025-09-19T03:59:59Z");
  decision.judgement = deadline::judge(*decision.due, core::Seconds{0}, decision.received_at);
  decision.reply = decision.judgement->verdict == deadline::Verdict::on_time
                       ? judge::ReplyKind::receipt
                       : judge::ReplyKind::late_notice;
  return decision;
}

} // namespace

TEST(ReplacementNote, AVersionFromAnotherAddressTellsTheEarlierSenderOnly) {
  const auto course = test::demo_course();
  const auto note =
      pipeline::replacement_note(later_proposal("Alan Turing", "alan@example.edu"),
                                 {earlier_proposal()}, course, plan(), at("2025-09-15T12:05:00Z"));
  ASSERT_TRUE(note);
  EXPECT_FALSE(note->suppressed) << *note->suppressed;
  EXPECT_EQ(note->kind, "replaced");
  EXPECT_EQ(note->recipients, std::vector<std::string>{"ada@example.edu"});
  EXPECT_EQ(note->identity, "ada");
  EXPECT_EQ(note->max_per_day, 10);
  EXPECT_EQ(note->message_id, "<replaced." + std::string(24, 'b') + "@mailroom.demo.example.edu>");
  EXPECT_NE(note->message.find("In-Reply-To: <ada-proposal@example.edu>"), std::string::npos)
      << note->message;
  EXPECT_NE(note->message.find("Subject: Replaced: proposal, Group 1"), std::string::npos)
      << note->message;
  // The text part is quoted-printable: look for words that stay whole.
  EXPECT_NE(note->message.find("alan@example.edu"), std::string::npos) << note->message;
  EXPECT_NE(note->message.find("Hello Ada Lovelace"), std::string::npos) << note->message;
  EXPECT_NE(note->message.find("not your group"), std::string::npos) << note->message;
}

TEST(ReplacementNote, TheSameSenderReplacingItsOwnVersionGetsNoNote) {
  const auto course = test::demo_course();
  EXPECT_FALSE(pipeline::replacement_note(later_proposal("Ada Lovelace", "ada@example.edu"),
                                          {earlier_proposal()}, course, plan(),
                                          at("2025-09-15T12:05:00Z")));
  // The same address in other letters, and the same student from another roster address.
  EXPECT_FALSE(pipeline::replacement_note(later_proposal("Ada Lovelace", "ADA@example.edu"),
                                          {earlier_proposal()}, course, plan(),
                                          at("2025-09-15T12:05:00Z")));
  auto grace = earlier_proposal();
  grace.group = "2";
  grace.from = "grace@example.edu";
  auto later = later_proposal("Grace Hopper", "g.hopper@gmail.com");
  later.classification.group = "2";
  EXPECT_FALSE(
      pipeline::replacement_note(later, {grace}, course, plan(), at("2025-09-15T12:05:00Z")));
}

TEST(ReplacementNote, AnUnauthenticatedReplacementDrawsOnTheSmallerBudget) {
  const auto course = test::demo_course();
  auto forged = later_proposal("Alan Turing", "alan@example.edu");
  forged.classification.signals.push_back("unauthenticated: no trusted_authserv_id configured");
  ASSERT_EQ(judge::sender_trust(forged.classification.signals),
            judge::SenderTrust::unauthenticated);
  const auto note = pipeline::replacement_note(forged, {earlier_proposal()}, course, plan(),
                                               at("2025-09-15T12:05:00Z"));
  ASSERT_TRUE(note);
  EXPECT_EQ(note->identity, "ada (unauthenticated)");
  EXPECT_EQ(note->max_per_day, 3);
  EXPECT_EQ(note->recipients, std::vector<std::string>{"ada@example.edu"});
}

TEST(ReplacementNote, NoNoteWhenTheNewVersionDoesNotCountOrNothingCountedBefore) {
  const auto course = test::demo_course();
  const auto now = at("2025-09-20T12:05:00Z");
  // A late version never hides an on-time one: nothing was replaced.
  EXPECT_FALSE(pipeline::replacement_note(
      later_proposal("Alan Turing", "alan@example.edu", "2025-09-20T12:00:00Z"),
      {earlier_proposal()}, course, plan(), now));
  // The first version replaces nothing.
  EXPECT_FALSE(pipeline::replacement_note(later_proposal("Alan Turing", "alan@example.edu"), {},
                                          course, plan(), at("2025-09-15T12:05:00Z")));
  // A held version counts for nothing.
  auto held = later_proposal("Alan Turing", "alan@example.edu");
  held.classification.kind = "needs-review";
  EXPECT_FALSE(pipeline::replacement_note(held, {earlier_proposal()}, course, plan(),
                                          at("2025-09-15T12:05:00Z")));
}

TEST(ReplacementNote, AnOldReplacementIsRecordedAsSuppressed) {
  const auto course = test::demo_course();
  const auto note =
      pipeline::replacement_note(later_proposal("Alan Turing", "alan@example.edu"),
                                 {earlier_proposal()}, course, plan(), at("2025-10-30T12:00:00Z"));
  ASSERT_TRUE(note);
  ASSERT_TRUE(note->suppressed);
  EXPECT_TRUE(note->recipients.empty());
}
