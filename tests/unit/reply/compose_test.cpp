#include "judge/decision.hpp"
#include "message/parse.hpp"
#include "reply/compose.hpp"
#include "support/files.hpp"
#include "support/shipped_templates.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace mailroom;

namespace {

using test::shipped_templates;

// Group 3's slides for Tue Oct 7, sent by Greta from her roster address.
judge::Decision slides_decision(const rules::Course& course, const char* received_at) {
  message::MessageFacts facts;
  facts.from.push_back({"Greta Moreau", "gmoreau@students.example.edu"});
  facts.subject = "Slides for Nov 4";
  facts.message_id = "<abc@students.example.edu>";
  facts.attachments.push_back(
      {"andes.pptx", "application/pdf", 2048, std::string(64, 'a'), "2", false, false, {}});
  judge::Decision decision;
  decision.file = "x";
  decision.received_at = *core::parse_iso(received_at);
  decision.facts = facts;
  decision.classification.kind = "slides";
  decision.classification.deliverable = "slides";
  decision.classification.lecture = std::chrono::year{2025} / 11 / 4;
  decision.classification.group = "3";
  decision.classification.student_email = "gmoreau@students.example.edu";
  decision.classification.student_name = "Greta Moreau";
  decision.due =
      deadline::due_at(course, *course.deliverable("slides"), decision.classification.lecture)
          .value();
  decision.judgement =
      deadline::judge(*decision.due, std::chrono::seconds{0}, decision.received_at);
  decision.reply = decision.judgement->verdict == deadline::Verdict::late
                       ? judge::ReplyKind::late_notice
                       : judge::ReplyKind::receipt;
  return decision;
}

reply::ComposeOptions options() {
  return {"cse585-staff@umich.edu",
          "cse585-staff@umich.edu",
          "mailroom.cse585-f25.invalid",
          reply::Recipients::sender_and_group,
          *core::parse_iso("2025-11-03T16:00:00Z"),
          "u1",
          1};
}

} // namespace

TEST(ReplyCompose, ReceiptGoesToTheSenderWithTheGroupInCcAndEveryHeader) {
  const auto course = test::example_course();
  const auto decision = slides_decision(course, "2025-11-02T15:00:00Z");
  const auto reply = reply::compose(decision, course, shipped_templates(), options());
  ASSERT_TRUE(reply) << reply.error().to_string();
  EXPECT_EQ(reply->subject,
            "Receipt: presentation slides for Tue Nov 4, Group 3 (CSE 585, Fall 2025)");
  EXPECT_EQ(reply->to, std::vector<std::string>{"gmoreau@students.example.edu"});
  EXPECT_EQ(reply->cc, (std::vector<std::string>{"hcastel@students.example.edu",
                                                 "iabara@students.example.edu"}));
  for (const char* header :
       {"Auto-Submitted: auto-replied", "In-Reply-To: <abc@students.example.edu>",
        "References: <abc@students.example.edu>",
        "Message-ID: <receipt.u1@mailroom.cse585-f25.invalid>",
        "Content-Transfer-Encoding: quoted-printable", "Reply-To: cse585-staff@umich.edu",
        "Content-Type: multipart/alternative"})
    EXPECT_NE(reply->message.find(header), std::string::npos) << header << "\n" << reply->message;
  EXPECT_NE(reply->body.find("Arrived:  Sun Nov 2, 10:00 AM EST"), std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("Due:      Mon Nov 3, 10:30 AM EST"), std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("Verdict:  On time, 24 hours 30 minutes before the deadline"),
            std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("andes.pptx (2.0 KB), SHA-256:\n    aaaa"), std::string::npos)
      << reply->body;
}

TEST(ReplyCompose, LateSummaryNoticeSaysItIsNotCounted) {
  const auto course = test::example_course();
  auto decision = slides_decision(course, "2025-11-05T18:00:00Z");
  decision.classification.kind = decision.classification.deliverable.emplace("summary");
  decision.due =
      deadline::due_at(course, *course.deliverable("summary"), decision.classification.lecture)
          .value();
  decision.judgement =
      deadline::judge(*decision.due, std::chrono::seconds{0}, decision.received_at);
  decision.reply = judge::ReplyKind::late_notice;
  const auto reply = reply::compose(decision, course, shipped_templates(), options());
  ASSERT_TRUE(reply) << reply.error().to_string();
  EXPECT_EQ(reply->subject, "Late: paper summary for Tue Nov 4, Group 3 (CSE 585, Fall 2025)");
  EXPECT_NE(reply->body.find("Verdict:  Late by 1 hour\n"), std::string::npos) << reply->body;
  EXPECT_NE(reply->body.find("It is not counted"), std::string::npos) << reply->body;
}

TEST(ReplyCompose, NoReplyIsComposedForMailThatGetsNone) {
  const auto course = test::example_course();
  auto decision = slides_decision(course, "2025-11-02T15:00:00Z");
  decision.reply = judge::ReplyKind::none;
  decision.reply_reason = "not a submission";
  EXPECT_FALSE(reply::compose(decision, course, shipped_templates(), options()));
}

TEST(ReplyCompose, ACorrectedDeckSentAsAReplyToItsReceiptGetsAReceiptSayingItReplacesTheFirst) {
  // The student answers the receipt, as it invites, with the corrected deck attached.
  const auto course = test::example_course();
  const std::string file = "78-reply-to-receipt-new-file.eml";
  const auto raw = test::read_text(test::test_data() / "classify" / file);
  const auto decision = judge::decide(file, file, *core::parse_iso("2025-10-06T12:00:00Z"),
                                      message::parse(raw, file), course);
  ASSERT_EQ(decision.reply, judge::ReplyKind::receipt) << decision.reply_reason;
  const auto reply = reply::compose(decision, course, shipped_templates(), options());
  ASSERT_TRUE(reply) << reply.error().to_string();
  auto words = reply->body; // wrapped at 72 columns
  std::ranges::replace(words, '\n', ' ');
  EXPECT_NE(words.find("from Group 1 (it replaces the version you sent before; every version is "
                       "kept)"),
            std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("ours-corrected.pptx"), std::string::npos) << reply->body;
}
