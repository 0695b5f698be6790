// Replies end to end: a student's mail in the staff Maildir, `mailroom run --once`, and
// the receipt through a real SMTP server (tests/support/smtp_sink.py, aiosmtpd over
// STARTTLS with AUTH) that delivers into the test Dovecot with dovecot-lda and keeps a
// spool copy with the envelope. Every reply is parsed by Python's email package under
// policy.strict.
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <thread>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

const fs::path k_dovecot = env_or("MAILROOM_DOVECOT_DIR", MAILROOM_DOVECOT_DIR);
const fs::path k_smtp_dir = env_or("MAILROOM_SMTP_DIR", MAILROOM_SMTP_DIR);
const int k_smtp_port =
    std::stoi(env_or("MAILROOM_TEST_SMTP_PORT", std::to_string(MAILROOM_TEST_SMTP_PORT)));

// Group 1 is the student (a Dovecot user) and Alan (spool only); the proposal is due
// in 2030, so a mail today is on time and young enough to answer.
const std::string k_roster = "group,name,uniqname,email\n"
                             "1,Stu Dent,student,student@example.edu\n"
                             "1,Alan Turing,alan,alan@example.edu\n"
                             "2,Grace Hopper,grace,grace@example.edu\n";

std::string unique(const std::string& what) {
  return fmt::format("{}-{}", what, std::chrono::system_clock::now().time_since_epoch().count());
}

struct Spooled {
  std::string file;
  std::string message;
  std::vector<std::string> rcpt_tos;
};

// Every message the sink in `dir` accepted that answers one of `ids` (In-Reply-To).
std::vector<Spooled> replies_to(const fs::path& dir, const std::set<std::string>& ids) {
  std::vector<Spooled> out;
  std::error_code ignored;
  if (!fs::is_directory(dir / "spool", ignored))
    return out;
  for (const auto& entry : fs::directory_iterator(dir / "spool")) {
    if (entry.path().extension() != ".eml" || entry.path().filename().string().starts_with("."))
      continue;
    const auto message = test::read_text(entry.path());
    std::smatch match;
    if (!std::regex_search(message, match, std::regex("In-Reply-To: (<[^>]+>)")) ||
        !ids.contains(match[1].str()))
      continue;
    auto json_path = entry.path();
    json_path.replace_extension(".json");
    const auto json = test::read_text(json_path);
    Spooled spooled{entry.path().string(), message, {}};
    std::smatch rcpts;
    if (std::regex_search(json, rcpts, std::regex("\"rcpt_tos\": \\[([^\\]]*)\\]"))) {
      const std::string list = rcpts[1].str();
      const std::regex quoted_address("\"([^\"]+)\"");
      for (std::sregex_iterator it(list.begin(), list.end(), quoted_address), end; it != end; ++it)
        spooled.rcpt_tos.push_back((*it)[1].str());
    }
    out.push_back(std::move(spooled));
  }
  return out;
}

std::map<std::string, int> per_recipient(const std::vector<Spooled>& replies) {
  std::map<std::string, int> counts;
  for (const auto& reply : replies)
    for (const auto& rcpt : reply.rcpt_tos)
      ++counts[rcpt];
  return counts;
}

// Python's email package with policy.strict: prints "ok" when every header and the
// body parse without a defect.
std::string strict_parse(const std::string& file) {
  const auto ran = test::run_shell(
      "/usr/bin/python3 -c '"
      "import email, email.policy, sys\n"
      "m = email.message_from_bytes(open(sys.argv[1], \"rb\").read(), policy=email.policy.strict)\n"
      "d = list(m.defects)\n"
      "for k, v in m.items(): d += list(getattr(v, \"defects\", []))\n"
      "body = m.get_content()\n"
      "print(\"ok\" if not d and body else d)' " +
      test::quoted(file));
  return ran.out + ran.err;
}

