// The replies students read, pinned as golden files (tests/data/replies/COURSE/*.txt):
// on time by 1 s, late by 1 s, within a 15-minute grace period, and in the week the
// clocks go back, for every deliverable of both terms. MAILROOM_UPDATE_GOLDEN=1 rewrites
// them; read the diff before committing it.
#include "deadline/deadline.hpp"
#include "message/parse.hpp"
#include "reply/compose.hpp"
#include "support/files.hpp"
#include "support/shipped_templates.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>

using namespace mailroom;

namespace {

using test::shipped_templates;

const char* const k_presenter_group = "3";
const char* const k_summary_group = "5";

// The first lecture students present in October, and the first after the first Sunday
// of November (when the clocks go back).
struct Lectures {
  rules::Date regular;
  rules::Date dst_week;
};

Lectures lectures_of(const rules::Course& course) {
  std::optional<rules::Date> regular, dst_week;
  for (const auto& lecture : course.lectures) {
    if (!lecture.students_present)
      continue;
    if (!regular && lecture.date.month() == std::chrono::October)
      regular = lecture.date;
    if (!dst_week && lecture.date.month() == std::chrono::November &&
        static_cast<unsigned>(lecture.date.day()) > 1)
      dst_week = lecture.date;
  }
  EXPECT_TRUE(regular && dst_week) << course.id;
  return {regular.value_or(rules::Date{}), dst_week.value_or(rules::Date{})};
}

// A term's real course file with the example roster, and assignments of the two lectures
// above to group 3 (slides) and group 5 (summary).
rules::Course term_course(const std::string& id) {
  const auto course_path = test::source_dir() / "rules" / id / "course.toml";
  const auto roster = test::source_dir() / "examples/cse585-f25/roster.csv";
  auto bare = rules::parse_rules({{test::read_text(course_path), course_path.string()},
                                  {test::read_text(roster), "roster.csv"},
                                  {"lecture,role,group\n", "assignments.csv"}});
  EXPECT_TRUE(bare) << id;
  if (!bare)
    return {};
  const auto lectures = lectures_of(*bare);
  std::string assignments = "lecture,role,group\n";
  for (const auto date : {lectures.regular, lectures.dst_week})
    assignments += fmt::format("{0},presenter,{1}\n{0},summary,{2}\n", rules::iso_date(date),
                               k_presenter_group, k_summary_group);
  auto course = rules::parse_rules({{test::read_text(course_path), course_path.string()},
                                    {test::read_text(roster), "roster.csv"},
                                    {assignments, "assignments.csv"}});
  EXPECT_TRUE(course) << id;
  return course ? *course : rules::Course{};
}

// The deliverable handed in by a member of the group that owes it, at `received_at`.
judge::Decision handed_in(const rules::Course& course, const rules::Deliverable& deliverable,
                          std::optional<rules::Date> lecture, core::Seconds from_due) {
  const std::string group = deliverable.owner == rules::Owner::presenter ? k_presenter_group
                            : deliverable.owner == rules::Owner::summary ? k_summary_group
                                                                         : "1";
  const auto* student = course.members(group).front();
  judge::Decision decision;
  decision.file = "golden";
  decision.facts.from.push_back({student->name, student->email});
  decision.facts.subject = deliverable.title;
  decision.facts.message_id = "<golden@students.example.edu>";
  decision.facts.attachments.push_back({fmt::format("group{}-{}.pdf", group, deliverable.name),
                                        "application/pdf",
                                        412'345,
                                        std::string(64, 'e'),
                                        "2",
                                        false,
                                        false,
                                        {}});
  if (deliverable.name == "final-report")
    decision.facts.links.push_back(
        {"https://github.com/example/group1-project", message::LinkKind::github});
  auto& c = decision.classification;
  c.kind = c.deliverable.emplace(deliverable.name);
  c.lecture = lecture;
  c.group = group;
  c.student_email = student->email;
  c.student_name = student->name;
  decision.due = deadline::due_at(course, deliverable, lecture).value();
  decision.received_at = *decision.due + from_due;
  decision.judgement = deadline::judge(*decision.due, deliverable.grace, decision.received_at);
  decision.reply = decision.judgement->verdict == deadline::Verdict::late
                       ? judge::ReplyKind::late_notice
                       : judge::ReplyKind::receipt;
  return decision;
}

reply::ComposeOptions options_at(core::Instant now) {
  reply::ComposeOptions options;
  options.from = options.reply_to = "cse585-staff@umich.edu";
  options.message_id_domain = "mailroom.cse585.invalid";
  options.now = now;
  options.unique = "golden";
  return options;
}

// Compares `actual` with the golden file (or writes it when asked to update).
void expect_golden(const std::filesystem::path& path, const std::string& actual) {
  if (const char* update = std::getenv("MAILROOM_UPDATE_GOLDEN"); update && *update == '1') {
    test::write_file(path, actual);
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << " is missing: run with MAILROOM_UPDATE_GOLDEN=1 and read it";
  EXPECT_EQ(actual, test::read_text(path)) << path;
}

struct TextCase {
  std::string name;
  core::Seconds from_due;
  core::Seconds grace{0};
  bool dst_week = false;
};

} // namespace

TEST(ReplyTexts, EveryDeliverableOfBothTermsAtTheEdgeOfItsDeadlineMatchesItsGoldenText) {
  const std::vector<TextCase> cases{
      {"on-time-by-1s", core::Seconds{-1}},
      {"late-by-1s", core::Seconds{1}},
      {"within-grace", core::Seconds{5 * 60 + 30}, core::Seconds{15 * 60}},
      {"dst-week", core::Seconds{-2 * 3600}, core::Seconds{0}, true},
  };
  int compared = 0;
  for (const char* id : {"cse585-f24", "cse585-f25"}) {
    auto course = term_course(id);
    ASSERT_FALSE(course.deliverables.empty()) << id;
    const auto lectures = lectures_of(course);
    for (auto& deliverable : course.deliverables) {
      for (const auto& each : cases) {
        if (each.dst_week && !deliverable.per_lecture)
          continue;
        deliverable.grace = each.grace;
        std::optional<rules::Date> lecture;
        if (deliverable.per_lecture)
          lecture = each.dst_week ? lectures.dst_week : lectures.regular;
        const auto decision = handed_in(course, deliverable, lecture, each.from_due);
        const auto reply =
            reply::compose(decision, course, shipped_templates(), options_at(decision.received_at));
        ASSERT_TRUE(reply) << reply.error().to_string();
        expect_golden(test::test_data() / "replies" / id /
                          (deliverable.name + "-" + each.name + ".txt"),
                      "Subject: " + reply->subject + "\n\n" + reply->body);
        for (const auto& line : util::split(reply->body, '\n')) {
          if (line.find("https://") == std::string::npos) {
            EXPECT_LE(line.size(), 72U) << line;
          }
        }
        ++compared;
      }
      deliverable.grace = core::Seconds{0};
    }
  }
  EXPECT_EQ(compared, 28);
}

TEST(ReplyTexts, FinalReportOneSecondLateShowsBothTimesToTheSecondAndTheRule) {
  auto course = term_course("cse585-f25");
  const auto decision =
      handed_in(course, *course.deliverable("final-report"), std::nullopt, core::Seconds{1});
  const auto reply =
      reply::compose(decision, course, shipped_templates(), options_at(decision.received_at));
  ASSERT_TRUE(reply) << reply.error().to_string();
  EXPECT_EQ(reply->subject, "Late: final report, Group 1 (CSE 585, Fall 2025)");
  EXPECT_NE(reply->body.find("Arrived:  Mon Dec 15, 1:00:01 PM EST"), std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("Due:      Mon Dec 15, 1:00:00 PM EST"), std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("Verdict:  Late by 1 second\n"), std::string::npos) << reply->body;
  EXPECT_NE(reply->body.find("Final report is due on or before Mon Dec 15, 1:00 PM EST."),
            std::string::npos)
      << reply->body;
  EXPECT_NE(reply->message.find("Content-Type: multipart/alternative"), std::string::npos);
  EXPECT_NE(reply->html.find("Late by 1 second"), std::string::npos) << reply->html;
  EXPECT_NE(reply->html.find("Mon Dec 15, 1:00:01 PM EST"), std::string::npos) << reply->html;
  expect_golden(test::test_data() / "replies/cse585-f25/final-report-late-by-1s.html", reply->html);
}

TEST(ReplyTexts, HtmlPartEscapesHostileSubjectsFileNamesAndNames) {
  // Everything that came from mail is escaped in the HTML part and kept as is in the text.
  auto course = term_course("cse585-f25");
  auto decision =
      handed_in(course, *course.deliverable("proposal"), std::nullopt, core::Seconds{-60});
  decision.facts.subject = "<script>alert(1)</script> & \"x\"";
  decision.facts.attachments.front().filename = "<img src=x onerror=alert(1)>.pdf";
  decision.classification.student_name = "Greta <b>O'Neil</b> & Co";
  for (auto kind : {judge::ReplyKind::receipt, judge::ReplyKind::clarify}) {
    decision.reply = kind;
    if (kind == judge::ReplyKind::clarify)
      decision.classification.kind = "needs-review";
    const auto reply =
        reply::compose(decision, course, shipped_templates(), options_at(decision.received_at));
    ASSERT_TRUE(reply) << reply.error().to_string();
    EXPECT_EQ(reply->html.find("<script"), std::string::npos) << reply->html;
    EXPECT_EQ(reply->html.find("<img"), std::string::npos) << reply->html;
    EXPECT_EQ(reply->html.find("<b>"), std::string::npos) << reply->html;
    EXPECT_NE(reply->html.find("Greta &lt;b&gt;O&apos;Neil&lt;/b&gt; &amp; Co"), std::string::npos)
        << reply->html;
    EXPECT_NE(reply->body.find("Hello Greta <b>O'Neil</b> & Co,"), std::string::npos)
        << reply->body;
    if (kind == judge::ReplyKind::receipt) {
      EXPECT_NE(reply->html.find("&lt;img src=x onerror=alert(1)&gt;.pdf"), std::string::npos)
          << reply->html;
    } else {
      EXPECT_NE(reply->html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"),
                std::string::npos)
          << reply->html;
    }
  }
}

TEST(ReplyClarify, GroupNotAssignedThatLectureIsToldItsOwnLectureAndOnlyTheSenderHearsOfIt) {
  // Group 2 sends "Slides for Oct 7", but group 1 presents Oct 7; group 2 presents Oct 9.
  const auto course = test::example_course();
  const auto path = test::test_data() / "classify/20-not-assigned-lecture.eml";
  const auto raw = test::read_text(path);
  const auto received = *core::parse_iso("2025-10-05T12:00:00Z");
  const auto decision =
      judge::decide("x", "x", received, message::parse(raw, path.string()), course);
  ASSERT_EQ(decision.reply, judge::ReplyKind::clarify) << decision.reply_reason;
  auto options = options_at(received);
  options.recipients = reply::Recipients::sender_and_group;
  const auto reply = reply::compose(decision, course, shipped_templates(), options);
  ASSERT_TRUE(reply) << reply.error().to_string();
  EXPECT_EQ(reply->to, std::vector<std::string>{"dhalv@students.example.edu"});
  EXPECT_TRUE(reply->cc.empty());
  EXPECT_EQ(reply->subject, "Unclear: your mail \"Slides for Oct 7\" (CSE 585, Fall 2025)");
  EXPECT_NE(reply->body.find("What it understood: presentation slides for Tue Oct 7, from"),
            std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("Group 2 does not present Tue Oct 7 (Group 1 does)."),
            std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("\n  Presentation slides for Thu Oct 9 (Group 2)\n"),
            std::string::npos)
      << reply->body;
  EXPECT_EQ(reply->body.find("2025-10-07"), std::string::npos) << reply->body;
  expect_golden(test::test_data() / "replies/cse585-f25/clarify-not-assigned.txt",
                "Subject: " + reply->subject + "\n\n" + reply->body);

  // The resend it suggests is judged as meant: group 2's slides for Thu Oct 9.
  std::string resend = raw;
  resend.replace(resend.find("Subject: Slides for Oct 7"), 25,
                 "Subject: Presentation slides for Thu Oct 9 (Group 2)");
  const auto judged = judge::decide("y", "y", received, message::parse(resend, "resend"), course);
  EXPECT_EQ(judged.classification.kind, "slides");
  EXPECT_EQ(judged.classification.lecture, rules::Date{std::chrono::year{2025} / 10 / 9});
  EXPECT_EQ(judged.classification.group, "2");
  EXPECT_EQ(judged.reply, judge::ReplyKind::receipt);
}

TEST(ReplyTemplates, ShippedTemplatesUseOnlyKnownVariables) {
  const auto course = test::example_course();
  for (const auto& [name, text] : shipped_templates())
    EXPECT_TRUE(reply::check_template(name, text, name, course).empty()) << name;
}

TEST(ReplyTemplates, AnUnknownVariableOrTemplateNameIsAnErrorNotABlank) {
  const auto course = test::example_course();
  const auto typo =
      reply::check_template("receipt", "Hello {{{studnet_name}}}\n{{#files}}{{nmae}}{{/files}}\n",
                            "rules/x/templates/receipt.mustache", course);
  ASSERT_EQ(typo.size(), 2U);
  EXPECT_EQ(typo[0].to_string().substr(0, 77),
            "rules/x/templates/receipt.mustache: unknown variable 'nmae'; use one of the v");
  EXPECT_NE(typo[1].to_string().find("unknown variable 'studnet_name'"), std::string::npos);
  const auto name = reply::check_template("reciept", "Hello", "reciept.mustache", course);
  ASSERT_EQ(name.size(), 1U);
  EXPECT_NE(name[0].to_string().find("not a template mailroom uses"), std::string::npos);
}

TEST(ReplyWrap, LongLinesBreakAtSpacesKeepingTheirIndentAndLinksStayWhole) {
  EXPECT_EQ(reply::wrap_text("  - one two three four\n", 12), "  - one two\n    three\n    four\n");
  EXPECT_EQ(reply::wrap_text("https://example.com/a-very-long-link x", 10),
            "https://example.com/a-very-long-link\nx");
  EXPECT_EQ(reply::wrap_text("a\n\nb\n", 72), "a\n\nb\n");
}
