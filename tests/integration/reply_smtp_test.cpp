// Replies end to end: a student's mail in the staff Maildir, `mailroom run --once`, and
// the receipt through a real SMTP server (tests/support/smtp_sink.py, aiosmtpd over
// STARTTLS with AUTH) that delivers into the test Dovecot with dovecot-lda and keeps a
// spool copy with the envelope. Every reply is parsed by Python's email package under
// policy.strict.
#include "integration/imap_support.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/fixture_servers.hpp"
#include "support/mail_text.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

using test::exit_status;
using test::file_contains;
using test::header;
using test::mail_client;
using test::rfc5322_now;
using test::start_mailroom;
using test::unique;
using test::wait_until;

using test::k_dovecot;
using test::k_sink;

// Group 1 is the student (a Dovecot user) and Alan (spool only); the proposal is due
// in 2030, so a mail today is on time and young enough to answer.
const std::string k_smtp_roster = "group,name,uniqname,email\n"
                                  "1,Stu Dent,student,student@example.edu\n"
                                  "1,Alan Turing,alan,alan@example.edu\n"
                                  "2,Grace Hopper,grace,grace@example.edu\n";

// One receipt to each member of group 1, by recipient.
const std::map<std::string, int> k_one_receipt_each{{"alan@example.edu", 1},
                                                    {"student@example.edu", 1}};

struct SpooledReply {
  std::string file;
  std::string message;
  std::vector<std::string> rcpt_tos;
};