// A course term on a Maildir of its own, replying through the SMTP server on `port`.
struct Term {
  test::TempDir dir;
  explicit Term(int port, const std::string& replies = "") {
    auto course = test::k_course_toml;
    course.replace(course.find("due = \"2025-09-18\""), 18, "due = \"2030-09-18\"");
    write(dir / "rules" / "course.toml", course);
    write(dir / "rules" / "roster.csv", k_roster);
    write(dir / "rules" / "assignments.csv", test::k_assignments_csv);
    for (const char* sub : {"new", "cur", "tmp"})
      fs::create_directories(dir / "maildir" / sub);
    write(dir / "smtp-password", "secret\n");
    write(dir / "term.toml",
          fmt::format("rules = \"rules\"\nstate_dir = \"state\"\n"
                      "[mailbox]\nurl = \"maildir:maildir\"\n"
                      "[outbox]\nurl = \"smtp://127.0.0.1:{}\"\nfrom = \"staff@example.edu\"\n"
                      "user = \"staff\"\npassword_file = \"smtp-password\"\nca_file = \"{}\"\n"
                      "timeout = \"5s\"\nretry_after = \"1s\"\n{}",
                      port, (k_dovecot / "certs" / "ca.crt").string(), replies));
  }
  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  // A student's proposal in the staff Maildir; returns its Message-ID.
  std::string deliver(const std::string& from = "Stu Dent <student@example.edu>") {
    const auto id = "<" + unique("proposal") + "@example.edu>";
    static int n = 0;
    write(dir / "maildir" / "new" / fmt::format("{}.M{}.test", std::time(nullptr), ++n),
          fmt::format("From: {}\r\nTo: staff@example.edu\r\nSubject: Proposal for group 1\r\n"
                      "Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: {}\r\n"
                      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                      "Our proposal draft: https://docs.google.com/document/d/abc123/edit\r\n",
                      from, id));
    return id;
  }
  // Any mail in the staff Maildir: `headers` (CRLF-terminated lines) and a body; returns
  // its Message-ID.
  std::string deliver_raw(const std::string& headers, const std::string& body) {
    const auto id = "<" + unique("mail") + "@example.edu>";
    static int n = 0;
    write(dir / "maildir" / "new" / fmt::format("{}.R{}.test", std::time(nullptr), ++n),
          headers + "Message-ID: " + id + "\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\n" +
              body);
    return id;
  }
  test::Ran run() const {
    return test::mailroom("run --once --config " + test::quoted(dir / "term.toml"));
  }
  test::Ran ledger(const std::string& status) const {
    return test::mailroom("ledger --json --status " + status + " --config " +
                          test::quoted(dir / "term.toml"));
  }
};

int lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// The sink of one test, on a port of its own, started and stopped by the test.
struct OwnSink {
  test::TempDir dir;
  int port;
  std::string extra;
  OwnSink(int p, std::string args) : port(p), extra(std::move(args)) {}
  ~OwnSink() { stop(); }
  void start() const {
    const auto ran = test::run_shell(
        fmt::format("SMTP_PORT={} '{}/tests/support/smtp.sh' start {} {} {}", port,
                    MAILROOM_SOURCE_DIR, test::quoted(dir.path()), test::quoted(k_dovecot), extra));
    ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  }
  void stop() const {
    (void)test::run_shell(fmt::format("SMTP_PORT={} '{}/tests/support/smtp.sh' stop {}", port,
                                      MAILROOM_SOURCE_DIR, test::quoted(dir.path())));
  }
};

} // namespace

TEST(ReplySmtp, OnTimeProposalGetsOneReceiptPerGroupMemberWithEveryHeader) {
  Term term(k_smtp_port);
  const auto id = term.deliver();
  const auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto replies = replies_to(k_smtp_dir, {id});
  EXPECT_EQ(per_recipient(replies),
            (std::map<std::string, int>{{"alan@example.edu", 1}, {"student@example.edu", 1}}))
      << ran.err;
  ASSERT_EQ(replies.size(), 2u) << ran.err;
  for (const auto& reply : replies) {
    EXPECT_EQ(reply.rcpt_tos.size(), 1u); // one SMTP transaction per recipient (A7)
    for (const std::string& header : std::vector<std::string>{
             "Auto-Submitted: auto-replied", "In-Reply-To: " + id, "References: " + id,
             std::string("Subject: Receipt: proposal"), std::string("To: <student@example.edu>"),
             std::string("CC: <alan@example.edu>"), std::string("X-Mailroom-Loop: "),
             std::string("MIME-Version: 1.0"), std::string("Message-ID: <receipt.")})
      EXPECT_NE(reply.message.find(header), std::string::npos) << header << "\n" << reply.message;
    EXPECT_EQ(strict_parse(reply.file), "ok\n") << reply.message;
  }
  // The same receipt reached the student's own mailbox in Dovecot (dovecot-lda).
  bool delivered = false;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ignored;
    for (const auto& entry :
         fs::directory_iterator(k_dovecot / "mail" / "student" / "Maildir" / sub, ignored))
      if (test::read_text(entry.path()).find("In-Reply-To: " + id) != std::string::npos)
        delivered = true;
  }
  EXPECT_TRUE(delivered);
  // Sent rows are marked: a second run sends nothing.
  ASSERT_EQ(term.run().exit_code, 0);
  EXPECT_EQ(replies_to(k_smtp_dir, {id}).size(), 2u);
  const auto sent = term.ledger("reply-sent");
  EXPECT_EQ(lines(sent.out), 2) << sent.out << sent.err;
}

