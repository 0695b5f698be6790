// The README's first hour ("The first hour on a Debian mail server") over a real MTA: a
// private Postfix on 127.0.0.1 (tests/support/postfix.sh) in front of the test Dovecot,
// delivering over LMTP and bouncing for real, as Debian's packages do on a mail server.
// The desk is one address ([outbox] from; the course file carries none), the site
// stamps no Authentication-Results (authentication = "none"), both servers are reached
// over STARTTLS with the certificate verified. Then: the first `check`, a student's mail
// through Postfix, `run --once` over IMAP, the receipt back through Postfix into the
// student's mailbox, and a reply to a roster address that does not exist, whose bounce
// mailroom reads back and stores with the whole reason. Needs root (Postfix's master);
// otherwise the fixture says why and the test skips.
#include "integration/imap_support.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/fixture_servers.hpp"
#include "support/mail_text.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

using test::k_dovecot;
const fs::path k_postfix = test::env_or("MAILROOM_POSTFIX_DIR", MAILROOM_POSTFIX_DIR);
const int k_postfix_port = std::stoi(
    test::env_or("MAILROOM_TEST_POSTFIX_PORT", std::to_string(MAILROOM_TEST_POSTFIX_PORT)));

// On the roster, unknown to the mail server: a student who left.
const std::string k_gone = "a.student.who.left.the.course.this.term@example.edu";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Postfix's log from byte `from` on.
std::string log_since(std::size_t from) {
  const auto log = slurp(k_postfix / "postfix.log");
  return from < log.size() ? log.substr(from) : "";
}

int count_matches(const std::string& text, const std::regex& pattern) {
  return static_cast<int>(std::distance(std::sregex_iterator(text.begin(), text.end(), pattern),
                                        std::sregex_iterator()));
}

// Waits, at most 30 s, until Postfix's log since `from` holds `want` lines matching
// `pattern` (delivery is asynchronous after Postfix's 250); returns that log.
std::string wait_for_log(std::size_t from, const std::string& pattern, int want) {
  const std::regex re(pattern);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  std::string log;
  while (std::chrono::steady_clock::now() < give_up) {
    log = log_since(from);
    if (count_matches(log, re) >= want)
      return log;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  ADD_FAILURE() << "no " << want << " lines matching " << pattern << " in Postfix's log:\n" << log;
  return log;
}

// A course term as the README sets one up on this mail server.
struct PostfixDesk {
  test::TempDir dir;
  PostfixDesk() {
    auto course = test::course_toml_due_in_2030();
    // One address: the desk is [outbox] from; the course file names none.
    course.erase(course.find("staff_address = "),
                 std::string("staff_address = \"staff@example.edu\"\n").size());
    test::write_demo_rules(dir / "rules", course,
                           "group,name,uniqname,email\n1,Stu Dent,student,student@example.edu\n"
                           "2,Left Early,left," +
                               k_gone + "\n");
    test::write_secret(dir / "imap-password", "secret\n");
    test::write_file(
        dir / "term.toml",
        fmt::format("rules = \"rules\"\nstate_dir = \"state\"\n\n"
                    "[mailbox]\nurl = \"imap://127.0.0.1:{}/INBOX\"\nuser = \"desk\"\n"
                    "password_file = \"imap-password\"\nca_file = \"{}\"\n\n"
                    "[outbox]\nurl = \"smtp://127.0.0.1:{}\"\nfrom = \"desk@example.edu\"\n"
                    "ca_file = \"{}\"\n\n"
                    "[trust]\nauthentication = \"none\"\n",
                    k_dovecot.imap_port, k_dovecot.ca_file().string(), k_postfix_port,
                    k_dovecot.ca_file().string()));
  }
  [[nodiscard]] std::string config() const {
    return " --config " + test::quoted(dir / "term.toml");
  }
  [[nodiscard]] test::Ran mailroom(const std::string& command) const {
    return test::mailroom(command + config());
  }
  // A mail from `from` to the desk, handed to Postfix as an outside MX gets it (no AUTH);
  // returns its Message-ID.
  std::string send(const std::string& from, const std::string& subject,
                   const std::string& body) const {
    const auto id = "<" + test::unique("first-hour") + "@example.edu>";
    const auto file = dir / (test::unique("mail") + ".eml");
    test::write_file(
        file,
        fmt::format("From: {}\r\nTo: desk@example.edu\r\nSubject: {}\r\n"
                    "Date: {}\r\nMessage-ID: {}\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
                    from, subject,
                    test::format_utc(std::time(nullptr), "%a, %d %b %Y %H:%M:%S +0000"), id, body));
    const auto address = from.substr(from.find('<') + 1, from.find('>') - from.find('<') - 1);
    const auto sent =
        test::mail_client("send", k_postfix_port, "-",
                          "--no-auth --mail-from " + address + " --rcpt desk@example.edu --file " +
                              test::quoted(file));
    EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
    return id;
  }
};

} // namespace

