// `mailroom reprocess --notify` (docs/reliability-cases.md E10 and policy 9): one reply per changed
// decision, queued for the daemon, never twice for the same decision.
#include "app/ledger/fixture.hpp"

#include <set>

using namespace mailroom;

namespace {

// Grace (group 2) sends the slides for Nov 4 on Mon Nov 3 at 11:00 EST: 30 min after
// they were due at class start - 24 h (10:30 EST), so late.
struct LateSlides : test::LedgerFixture {
  LateSlides() {
    const auto file = dir / "maildir" / "new" / "1762185600.M1.test";
    test::write_file(file, "From: Grace Hopper <grace@example.edu>\r\nTo: staff@example.edu\r\n"
                           "Subject: Slides for Nov 4\r\nDate: Mon, 3 Nov 2025 16:00:00 +0000\r\n"
                           "Message-ID: <nov4@example.edu>\r\n\r\nOur slides: "
                           "https://docs.google.com/presentation/d/nov4/edit\r\n");
    std::filesystem::create_directories(dir / "maildir" / "cur");
    test::set_mtime(file, 1762185600);
    // Replies to a mail from 2025 are not too old for this test's clock.
    write_term("100000h");
  }

  // term.toml: replies go to outbox/, none about a deadline older than `max_reply_age`.
  void write_term(const std::string& max_reply_age) const {
    write_maildir_term("[outbox]\nurl = \"dir:outbox\"\nfrom = \"staff@example.edu\"\n"
                       "[replies]\nmax_reply_age = \"" +
                       max_reply_age + "\"\n");
  }

  void slides_due(const std::string& due) const {
    auto course = test::k_course_toml;
    const std::string was = "due = \"class_start - 24h\"";
    course.replace(course.find(was), was.size(), "due = \"" + due + "\"");
    test::write_file(rules / "course.toml", course);
  }

  [[nodiscard]] test::Ran mailroom(const std::string& command) const {
    return test::mailroom(command + config());
  }

  // The Message-IDs of the replies of mail 1 (one per reply, whatever its recipients).
  [[nodiscard]] std::map<std::string, std::string> replies() const {
    std::map<std::string, std::string> kinds;
    auto rows = open().replies();
    EXPECT_TRUE(rows);
    for (const auto& row : rows.value_or(std::vector<pipeline::ReplyRow>{}))
      if (row.mail_id == 1 && row.state != "suppressed")
        kinds[row.message_id] = row.kind;
    return kinds;
  }
};

} // namespace

TEST(ReprocessNotify, AChangedDecisionGetsOneReplyAndTheSameDecisionNeverTwo) {
  LateSlides desk;
  const auto ran = desk.mailroom("run --once");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto first = desk.replies();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first.begin()->second, "late-notice");

  // Staff move the slides deadline to class start - 12 h: the mail is on time now.
  desk.slides_due("class_start - 12h");
  const auto notified = desk.mailroom("reprocess --notify --reason 'deadline was wrong'");
  ASSERT_EQ(notified.exit_code, 0) << notified.err;
  EXPECT_NE(notified.out.find("1 decision(s) changed; 1 reply(ies) queued"), std::string::npos)
      << notified.out;
  auto after = desk.replies();
  ASSERT_EQ(after.size(), 2u) << "the late notice stays, a receipt is added";
  std::string receipt;
  for (const auto& [message_id, kind] : after)
    if (!first.contains(message_id))
      receipt = kind;
  EXPECT_EQ(receipt, "receipt");
  // The daemon sends it on its next poll.
  const auto sent = desk.mailroom("run --once");
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  auto rows = desk.open().replies("queued");
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty());

  // Again: nothing changed, nothing queued.
  const auto again = desk.mailroom("reprocess --notify");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 decision(s) changed; 0 reply(ies) queued"), std::string::npos)
      << again.out;
  EXPECT_EQ(desk.replies().size(), 2u);

  // Back to the first deadline: the first decision again, which had its late notice.
  desk.slides_due("class_start - 24h");
  const auto back = desk.mailroom("reprocess --notify");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.out.find("1 decision(s) changed; 0 reply(ies) queued"), std::string::npos)
      << back.out;
  EXPECT_EQ(desk.replies().size(), 2u);
  auto history = desk.open().decisions(1);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 3u) << "recorded, on time, late again";
}

TEST(ReprocessNotify, WithoutNotifyNothingIsQueued) {
  LateSlides desk;
  ASSERT_EQ(desk.mailroom("run --once").exit_code, 0);
  desk.slides_due("class_start - 12h");
  const auto ran = desk.mailroom("reprocess");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("1 decision(s) changed; nothing was sent"), std::string::npos) << ran.out;
  EXPECT_EQ(desk.replies().size(), 1u);
  auto mails = desk.open().mails();
  ASSERT_TRUE(mails && mails->size() == 1u);
  EXPECT_EQ(mails->front().verdict, "on-time");
}

TEST(ReprocessNotify, NotifyNeedsTheConfig) {
  LateSlides desk;
  ASSERT_EQ(desk.mailroom("run --once").exit_code, 0);
  const auto ran = test::mailroom("reprocess --notify " + desk.args());
  EXPECT_NE(ran.exit_code, 0);
  EXPECT_NE(ran.err.find("give --config FILE"), std::string::npos) << ran.err;
}

TEST(ReprocessNotify, ADeadlineOlderThanMaxReplyAgeGetsNoNewsUnlessAnyAge) {
  LateSlides desk;
  ASSERT_EQ(desk.mailroom("run --once").exit_code, 0);
  ASSERT_EQ(desk.replies().size(), 1u);
  // The term is over: the Nov 2025 deadline is older than a 30-day max_reply_age.
  desk.write_term("720h"); // 30 days
  desk.slides_due("class_start - 12h");

  const auto dry = desk.mailroom("reprocess --notify --any-age --dry-run");
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would queue a receipt to grace@example.edu"), std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("1 decision(s) would change; 1 reply(ies) would be queued; nothing "
                         "was written"),
            std::string::npos)
      << dry.out;
  auto history = desk.open().decisions(1);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 1u) << "a dry run writes no decision";
  EXPECT_EQ(desk.replies().size(), 1u);

  const auto old = desk.mailroom("reprocess --notify");
  ASSERT_EQ(old.exit_code, 0) << old.err;
  EXPECT_NE(old.out.find("no reply: its deadline is older than max_reply_age"), std::string::npos)
      << old.out;
  EXPECT_NE(old.out.find("1 decision(s) changed; 0 reply(ies) queued"), std::string::npos)
      << old.out;
  EXPECT_EQ(desk.replies().size(), 1u) << "no news of a term long past";
}

TEST(ReprocessNotify, AnyAgeWritesAboutAnOldDeadline) {
  LateSlides desk;
  ASSERT_EQ(desk.mailroom("run --once").exit_code, 0);
  desk.write_term("720h"); // 30 days
  desk.slides_due("class_start - 12h");
  const auto ran = desk.mailroom("reprocess --notify --any-age");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("1 decision(s) changed; 1 reply(ies) queued"), std::string::npos)
      << ran.out;
  EXPECT_EQ(desk.replies().size(), 2u);
}
