// Replies are text/plain: nothing a student wrote or the course says is HTML-escaped.
#include "reply/compose.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

using namespace mailroom;

TEST(ReplyPlainText, NamesSubjectsAndPolicyTextAreNotHtmlEscaped) {
  const auto course = test::example_course();
  reply::Templates templates;
  for (const char* name : reply::k_template_names)
    templates[name] =
        test::read_text(test::source_dir() / "templates" / (std::string(name) + ".mustache"));
  judge::Decision decision;
  decision.file = "x";
  decision.received_at = *core::parse_iso("2025-11-01T12:00:00Z");
  decision.facts.from.push_back({"Greta", "gmoreau@students.example.edu"});
  decision.facts.subject = "Slides <final> & \"more\"";
  decision.facts.message_id = "<a@students.example.edu>";
  decision.classification.kind = "needs-review";
  decision.classification.group = "3";
  decision.classification.student_email = "gmoreau@students.example.edu";
  decision.classification.student_name = "Greta O'Neil & Co";
  decision.reply = judge::ReplyKind::clarify;
  const reply::ComposeOptions options{"staff@example.edu",
                                      "staff@example.edu",
                                      "mailroom.x.invalid",
                                      reply::Recipients::sender_only,
                                      decision.received_at,
                                      "u",
                                      1};
  const auto composed = reply::compose(decision, course, templates, options);
  ASSERT_TRUE(composed) << composed.error().to_string();
  EXPECT_NE(composed->body.find("Hello Greta O'Neil & Co,"), std::string::npos) << composed->body;
  EXPECT_NE(composed->body.find("\"Slides <final> & \"more\"\""), std::string::npos)
      << composed->body;
  EXPECT_EQ(composed->body.find("&amp;"), std::string::npos) << composed->body;
  EXPECT_EQ(composed->body.find("&quot;"), std::string::npos) << composed->body;
}