TEST(PostfixFirstHour, MailThroughPostfixIsRecordedAnsweredAndItsBounceReadWhole) {
  if (!fs::exists(k_postfix / "ready"))
    GTEST_SKIP() << "the test Postfix is not running: "
                 << (fs::exists(k_postfix / "skipped") ? slurp(k_postfix / "skipped")
                                                       : "postfix_start did not run");
  ASSERT_EQ(test::mail_client("clear", k_dovecot.imaps_port, "desk", "").exit_code, 0);
  PostfixDesk desk;

  // The first check: both servers over STARTTLS, verified; one warning for the trust line.
  const auto check = desk.mailroom("check");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const auto both = check.out + check.err;
  EXPECT_EQ(count_matches(both, std::regex("warning")), 1) << both;
  EXPECT_NE(both.find("everything checked is ok"), std::string::npos) << both;

  // The first mails: the student's, and one from the roster address that does not exist.
  auto offset = slurp(k_postfix / "postfix.log").size();
  const auto proposal = desk.send("Stu Dent <student@example.edu>", "Proposal for group 1",
                                  "Our proposal: https://docs.google.com/document/d/abc123/edit");
  desk.send("Left Early <" + k_gone + ">", "Proposal for group 2",
            "Our proposal: https://docs.google.com/document/d/def456/edit");
  wait_for_log(offset, R"(lmtp\[\d+\]: \w+: to=<desk@example\.edu>.*status=sent)", 2);

  offset = slurp(k_postfix / "postfix.log").size();
  const auto first = desk.mailroom("run --once");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  // The receipts go out through Postfix: one delivered over LMTP, one bounced by Dovecot,
  // and Postfix's bounce delivered to the desk.
  const auto log =
      wait_for_log(offset, R"(lmtp\[\d+\]: \w+: to=<desk@example\.edu>.*status=sent)", 1);
  EXPECT_EQ(count_matches(log, std::regex(R"(to=<student@example\.edu>.*status=sent)")), 1) << log;
  EXPECT_EQ(count_matches(log, std::regex("to=<" +
                                          std::regex_replace(k_gone, std::regex(R"(\.)"), R"(\.)") +
                                          ">.*dsn=5\\.1\\.1, status=bounced")),
            1)
      << log;
  // The envelope sender of every reply is the desk (Postfix's qmgr logs it).
  EXPECT_EQ(count_matches(log, std::regex(R"(qmgr\[\d+\]: \w+: from=<desk@example\.edu>)")), 2)
      << log;
  EXPECT_EQ(log.find("mailroom.invalid"), std::string::npos) << log;

  // The receipt in the student's own mailbox, from the desk, Reply-To the desk.
  const auto fetched = test::mail_client("fetch", k_dovecot.imaps_port, "student",
                                         "--in-reply-to " + test::quoted(proposal) + " --out " +
                                             test::quoted(desk.dir / "receipt"));
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  std::istringstream lines(fetched.out);
  std::string uid, file, flags;
  ASSERT_TRUE(lines >> uid >> file >> flags) << fetched.out;
  const auto receipt = slurp(file);
  EXPECT_EQ(test::header(receipt, "Return-Path"), "<desk@example.edu>") << receipt;
  EXPECT_NE(test::header(receipt, "From").find("desk@example.edu"), std::string::npos) << receipt;
  EXPECT_EQ(test::header(receipt, "Reply-To"), "desk@example.edu") << receipt;
  EXPECT_NE(test::header(receipt, "Subject").find("Receipt: proposal, Group 1"), std::string::npos)
      << receipt;
  // Its Message-ID is under the desk's domain (mailroom.<course>.example.edu).
  EXPECT_TRUE(test::header(receipt, "Message-ID").ends_with(".example.edu>")) << receipt;
  // Postfix's Received field: over STARTTLS, greeted with a real name.
  EXPECT_NE(receipt.find("with ESMTPS"), std::string::npos) << receipt;
  EXPECT_EQ(receipt.find(".invalid"), std::string::npos) << receipt;

  // The first bounce: read back from the desk's mailbox, stored with the whole reason,
  // though Postfix folds its Diagnostic-Code over three lines.
  const auto second = desk.mailroom("run --once");
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  const auto bounced = desk.mailroom("ledger --status reply-bounced");
  EXPECT_EQ(bounced.exit_code, 0) << bounced.err;
  EXPECT_NE(bounced.out.find("status 5.1.1; smtp; 550 5.1.1 <" + k_gone +
                             "> User doesn't exist: " + k_gone),
            std::string::npos)
      << bounced.out;
  EXPECT_EQ(bounced.out.find("student@example.edu"), std::string::npos) << bounced.out;
  const auto review = desk.mailroom("review");
  EXPECT_NE(review.out.find("User doesn't exist: " + k_gone), std::string::npos) << review.out;
  EXPECT_NE(review.out.find("fix the address in roster.csv"), std::string::npos) << review.out;
  // The report itself waits in review as mail from a sender not on the roster, as the
  // README's first hour says (step 7): change both if it is ever kept off the queue.
  EXPECT_NE(review.out.find("unknown-sender: Mail Delivery System <MAILER-DAEMON@example.edu>"),
            std::string::npos)
      << review.out;

  // The student's proposal counts, on time; nothing was lost.
  const auto ledger = desk.mailroom("ledger --json --group 1 --deliverable proposal");
  EXPECT_NE(ledger.out.find("\"status\":\"on-time\""), std::string::npos) << ledger.out;
  const auto reconcile = desk.mailroom("reconcile");
  EXPECT_EQ(reconcile.exit_code, 0) << reconcile.out << reconcile.err;
}