TEST(ReplySmtp, ServerDownIsRetriedAndARejectedRecipientFailsAlone) {
  OwnSink sink(k_smtp_port + 1, "--reject alan@example.edu");
  Term term(sink.port);
  const auto id = term.deliver();
  // The server is down: the replies stay queued.
  auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.err.find("retrying in 1 s"), std::string::npos) << ran.err;
  EXPECT_EQ(lines(term.ledger("reply-queued").out), 2);
  sink.start();
  std::this_thread::sleep_for(std::chrono::milliseconds{2100});
  ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  // Exactly one receipt for the student; Alan's 550 is a permanent failure of his row only.
  EXPECT_EQ(per_recipient(replies_to(sink.dir.path(), {id})),
            (std::map<std::string, int>{{"student@example.edu", 1}}));
  const auto failed = term.ledger("reply-failed");
  EXPECT_EQ(lines(failed.out), 1) << failed.out;
  EXPECT_NE(failed.out.find("alan@example.edu"), std::string::npos) << failed.out;
  EXPECT_NE(failed.out.find("550"), std::string::npos) << failed.out;
  // Later runs never resend to the student, nor retry Alan.
  std::this_thread::sleep_for(std::chrono::milliseconds{2100});
  ASSERT_EQ(term.run().exit_code, 0);
  EXPECT_EQ(per_recipient(replies_to(sink.dir.path(), {id})),
            (std::map<std::string, int>{{"student@example.edu", 1}}));
}

TEST(ReplySmtp, ElevenMailsFromOneStudentInADayGetTenReplies) {
  Term term(k_smtp_port, "[replies]\nrecipients = \"sender\"\n");
  std::set<std::string> ids;
  for (int i = 0; i < 6; ++i)
    ids.insert(term.deliver());
  ASSERT_EQ(term.run().exit_code, 0);
  for (int i = 0; i < 5; ++i) // after a restart
    ids.insert(term.deliver());
  const auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto replies = replies_to(k_smtp_dir, ids);
  EXPECT_EQ(per_recipient(replies), (std::map<std::string, int>{{"student@example.edu", 10}}));
  const auto suppressed = term.ledger("reply-suppressed");
  EXPECT_EQ(lines(suppressed.out), 1) << suppressed.out;
  EXPECT_NE(suppressed.out.find("rate limit"), std::string::npos) << suppressed.out;
  for (const auto& reply : replies)
    EXPECT_EQ(strict_parse(reply.file), "ok\n") << reply.message;
}

TEST(ReplySmtp, OutOfOfficeListMailAndStrangersGetNothingALateSummaryGetsALateNotice) {
  Term term(k_smtp_port);
  std::set<std::string> silent{
      term.deliver_raw("From: Stu Dent <student@example.edu>\r\nTo: staff@example.edu\r\n"
                       "Subject: Automatic reply: Proposal\r\nAuto-Submitted: auto-replied\r\n",
                       "I am out of the office.\r\n"),
      term.deliver_raw("From: Stu Dent <student@example.edu>\r\nTo: class@example.edu\r\n"
                       "Subject: Proposal for group 1\r\nList-Id: <class.example.edu>\r\n",
                       "Our proposal: https://docs.google.com/document/d/abc/edit\r\n"),
      term.deliver_raw("From: Mallory <mallory@evil.example>\r\nTo: staff@example.edu\r\n"
                       "Subject: Proposal for group 1\r\nReply-To: student@example.edu\r\n",
                       "Our proposal: https://docs.google.com/document/d/abc/edit\r\n")};
  const auto late =
      term.deliver_raw("From: Grace Hopper <grace@example.edu>\r\nTo: staff@example.edu\r\n"
                       "Subject: Summary for Oct 7\r\n",
                       "Our summary: https://docs.google.com/document/d/xyz/edit\r\n");
  const auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_TRUE(replies_to(k_smtp_dir, silent).empty()) << ran.err;
  const auto notices = replies_to(k_smtp_dir, {late});
  ASSERT_EQ(notices.size(), 1u) << ran.err;
  EXPECT_EQ(notices[0].rcpt_tos, std::vector<std::string>{"grace@example.edu"});
  EXPECT_NE(notices[0].message.find("Subject: Late: summary for Tue Oct 7 (Group 2)"),
            std::string::npos)
      << notices[0].message;
  EXPECT_NE(notices[0].message.find("It is not counted"), std::string::npos) << notices[0].message;
  EXPECT_EQ(strict_parse(notices[0].file), "ok\n") << notices[0].message;
}