// Every message the sink in `dir` accepted that answers one of `ids` (In-Reply-To).
std::vector<SpooledReply> replies_to(const fs::path& dir, const std::set<std::string>& ids) {
  std::vector<SpooledReply> out;
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
    SpooledReply spooled{entry.path().string(), message, {}};
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

std::map<std::string, int> per_recipient(const std::vector<SpooledReply>& replies) {
  std::map<std::string, int> counts;
  for (const auto& reply : replies)
    for (const auto& rcpt : reply.rcpt_tos)
      ++counts[rcpt];
  return counts;
}

struct Fetched {
  std::string file;
  std::string message;
  std::string flags;
};

// The messages in `user`'s INBOX that answer `id`, read over IMAPS as that user with
// BODY.PEEK[] into `out` (tests/support/mail_client.py).
std::vector<Fetched> fetch_over_imap(const std::string& user, const std::string& id,
                                     const fs::path& out) {
  const auto ran = mail_client("fetch", k_dovecot.imaps_port, user,
                               "--in-reply-to " + test::quoted(id) + " --out " + test::quoted(out));
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  std::vector<Fetched> fetched;
  std::istringstream lines(ran.out);
  for (std::string uid, file, flags; lines >> uid >> file >> flags;)
    fetched.push_back({file, test::read_text(file), flags});
  return fetched;
}

// Every header a reply must carry to `id` from the student, with the group in Cc.
void expect_reply_headers(const std::string& message, const std::string& id,
                          const std::string& subject_start) {
  SCOPED_TRACE(message);
  EXPECT_EQ(header(message, "From"), "staff@example.edu");
  EXPECT_EQ(header(message, "To"), "<student@example.edu>");
  EXPECT_EQ(header(message, "Cc"), "<alan@example.edu>");
  EXPECT_EQ(header(message, "Reply-To"), "staff@example.edu");
  EXPECT_TRUE(header(message, "Subject").starts_with(subject_start)) << header(message, "Subject");
  EXPECT_EQ(header(message, "In-Reply-To"), id);
  EXPECT_EQ(header(message, "References"), id);
  EXPECT_EQ(header(message, "Auto-Submitted"), "auto-replied");
  EXPECT_TRUE(std::regex_match(header(message, "Message-ID"),
                               std::regex("<[^@>]+@mailroom\\.demo-f25\\.example\\.edu>")))
      << header(message, "Message-ID");
  EXPECT_TRUE(std::regex_match(header(message, "Date"),
                               std::regex("[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} "
                                          "\\d\\d:\\d\\d:\\d\\d (GMT|[+-]\\d{4})")))
      << header(message, "Date");
  EXPECT_EQ(header(message, "MIME-Version"), "1.0");
  // A text part and an HTML alternative, each quoted-printable.
  EXPECT_TRUE(header(message, "Content-Type").starts_with("multipart/alternative; boundary="))
      << header(message, "Content-Type");
  EXPECT_NE(message.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
  EXPECT_NE(message.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
  EXPECT_NE(message.find("Content-Transfer-Encoding: quoted-printable"), std::string::npos);
}

// Python's email package with policy.strict: prints "ok" when every header and both
// parts (the text and its HTML alternative) parse without a defect.
std::string strict_parse(const std::string& file) {
  const auto ran = test::run_shell(
      "/usr/bin/python3 -c '"
      "import email, email.policy, sys\n"
      "m = email.message_from_bytes(open(sys.argv[1], \"rb\").read(), policy=email.policy.strict)\n"
      "d = list(m.defects)\n"
      "for k, v in m.items(): d += list(getattr(v, \"defects\", []))\n"
      "for part in m.walk(): d += list(part.defects)\n"
      "body = m.get_body((\"plain\",)).get_content()\n"
      "html = m.get_body((\"html\",)).get_content()\n"
      "print(\"ok\" if not d and body and html else d)' " +
      test::quoted(file));
  return ran.out + ran.err;
}

// A course term on a Maildir of its own (or the [mailbox] keys in `mailbox`), replying
// through the SMTP server on `port` (or the [outbox] url `outbox_url`, trusting `ca`).
struct SmtpTerm {
  test::TempDir dir;
  explicit SmtpTerm(int port, const std::string& replies = "",
                    const std::string& mailbox = "url = \"maildir:maildir\"\n",
                    const std::string& outbox_url = "", const fs::path& ca = k_dovecot.ca_file()) {
    test::write_demo_rules(dir / "rules", test::course_toml_due_in_2030(), k_smtp_roster);
    test::make_maildir(dir / "maildir");
    test::write_secret(dir / "smtp-password", "secret\n");
    test::write_file(
        dir / "term.toml",
        fmt::format("rules = \"rules\"\nstate_dir = \"state\"\n"
                    "[mailbox]\n{}"
                    "[outbox]\nurl = \"{}\"\nfrom = \"staff@example.edu\"\n"
                    "user = \"staff\"\npassword_file = \"smtp-password\"\nca_file = \"{}\"\n"
                    "timeout = \"5s\"\nretry_after = \"1s\"\n{}{}",
                    mailbox,
                    outbox_url.empty() ? fmt::format("smtp://127.0.0.1:{}", port) : outbox_url,
                    ca.string(), replies,
                    // deliver()'s mails are authenticated by this MX, so the group is in Cc.
                    replies.find("[trust]") == std::string::npos
                        ? "[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n"
                        : ""));
  }
  // A student's proposal in the staff Maildir; returns its Message-ID.
  std::string deliver(const std::string& from = "Stu Dent <student@example.edu>") {
    const auto id = "<" + unique("proposal") + "@example.edu>";
    static int n = 0;
    test::write_file(
        dir / "maildir" / "new" / fmt::format("{}.M{}.test", std::time(nullptr), ++n),
        fmt::format("Authentication-Results: mx.example.edu; dkim=pass header.d=example.edu\r\n"
                    "From: {}\r\nTo: staff@example.edu\r\nSubject: Proposal for group 1\r\n"
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
    test::write_file(dir / "maildir" / "new" / fmt::format("{}.R{}.test", std::time(nullptr), ++n),
                     headers + "Message-ID: " + id +
                         "\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\n" + body);
    return id;
  }
  test::Ran run() const {
    return test::mailroom("run --once --config " + test::quoted(dir / "term.toml"));
  }
  test::Ran ledger(const std::string& status) const {
    return test::mailroom("ledger --json --status " + status + " --config " +
                          test::quoted(dir / "term.toml"));
  }
  // As if `by` had passed for the outbox: every reply's next try, which the ledger keeps
  // and `run --once` compares with the system clock, moves that much earlier. No waiting
  // out the backoff in real time.
  void elapse(std::chrono::seconds by) const {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session session("SQLite", (dir / "state" / "ledger.db").string());
    session << fmt::format("UPDATE replies SET next_attempt_at = "
                           "strftime('%Y-%m-%dT%H:%M:%SZ', next_attempt_at, '-{} seconds')",
                           by.count()),
        Poco::Data::Keywords::now;
  }
};

// The sink of one test, on a port of its own, started and stopped by the test.
struct OwnSink {
  test::TempDir dir;
  int port;
  std::string extra;
  OwnSink(int p, std::string args) : port(p), extra(std::move(args)) {}
  ~OwnSink() { stop(); }
  void start() const {
    const auto ran = test::run_shell(fmt::format(
        "SMTP_PORT={} '{}/tests/support/smtp.sh' start {} {} {}", port, MAILROOM_SOURCE_DIR,
        test::quoted(dir.path()), test::quoted(k_dovecot.dir), extra));
    ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  }
  void stop() const {
    (void)test::run_shell(fmt::format("SMTP_PORT={} '{}/tests/support/smtp.sh' stop {}", port,
                                      MAILROOM_SOURCE_DIR, test::quoted(dir.path())));
  }
};

// A test SMTP server of the test's own that misbehaves as `fault` says (smtp_sink.py), a
// term that replies to the sender only, one proposal delivered and one `run --once`.
struct FirstPass {
  OwnSink sink;
  SmtpTerm term;
  std::string id;
  test::Ran ran;
  explicit FirstPass(const std::string& fault)
      : sink(k_sink.port + 1, fault), term(sink.port, "[replies]\nrecipients = \"sender\"\n") {
    sink.start();
    id = term.deliver();
    ran = term.run();
  }
};

} // namespace

TEST(ReplySmtp, OnTimeProposalGetsOneReceiptPerGroupMemberWithEveryHeader) {
  SmtpTerm term(k_sink.port);
  const auto id = term.deliver();
  const auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto replies = replies_to(k_sink.dir, {id});
  EXPECT_EQ(per_recipient(replies), k_one_receipt_each) << ran.err;
  ASSERT_EQ(replies.size(), 2u) << ran.err;
  for (const auto& reply : replies) {
    EXPECT_EQ(reply.rcpt_tos.size(), 1u); // one SMTP transaction per recipient (A7)
    for (const std::string& header : std::vector<std::string>{
             "Auto-Submitted: auto-replied", "In-Reply-To: " + id, "References: " + id,
             std::string("Subject: Receipt: proposal, Group 1 (DEMO 101, Fall 2025)"),
             std::string("To: <student@example.edu>"), std::string("CC: <alan@example.edu>"),
             std::string("X-Mailroom-Loop: "), std::string("MIME-Version: 1.0"),
             std::string("Message-ID: <receipt.")})
      EXPECT_NE(reply.message.find(header), std::string::npos) << header << "\n" << reply.message;
    EXPECT_EQ(strict_parse(reply.file), "ok\n") << reply.message;
  }
  // The same receipt reached the student's own mailbox: read it there over IMAPS as the
  // student, with BODY.PEEK[] (it stays unseen).
  const auto inbox = fetch_over_imap("student", id, term.dir / "fetched");
  ASSERT_EQ(inbox.size(), 1u);
  expect_reply_headers(inbox[0].message, id, "Receipt: proposal, Group 1 (DEMO 101, Fall 2025)");
  EXPECT_EQ(inbox[0].flags.find("\\Seen"), std::string::npos) << inbox[0].flags;
  EXPECT_EQ(strict_parse(inbox[0].file), "ok\n") << inbox[0].message;
  // Sent rows are marked: a second run sends nothing.
  ASSERT_EQ(term.run().exit_code, 0);
  EXPECT_EQ(replies_to(k_sink.dir, {id}).size(), 2u);
  const auto sent = term.ledger("reply-sent");
  EXPECT_EQ(test::line_count(sent.out), 2) << sent.out << sent.err;
}

TEST(ReplySmtp, ServerDownIsRetriedAndARejectedRecipientFailsAlone) {
  OwnSink sink(k_sink.port + 1, "--reject alan@example.edu");
  SmtpTerm term(sink.port);
  const auto id = term.deliver();
  // The server is down: the replies stay queued.
  auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.err.find("retrying in 1 s"), std::string::npos) << ran.err;
  EXPECT_EQ(test::line_count(term.ledger("reply-queued").out), 2);
  sink.start();
  term.elapse(std::chrono::hours{1});
  ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  // Exactly one receipt for the student; Alan's 550 is a permanent failure of his row only.
  EXPECT_EQ(per_recipient(replies_to(sink.dir.path(), {id})),
            (std::map<std::string, int>{{"student@example.edu", 1}}));
  const auto failed = term.ledger("reply-failed");
  EXPECT_EQ(test::line_count(failed.out), 1) << failed.out;
  EXPECT_NE(failed.out.find("alan@example.edu"), std::string::npos) << failed.out;
  EXPECT_NE(failed.out.find("550"), std::string::npos) << failed.out;
  // Later runs never resend to the student, nor retry Alan.
  term.elapse(std::chrono::hours{1});
  ASSERT_EQ(term.run().exit_code, 0);
  EXPECT_EQ(per_recipient(replies_to(sink.dir.path(), {id})),
            (std::map<std::string, int>{{"student@example.edu", 1}}));
}

TEST(ReplySmtp, ElevenMailsFromOneStudentInADayGetTenReplies) {
  SmtpTerm term(k_sink.port, "[replies]\nrecipients = \"sender\"\n");
  std::set<std::string> ids;
  for (int i = 0; i < 6; ++i)
    ids.insert(term.deliver());
  ASSERT_EQ(term.run().exit_code, 0);
  for (int i = 0; i < 5; ++i) // after a restart
    ids.insert(term.deliver());
  const auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto replies = replies_to(k_sink.dir, ids);
  EXPECT_EQ(per_recipient(replies), (std::map<std::string, int>{{"student@example.edu", 10}}));
  const auto suppressed = term.ledger("reply-suppressed");
  EXPECT_EQ(test::line_count(suppressed.out), 1) << suppressed.out;
  EXPECT_NE(suppressed.out.find("rate limit"), std::string::npos) << suppressed.out;
  for (const auto& reply : replies)
    EXPECT_EQ(strict_parse(reply.file), "ok\n") << reply.message;
}

TEST(ReplySmtp, OutOfOfficeListMailAndStrangersGetNothingALateSummaryGetsALateNotice) {
  SmtpTerm term(k_sink.port);
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
  EXPECT_TRUE(replies_to(k_sink.dir, silent).empty()) << ran.err;
  const auto notices = replies_to(k_sink.dir, {late});
  ASSERT_EQ(notices.size(), 1u) << ran.err;
  EXPECT_EQ(notices[0].rcpt_tos, std::vector<std::string>{"grace@example.edu"});
  EXPECT_NE(notices[0].message.find(
                "Subject: Late: summary for Tue Oct 7, Group 2 (DEMO 101, Fall 2025)"),
            std::string::npos)
      << notices[0].message;
  EXPECT_NE(notices[0].message.find("It is not counted"), std::string::npos) << notices[0].message;
  EXPECT_EQ(strict_parse(notices[0].file), "ok\n") << notices[0].message;
}

TEST(ReplySmtp, AStudentsMailSentThroughSmtpGetsItsRepliesInItsOwnMailboxOverImap) {
  // The whole way over real servers. The student's two mails go
  // through the SMTP server into the course mailbox (Dovecot user "course"); mailroom
  // polls it over IMAPS; the receipt and the late notice come back through the SMTP
  // server into the student's own mailbox, read there over IMAPS as the student.
  ASSERT_EQ(mail_client("clear", k_dovecot.imaps_port, "course", "").exit_code, 0);
  SmtpTerm term(k_sink.port, "",
                fmt::format("url = \"imaps://127.0.0.1:{}/INBOX\"\nuser = \"course\"\n"
                            "password_file = \"imap-password\"\nca_file = \"{}\"\n",
                            k_dovecot.imaps_port, k_dovecot.ca_file().string()));
  test::write_secret(term.dir / "imap-password", "secret\n");
  const auto send = [&](const std::string& subject, const std::string& body) {
    const auto id = "<" + unique("sent") + "@example.edu>";
    const auto file = term.dir / (unique("mail") + ".eml");
    test::write_file(file, fmt::format("Authentication-Results: mx.example.edu; dkim=pass "
                                       "header.d=example.edu\r\n"
                                       "Received: from laptop.example.edu (laptop [127.0.0.1]) by "
                                       "mx.example.edu with ESMTPSA; {0}\r\n"
                                       "From: Stu Dent <student@example.edu>\r\n"
                                       "To: staff@example.edu\r\nSubject: {1}\r\nDate: {0}\r\n"
                                       "Message-ID: {2}\r\nMIME-Version: 1.0\r\n"
                                       "Content-Type: text/plain; charset=utf-8\r\n\r\n{3}\r\n",
                                       rfc5322_now(), subject, id, body));
    const auto sent = mail_client("send", k_sink.port, "staff",
                                  "--mail-from student@example.edu --rcpt course@example.edu "
                                  "--file " +
                                      test::quoted(file));
    EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
    return id;
  };
  const auto proposal = send("Proposal for group 1",
                             "Our proposal draft: https://docs.google.com/document/d/abc123/edit");
  const auto slides =
      send("Slides for Oct 7", "Our slides: https://docs.google.com/presentation/d/xyz789/edit");
  const auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;

  const auto receipts = fetch_over_imap("student", proposal, term.dir / "receipt");
  ASSERT_EQ(receipts.size(), 1u) << ran.err;
  expect_reply_headers(receipts[0].message, proposal,
                       "Receipt: proposal, Group 1 (DEMO 101, Fall 2025)");
  EXPECT_EQ(strict_parse(receipts[0].file), "ok\n") << receipts[0].message;

  const auto notices = fetch_over_imap("student", slides, term.dir / "late");
  ASSERT_EQ(notices.size(), 1u) << ran.err;
  expect_reply_headers(notices[0].message, slides,
                       "Late: slides for Tue Oct 7, Group 1 (DEMO 101, Fall 2025)");
  EXPECT_EQ(strict_parse(notices[0].file), "ok\n") << notices[0].message;
  EXPECT_EQ(notices[0].flags.find("\\Seen"), std::string::npos) << notices[0].flags;
  // The envelope sender is the staff address (bounce_address's default), as the server
  // recorded it.
  for (const auto& spooled : replies_to(k_sink.dir, {slides})) {
    auto json = spooled.file;
    json.replace(json.size() - 4, 4, ".json");
    EXPECT_NE(test::read_text(json).find("\"mail_from\": \"staff@example.edu\""), std::string::npos)
        << test::read_text(json);
  }
}

TEST(ReplySmtp, RepliesOverTheRecipientCapStayQueuedWithOneWarning) {
  // A6 (c) against the real server: five proposals from the student, each answered to
  // the student with Alan in Cc; a cap of 3 a day per recipient.
  SmtpTerm term(k_sink.port, "[replies]\nmax_per_recipient_per_day = 3\n");
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.insert(term.deliver());
  auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(per_recipient(replies_to(k_sink.dir, ids)),
            (std::map<std::string, int>{{"alan@example.edu", 3}, {"student@example.edu", 3}}))
      << ran.err;
  const std::regex warning("warning outbox: .*max_per_recipient_per_day = 3");
  const auto warnings = [&](const std::string& log) {
    return std::distance(std::sregex_iterator(log.begin(), log.end(), warning),
                         std::sregex_iterator());
  };
  EXPECT_EQ(warnings(ran.err), 1) << ran.err;
  // The rest wait in the outbox for staff: queued, not failed, with why.
  const auto queued = term.ledger("reply-queued");
  EXPECT_EQ(test::line_count(queued.out), 4) << queued.out;
  EXPECT_NE(queued.out.find("held: daily limit of the recipient: 3 replies to"), std::string::npos)
      << queued.out;
  EXPECT_EQ(test::line_count(term.ledger("reply-failed").out), 0);
  // Another run (a restart) sends nothing more and stays quiet.
  ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(per_recipient(replies_to(k_sink.dir, ids)),
            (std::map<std::string, int>{{"alan@example.edu", 3}, {"student@example.edu", 3}}));
  EXPECT_EQ(warnings(ran.err), 0) << ran.err;
}

TEST(ReplySmtp, BounceAddressIsTheEnvelopeSenderAndNullSenderIsAllowed) {
  // docs/reliability-cases.md 9.1, seen by the server: MAIL FROM is [outbox] bounce_address.
  for (const auto& [configured, expected] : std::vector<std::pair<std::string, std::string>>{
           {"bounces@example.edu", "bounces@example.edu"}, {"<>", "<>"}}) {
    SCOPED_TRACE(configured);
    SmtpTerm term(k_sink.port, "bounce_address = \"" + configured +
                                   "\"\n[replies]\n"
                                   "recipients = \"sender\"\n");
    const auto id = term.deliver();
    const auto ran = term.run();
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    const auto replies = replies_to(k_sink.dir, {id});
    ASSERT_EQ(replies.size(), 1u) << ran.err;
    auto json = replies[0].file;
    json.replace(json.size() - 4, 4, ".json");
    EXPECT_NE(test::read_text(json).find("\"mail_from\": \"" + expected + "\""), std::string::npos)
        << test::read_text(json);
    // The From header stays the course address.
    EXPECT_EQ(header(replies[0].message, "From"), "staff@example.edu");
  }
}

TEST(ReplySmtp, ImplicitTlsSendsWithTheCertificateVerified) {
  // smtps:// to a server that speaks TLS from the first byte, its certificate checked
  // against the test CA.
  OwnSink sink(k_sink.port + 2, "--smtps");
  sink.start();
  SmtpTerm term(sink.port, "[replies]\nrecipients = \"sender\"\n", "url = \"maildir:maildir\"\n",
                fmt::format("smtps://127.0.0.1:{}", sink.port));
  const auto id = term.deliver();
  const auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto replies = replies_to(sink.dir.path(), {id});
  ASSERT_EQ(replies.size(), 1u) << ran.err;
  auto json = replies[0].file;
  json.replace(json.size() - 4, 4, ".json");
  EXPECT_NE(test::read_text(json).find("\"tls\": true"), std::string::npos)
      << test::read_text(json);
  EXPECT_NE(test::read_text(json).find("\"auth\": \"staff\""), std::string::npos);
  EXPECT_EQ(test::line_count(term.ledger("reply-sent").out), 1);
}

TEST(ReplySmtp, ImplicitTlsToAnUntrustedCertificateFailsClearlyAndTheReplyStaysQueued) {
  // The server's certificate is not signed by the CA mailroom trusts (a second
  // throwaway CA): nothing is sent, the log and the ledger say why, the row waits.
  OwnSink sink(k_sink.port + 2, "--smtps");
  sink.start();
  test::TempDir other;
  ASSERT_EQ(test::run_shell(fmt::format("'{}/tests/support/mkcerts.sh' {}", MAILROOM_SOURCE_DIR,
                                        test::quoted(other.path())))
                .exit_code,
            0);
  SmtpTerm term(sink.port, "[replies]\nrecipients = \"sender\"\n", "url = \"maildir:maildir\"\n",
                fmt::format("smtps://127.0.0.1:{}", sink.port), other / "ca.crt");
  const auto id = term.deliver();
  const auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_TRUE(replies_to(sink.dir.path(), {id}).empty());
  const std::string why = fmt::format(
      "smtps://127.0.0.1:{} to student@example.edu: the server's TLS certificate is not "
      "trusted (SSL certificate problem: unable to get local issuer certificate); check that "
      "{} holds the CA that signed it",
      sink.port, (other / "ca.crt").string());
  EXPECT_NE(ran.err.find("retrying in 1 s: " + why), std::string::npos) << ran.err;
  const auto queued = term.ledger("reply-queued");
  EXPECT_EQ(test::line_count(queued.out), 1) << queued.out;
  // (--json escapes the slashes of the url and path: look for the middle.)
  EXPECT_NE(queued.out.find("the server's TLS certificate is not trusted (SSL certificate "
                            "problem: unable to get local issuer certificate)"),
            std::string::npos)
      << queued.out;
  EXPECT_EQ(test::line_count(term.ledger("reply-failed").out), 0);
}

// The Message-IDs of `replies`, in spool order.
std::vector<std::string> message_ids(std::vector<SpooledReply> replies) {
  std::ranges::sort(replies, {}, &SpooledReply::file);
  std::vector<std::string> ids;
  for (const auto& reply : replies)
    ids.push_back(header(reply.message, "Message-ID"));
  return ids;
}

TEST(ReplySmtp, ConnectionDroppedAfterTheDotIsRetriedAndDeliveredAtLeastOnce) {
  // E6, the RFC 1047 window: the server keeps the message, then the connection goes
  // before its 250. mailroom cannot know the message arrived, so the reply stays
  // queued (temporary) and goes again: at least once, never lost, the same Message-ID.
  FirstPass pass("--drop-after-data 1");
  auto& [sink, term, id, ran] = pass;
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.err.find("retrying in 1 s"), std::string::npos) << ran.err;
  EXPECT_NE(ran.err.find("the connection ended after the whole message was sent, before the "
                         "server's reply"),
            std::string::npos)
      << ran.err;
  ASSERT_EQ(replies_to(sink.dir.path(), {id}).size(), 1u) << ran.err; // the server has it
  auto queued = term.ledger("reply-queued");
  EXPECT_EQ(test::line_count(queued.out), 1) << queued.out << ran.err;
  EXPECT_EQ(test::line_count(term.ledger("reply-failed").out), 0);
  term.elapse(std::chrono::hours{1});
  ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto ids = message_ids(replies_to(sink.dir.path(), {id}));
  ASSERT_EQ(ids.size(), 2u) << ran.err;
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_TRUE(ids[0].starts_with("<receipt.")) << ids[0];
  const auto sent = term.ledger("reply-sent");
  EXPECT_EQ(test::line_count(sent.out), 1) << sent.out;
  EXPECT_NE(sent.out.find("\"attempts\":2"), std::string::npos) << sent.out;
  EXPECT_EQ(test::line_count(term.ledger("reply-queued").out), 0);
  // Sent is final: later runs add no third copy.
  term.elapse(std::chrono::hours{1});
  ASSERT_EQ(term.run().exit_code, 0);
  EXPECT_EQ(replies_to(sink.dir.path(), {id}).size(), 2u);
}

TEST(ReplySmtp, A554AtTheEndOfDataFailsForGoodAndIsListedAsReplyFailed) {
  // E6, the permanent case: the server refuses the message after the `.` with 554.
  // The reply is failed at once, never tried again, and staff find it in the ledger.
  FirstPass pass("--reject-data");
  auto& [sink, term, id, ran] = pass;
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.err.find("failed for good"), std::string::npos) << ran.err;
  EXPECT_NE(ran.err.find("554 5.7.1 message refused by policy"), std::string::npos) << ran.err;
  EXPECT_TRUE(replies_to(sink.dir.path(), {id}).empty());
  const auto refusals = [&] {
    return test::line_count(
        test::run_shell("grep '^refused a message' " + test::quoted(sink.dir / "smtp.log")).out);
  };
  EXPECT_EQ(refusals(), 1);
  EXPECT_EQ(test::line_count(term.ledger("reply-queued").out), 0);
  // No retry on later passes, after the first wait has long passed.
  term.elapse(std::chrono::hours{1});
  ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(refusals(), 1) << ran.err;
  const auto failed = term.ledger("reply-failed");
  EXPECT_EQ(test::line_count(failed.out), 1) << failed.out;
  EXPECT_NE(failed.out.find("\"attempts\":1"), std::string::npos) << failed.out;
  // What staff read: the table of `mailroom ledger --status reply-failed`.
  const auto table = test::mailroom("ledger --status reply-failed --config " +
                                    test::quoted(term.dir / "term.toml"));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("student@example.edu"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("reply-failed"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("554 5.7.1 message refused by policy"), std::string::npos) << table.out;
}

TEST(ReplySmtp, A554GreetingKeepsTheReplyQueued) {
  // A 554 before any MAIL (RFC 5321 3.1: the server refuses all service) is about the
  // server or the config, not this reply: it would fail every reply alike, so the reply
  // stays queued and is tried again, as for a refused login.
  FirstPass pass("--refuse-greeting");
  auto& [sink, term, id, ran] = pass;
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.err.find("retrying in 1 s"), std::string::npos) << ran.err;
  EXPECT_NE(ran.err.find("554 5.3.2 no SMTP service here"), std::string::npos) << ran.err;
  EXPECT_EQ(ran.err.find("failed for good"), std::string::npos) << ran.err;
  EXPECT_TRUE(replies_to(sink.dir.path(), {id}).empty());
  const auto queued = term.ledger("reply-queued");
  EXPECT_EQ(test::line_count(queued.out), 1) << queued.out;
  EXPECT_NE(queued.out.find("554 5.3.2 no SMTP service here"), std::string::npos) << queued.out;
  EXPECT_EQ(test::line_count(term.ledger("reply-failed").out), 0);
  // Tried again after the wait, still queued.
  term.elapse(std::chrono::hours{1});
  ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(term.ledger("reply-queued").out.find("\"attempts\":2"), std::string::npos);
  EXPECT_EQ(test::line_count(term.ledger("reply-failed").out), 0);
}

TEST(ReplySmtp, CheckLogsInToTheSmtpServerAndNamesAWrongPasswordAndADeadHost) {
  // `mailroom check --config` connects as the sender does (STARTTLS, the certificate
  // checked against the test CA, AUTH with the password file) and sends nothing. A sink of
  // the test's own, so that what other tests send meanwhile does not count.
  OwnSink sink(k_sink.port + 1, "");
  sink.start();
  SmtpTerm term(sink.port, "[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n");
  const auto check = [&] {
    return test::mailroom("check --config " + test::quoted(term.dir / "term.toml"));
  };
  const auto spooled = [&] {
    return std::ranges::count_if(
        fs::directory_iterator(sink.dir.path() / "spool"),
        [](const auto& entry) { return entry.path().extension() == ".eml"; });
  };
  const auto before = spooled();
  const auto ok = check();
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find(fmt::format("outbox smtp://127.0.0.1:{}: logged in as staff, TLS with the "
                                    "certificate verified; nothing sent",
                                    sink.port)),
            std::string::npos)
      << ok.out;
  EXPECT_EQ(spooled(), before);

  test::write_secret(term.dir / "smtp-password", "not-the-password\n");
  const auto wrong = check();
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_NE(wrong.err.find("login as staff refused (535"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("check [outbox] user and the password in " +
                           (term.dir / "smtp-password").string()),
            std::string::npos)
      << wrong.err;

  // Nothing listens on the sink's port once it stops.
  sink.stop();
  SmtpTerm dead(sink.port, "[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n");
  const auto unreachable = test::mailroom("check --config " + test::quoted(dead.dir / "term.toml"));
  EXPECT_EQ(unreachable.exit_code, 1) << unreachable.out << unreachable.err;
  EXPECT_NE(unreachable.err.find("the server is unreachable"), std::string::npos)
      << unreachable.err;
  EXPECT_NE(unreachable.err.find("check the host and port in [outbox] url"), std::string::npos)
      << unreachable.err;
}

// --- One writer per state folder ---------------------------------------------------------

namespace {

std::string busy_message(pid_t holder, const SmtpTerm& term) {
  return fmt::format("another mailroom (pid {}) is running on {}", holder,
                     (term.dir / "state").string());
}

} // namespace

TEST(OneWriter, ASecondRunWhileTheFirstIsSendingExits75NamingItAndNothingIsSentTwice) {
  SmtpTerm term(k_sink.port, "[replies]\nrecipients = \"sender\"\n");
  const auto id = term.deliver();
  const auto hold = term.dir / "hold";
  // The first run stops with its reply claimed, before it goes to the server.
  const pid_t first = start_mailroom(
      {"run", "--once"}, term.dir / "term.toml", term.dir / "first.log",
      {{"MAILROOM_FAULT_HOLD_AT", "before-send"}, {"MAILROOM_FAULT_HOLD_FILE", hold.string()}});
  ASSERT_TRUE(wait_until([&] { return fs::exists(hold); }))
      << test::read_text(term.dir / "first.log");
  const auto second = term.run();
  EXPECT_EQ(second.exit_code, 75) << second.err;
  EXPECT_NE(second.err.find(busy_message(first, term)), std::string::npos) << second.err;
  // Staff commands go on meanwhile: the claimed row is listed as reply-sending.
  const auto sending = term.ledger("reply-sending");
  EXPECT_EQ(sending.exit_code, 0) << sending.err;
  EXPECT_EQ(test::line_count(sending.out), 1) << sending.out;
  fs::remove(hold);
  EXPECT_EQ(exit_status(first), 0) << test::read_text(term.dir / "first.log");
  EXPECT_EQ(per_recipient(replies_to(k_sink.dir, {id})),
            (std::map<std::string, int>{{"student@example.edu", 1}}));
  ASSERT_EQ(term.run().exit_code, 0);
  EXPECT_EQ(replies_to(k_sink.dir, {id}).size(), 1u);
}

TEST(OneWriter, TwoRunsStartedAtTheSameMomentSendEachReplyOnce) {
  SmtpTerm term(k_sink.port);
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.insert(term.deliver());
  const pid_t a = start_mailroom({"run", "--once"}, term.dir / "term.toml", term.dir / "a.log");
  const pid_t b = start_mailroom({"run", "--once"}, term.dir / "term.toml", term.dir / "b.log");
  const int a_status = exit_status(a);
  const int b_status = exit_status(b);
  const auto a_log = test::read_text(term.dir / "a.log");
  const auto b_log = test::read_text(term.dir / "b.log");
  // Whichever came second either found the first holding the folder or came after it.
  EXPECT_TRUE(a_status == 0 ||
              (a_status == 75 && a_log.find(busy_message(b, term)) != std::string::npos))
      << a_status << "\n"
      << a_log;
  EXPECT_TRUE(b_status == 0 ||
              (b_status == 75 && b_log.find(busy_message(a, term)) != std::string::npos))
      << b_status << "\n"
      << b_log;
  EXPECT_FALSE(a_status == 75 && b_status == 75);
  EXPECT_EQ(per_recipient(replies_to(k_sink.dir, ids)),
            (std::map<std::string, int>{{"alan@example.edu", 3}, {"student@example.edu", 3}}))
      << a_log << b_log;
  EXPECT_EQ(test::line_count(term.ledger("reply-sent").out), 6);
}

TEST(OneWriter, ARunOnceBesideTheDaemonExits75AndWithWaitItRunsWhenTheDaemonEnds) {
  SmtpTerm term(k_sink.port);
  std::set<std::string> ids{term.deliver(), term.deliver()};
  const auto daemon_log = term.dir / "daemon.log";
  const pid_t daemon = start_mailroom({"run"}, term.dir / "term.toml", daemon_log);
  ASSERT_TRUE(wait_until([&] { return file_contains(daemon_log, "watching"); }))
      << test::read_text(daemon_log);
  const auto manual = term.run();
  EXPECT_EQ(manual.exit_code, 75) << manual.err;
  EXPECT_NE(manual.err.find(busy_message(daemon, term)), std::string::npos) << manual.err;
  ASSERT_TRUE(wait_until([&] { return replies_to(k_sink.dir, ids).size() >= 4; }))
      << test::read_text(daemon_log);
  // Staff read the ledger while the daemon runs.
  EXPECT_EQ(test::line_count(term.ledger("reply-sent").out), 4);
  // A run with --wait waits for the daemon, then takes the mail that came meanwhile.
  const auto waiting_log = term.dir / "waiting.log";
  const pid_t waiting =
      start_mailroom({"run", "--once", "--wait"}, term.dir / "term.toml", waiting_log);
  ASSERT_TRUE(wait_until([&] {
    return file_contains(waiting_log, "waiting until it ends (--wait)");
  })) << test::read_text(waiting_log);
  EXPECT_NE(test::read_text(waiting_log).find(busy_message(daemon, term)), std::string::npos);
  ids.insert(term.deliver());
  ::kill(daemon, SIGTERM);
  EXPECT_EQ(exit_status(daemon), 0) << test::read_text(daemon_log);
  EXPECT_EQ(exit_status(waiting), 0) << test::read_text(waiting_log);
  EXPECT_EQ(per_recipient(replies_to(k_sink.dir, ids)),
            (std::map<std::string, int>{{"alan@example.edu", 3}, {"student@example.edu", 3}}))
      << test::read_text(daemon_log) << test::read_text(waiting_log);
}

namespace {

int times_in_log(const fs::path& log, const std::string& text) {
  return file_contains(log, text) ? test::count_of(test::read_text(log), text) : 0;
}

// A term watching `user`'s INBOX over IMAPS (the [mailbox] keys `mailbox_keys` added)
// that polls every `poll_interval`, replying through the fixture's SMTP server.
struct WatchingTerm {
  SmtpTerm term;
  WatchingTerm(const std::string& user, const std::string& poll_interval,
               const std::string& mailbox_keys = "")
      : term(k_sink.port, "",
             fmt::format("url = \"imaps://127.0.0.1:{}/INBOX\"\nuser = \"{}\"\n"
                         "password_file = \"imap-password\"\nca_file = \"{}\"\n{}",
                         k_dovecot.imaps_port, user, k_dovecot.ca_file().string(), mailbox_keys)) {
    EXPECT_EQ(mail_client("clear", k_dovecot.imaps_port, user, "").exit_code, 0);
    test::write_secret(term.dir / "imap-password", "secret\n");
    test::write_file(term.dir / "term.toml",
                     fmt::format("poll_interval = \"{}\"\n{}", poll_interval,
                                 test::read_text(term.dir / "term.toml")));
  }
  // The student's proposal, sent through the SMTP server to `user`, which delivers it
  // into that INBOX (dovecot-lda); its Message-ID.
  std::string send_proposal(const std::string& user) const {
    const auto id = "<" + unique("idle") + "@example.edu>";
    const auto file = term.dir / (unique("mail") + ".eml");
    // Authenticated by the MX the term trusts, so the group is in Cc.
    test::write_file(file,
                     fmt::format("Received: from laptop.example.edu (laptop [127.0.0.1]) by "
                                 "mx.example.edu with ESMTPSA; {0}\r\n"
                                 "Authentication-Results: mx.example.edu; dkim=pass "
                                 "header.d=example.edu\r\n"
                                 "From: Stu Dent <student@example.edu>\r\n"
                                 "To: staff@example.edu\r\nSubject: Proposal for group 1\r\n"
                                 "Date: {0}\r\nMessage-ID: {1}\r\nMIME-Version: 1.0\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                                 "Our draft: https://docs.google.com/document/d/abc123/edit\r\n",
                                 rfc5322_now(), id));
    const auto sent = mail_client("send", k_sink.port, "staff",
                                  fmt::format("--mail-from student@example.edu --rcpt "
                                              "{}@example.edu --file {}",
                                              user, test::quoted(file)));
    EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
    return id;
  }
  [[nodiscard]] fs::path config() const { return term.dir / "term.toml"; }
};

// Waits (bounded) until the receipt to `id` has reached both members of group 1: one
// reply to the student, one to Alan.
bool group_one_answered(const std::string& id) {
  return wait_until([&] { return replies_to(k_sink.dir, {id}).size() >= 2; });
}

} // namespace

TEST(ImapIdle, AMailArrivingWhileTheDaemonIdlesGetsItsReceiptAndSigtermEndsTheIdle) {
  // Polls only every hour: within the test's bound only IDLE can bring the mail in.
  WatchingTerm watching("course", "1h");
  const auto log = watching.term.dir / "daemon.log";
  const pid_t daemon = start_mailroom({"run", "--log-level", "debug"}, watching.config(), log);
  ASSERT_TRUE(wait_until([&] { return file_contains(log, "waiting for new mail"); }))
      << test::read_text(log);
  const auto id = watching.send_proposal("course");
  EXPECT_TRUE(group_one_answered(id)) << test::read_text(log);
  EXPECT_EQ(per_recipient(replies_to(k_sink.dir, {id})), k_one_receipt_each);
  // The daemon idles again; SIGTERM ends the IDLE and the process.
  ASSERT_TRUE(wait_until([&] { return times_in_log(log, "waiting for new mail") >= 2; }))
      << test::read_text(log);
  ::kill(daemon, SIGTERM);
  EXPECT_EQ(exit_status(daemon), 0) << test::read_text(log);
  EXPECT_TRUE(file_contains(log, "stopping")) << test::read_text(log);
}

TEST(ImapIdle, IdleIsReissuedAfterItsLimit) {
  WatchingTerm watching("course", "1h", "idle_limit = \"1s\"\n");
  const auto log = watching.term.dir / "daemon.log";
  const pid_t daemon = start_mailroom({"run", "--log-level", "debug"}, watching.config(), log);
  // Three IDLEs one after the other: each ended at its limit, a poll, the next.
  ASSERT_TRUE(wait_until([&] { return times_in_log(log, "waiting for new mail") >= 3; }))
      << test::read_text(log);
  const auto id = watching.send_proposal("course");
  EXPECT_TRUE(group_one_answered(id)) << test::read_text(log);
  ::kill(daemon, SIGTERM);
  EXPECT_EQ(exit_status(daemon), 0) << test::read_text(log);
  EXPECT_EQ(per_recipient(replies_to(k_sink.dir, {id})), k_one_receipt_each);
}

TEST(ImapIdle, AConnectionDroppedWhileIdlingIsAReconnectWithBackoffAndLosesNoMail) {
  WatchingTerm watching("course", "1h");
  const auto log = watching.term.dir / "daemon.log";
  const pid_t daemon = start_mailroom({"run", "--log-level", "debug"}, watching.config(), log);
  ASSERT_TRUE(wait_until([&] { return file_contains(log, "waiting for new mail"); }))
      << test::read_text(log);
  // The server ends the session; a mail arrives before mailroom is back.
  const auto kicked = test::run_shell(
      fmt::format("doveadm -c {} kick course", test::quoted(k_dovecot.dir / "dovecot.conf")));
  EXPECT_EQ(kicked.exit_code, 0) << kicked.out << kicked.err;
  const auto id = watching.send_proposal("course");
  EXPECT_TRUE(group_one_answered(id)) << test::read_text(log);
  ::kill(daemon, SIGTERM);
  EXPECT_EQ(exit_status(daemon), 0) << test::read_text(log);
  EXPECT_TRUE(file_contains(log, "reconnecting in 5 s")) << test::read_text(log);
  EXPECT_EQ(per_recipient(replies_to(k_sink.dir, {id})), k_one_receipt_each);
}

TEST(ImapIdle, AServerWithoutIdleIsPolledEveryPollInterval) {
  // The fixture's user noidle sees a CAPABILITY of IMAP4rev1 alone.
  WatchingTerm watching("noidle", "1s");
  const auto log = watching.term.dir / "daemon.log";
  const pid_t daemon = start_mailroom({"run"}, watching.config(), log);
  ASSERT_TRUE(wait_until([&] { return file_contains(log, "offers no IDLE: polling every 1 s"); }))
      << test::read_text(log);
  const auto id = watching.send_proposal("noidle");
  EXPECT_TRUE(group_one_answered(id)) << test::read_text(log);
  ::kill(daemon, SIGTERM);
  EXPECT_EQ(exit_status(daemon), 0) << test::read_text(log);
  EXPECT_EQ(per_recipient(replies_to(k_sink.dir, {id})), k_one_receipt_each);
}
