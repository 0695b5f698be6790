// Staff commands by mail, end to end over real servers: each command mail goes through the
// test SMTP server (tests/support/smtp_sink.py) into the course mailbox (Dovecot user
// "course"), `mailroom run --once` reads it over IMAPS, and the answer comes back through
// the SMTP server into the staff member's own mailbox (Dovecot user "staff"), read there
// over IMAPS. Authenticated means what it means for students: an aligned DKIM or DMARC pass
// in an Authentication-Results field of the trusted authserv-id, above the trust boundary.
#include "ledger/sqlite_ledger.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/fixture_servers.hpp"
#include "support/mail_text.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <sstream>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

using test::k_dovecot;
using test::k_sink;

const std::string k_staff = "Prof Kay <staff@example.edu>";

// What the course's own mail server writes: the submission port from a loopback address,
// then its verdict on DKIM and DMARC.
const std::string k_authenticated =
    "Authentication-Results: mx.example.edu; dkim=pass header.d=example.edu; dmarc=pass "
    "header.from=example.edu\r\n"
    "Received: from laptop.example.edu (laptop [127.0.0.1]) by mx.example.edu with ESMTPSA; "
    "{date}\r\n";
// The same server's submission port, with no verdict: nothing is authenticated.
const std::string k_unauthenticated =
    "Received: from laptop.example.edu (laptop [127.0.0.1]) by mx.example.edu with ESMTPSA; "
    "{date}\r\n";
// A forger's mail from an outside address, carrying a pass copied from a real mail below
// the Received our server added: below the trust boundary, so it counts for nothing.
const std::string k_forged =
    "Received: from evil.example.net (evil.example.net [203.0.113.9]) by mx.example.edu with "
    "ESMTP; {date}\r\n"
    "Authentication-Results: mx.example.edu; dkim=pass header.d=example.edu; dmarc=pass "
    "header.from=example.edu\r\n"
    "Received: from laptop.example.edu (laptop [127.0.0.1]) by mx.example.edu with ESMTPSA; "
    "{date}\r\n";

// The course term: groups 1-3 (group 3 presents on Nov 4), Prof Kay on staff.csv, the
// course mailbox over IMAPS, answers through the test SMTP server, and the course's mail
// server trusted for Authentication-Results.
struct StaffDesk {
  test::TempDir dir;
  StaffDesk() {
    EXPECT_EQ(test::mail_client("clear", k_dovecot.imaps_port, "course", "").exit_code, 0);
    test::write_demo_rules(dir / "rules", test::course_toml_due_in_2030(),
                           "group,name,uniqname,email\n"
                           "1,Stu Dent,student,student@example.edu\n"
                           "2,Grace Hopper,grace,grace@example.edu\n"
                           "3,Cy Three,cy,cy@example.edu\n",
                           "lecture,role,group\n"
                           "2025-10-07,presenter,1\n"
                           "2025-10-07,summary,2\n"
                           "2025-11-04,presenter,3\n");
    test::write_file(dir / "rules" / "staff.csv", "name,addresses\nProf Kay,staff@example.edu\n");
    test::write_secret(dir / "imap-password", "secret\n");
    test::write_secret(dir / "smtp-password", "secret\n");
    test::write_file(
        dir / "term.toml",
        fmt::format("rules = \"rules\"\nstate_dir = \"state\"\n"
                    "[mailbox]\nurl = \"imaps://127.0.0.1:{}/INBOX\"\nuser = \"course\"\n"
                    "password_file = \"imap-password\"\nca_file = \"{}\"\n"
                    "[outbox]\nurl = \"smtp://127.0.0.1:{}\"\nfrom = \"course@example.edu\"\n"
                    "user = \"staff\"\npassword_file = \"smtp-password\"\nca_file = \"{}\"\n"
                    "timeout = \"5s\"\nretry_after = \"1s\"\n"
                    "[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n",
                    k_dovecot.imaps_port, k_dovecot.ca_file().string(), k_sink.port,
                    k_dovecot.ca_file().string()));
  }

  // A mail from `from` with `trace` on top, written to a file; returns its Message-ID.
  std::string write(const std::string& trace, const std::string& from, const std::string& subject,
                    const std::string& body, fs::path& file) {
    const auto id = "<" + test::unique("command") + "@example.edu>";
    std::string head = trace;
    for (auto at = head.find("{date}"); at != std::string::npos; at = head.find("{date}"))
      head.replace(at, 6, test::rfc5322_now());
    file = dir / (test::unique("mail") + ".eml");
    test::write_file(file, fmt::format("{}From: {}\r\nTo: course@example.edu\r\nSubject: {}\r\n"
                                       "Date: {}\r\nMessage-ID: {}\r\nMIME-Version: 1.0\r\n"
                                       "Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
                                       head, from, subject, test::rfc5322_now(), id, body));
    return id;
  }
  // Sends a mail file through the SMTP server to the course mailbox.
  void send(const fs::path& file, const std::string& envelope_from = "staff@example.edu") {
    const auto sent =
        test::mail_client("send", k_sink.port, "staff",
                          "--mail-from " + envelope_from + " --rcpt course@example.edu " +
                              "--file " + test::quoted(file));
    EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  }
  std::string command(const std::string& trace, const std::string& subject,
                      const std::string& from = k_staff, const std::string& body = "") {
    fs::path file;
    const auto id = write(trace, from, subject, body, file);
    send(file);
    return id;
  }

  test::Ran run() const {
    return test::mailroom("run --once --config " + test::quoted(dir / "term.toml"));
  }
  test::Ran cli(const std::string& args) const {
    return test::mailroom(args + " --config " + test::quoted(dir / "term.toml"));
  }
  // The answers in the staff member's mailbox to the command mail `id`, read over IMAPS.
  std::vector<std::string> answers_to(const std::string& id) const {
    const auto out = dir / test::unique("answers");
    const auto ran =
        test::mail_client("fetch", k_dovecot.imaps_port, "staff",
                          "--in-reply-to " + test::quoted(id) + " --out " + test::quoted(out));
    EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
    std::vector<std::string> messages;
    std::istringstream lines(ran.out);
    for (std::string uid, file, flags; lines >> uid >> file >> flags;)
      messages.push_back(test::read_text(file));
    return messages;
  }
  std::vector<pipeline::AuditRow> audit() const {
    auto ledger = ledger::SqliteLedger::open(dir / "state", ledger::OpenMode::must_exist);
    EXPECT_TRUE(ledger) << ledger.error().to_string();
    auto rows = ledger ? ledger->audit() : core::Result<std::vector<pipeline::AuditRow>>{};
    return rows ? *rows : std::vector<pipeline::AuditRow>{};
  }
  std::optional<pipeline::MailRow> mail_with_id(const std::string& message_id) const {
    auto ledger = ledger::SqliteLedger::open(dir / "state", ledger::OpenMode::must_exist);
    EXPECT_TRUE(ledger);
    auto mails = ledger->mails();
    EXPECT_TRUE(mails);
    for (const auto& mail : *mails)
      if (mail.message_id == message_id)
        return mail;
    return std::nullopt;
  }
};

std::string decoded(std::string text) {
  // Quoted-printable soft line breaks and the encoded '=' are all the answers need here.
  for (auto at = text.find("=\r\n"); at != std::string::npos; at = text.find("=\r\n"))
    text.erase(at, 3);
  for (auto at = text.find("=3D"); at != std::string::npos; at = text.find("=3D", at + 1))
    text.replace(at, 3, "=");
  return text;
}

const std::vector<std::string> k_every_command = {
    "extend G3 slides@2025-11-04 +36h reason ill",
    "excuse 1 proposal reason joined late",
    "reclassify 1 as proposal group 1 reason its proposal",
    "dismiss 1 reason nothing owed",
    "ledger group 3",
    "review",
    "status",
    "help",
};

} // namespace

TEST(StaffCommandsByMail,
     AnAuthenticatedExtendChangesTheLedgerIsAuditedAndAnsweredAForgedOneIsNot) {
  // The same command from an unauthenticated sender, from a forger
  // with a copied Authentication-Results below the trusted boundary, and from a student
  // changes nothing and waits in the review queue; from Prof Kay, authenticated, it
  // extends group 3's slides by 36 hours past their due time, is audited with her address
  // and the mail's Message-ID, and is answered to her alone.
  StaffDesk desk;
  const std::string extend = "extend G3 slides@2025-11-04 +36h reason ill";
  const auto unauthenticated = desk.command(k_unauthenticated, extend);
  const auto forged = desk.command(k_forged, extend);
  const auto student = desk.command(k_authenticated, extend, "Stu Dent <student@example.edu>");
  auto ran = desk.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_TRUE(desk.audit().empty());
  const auto before = desk.cli("ledger --json --group 3");
  EXPECT_NE(before.out.find("\"due\":\"2025-11-03T15:30:00Z\",\"status\":\"missing\","
                            "\"extended_until\":null"),
            std::string::npos)
      << before.out << before.err;
  const auto review = desk.cli("review");
  EXPECT_EQ(test::count_of(review.out, "why:    staff-command: staff command refused: "), 3)
      << review.out;
  EXPECT_NE(review.out.find("its From is not authenticated (no Authentication-Results from "
                            "mx.example.edu above the first outside Received)"),
            std::string::npos)
      << review.out;
  EXPECT_NE(review.out.find("student@example.edu is not on staff.csv"), std::string::npos)
      << review.out;
  for (const auto& id : {unauthenticated, forged, student})
    EXPECT_TRUE(desk.answers_to(id).empty()) << id;
  // The forged one was refused for its From, not for a missing staff entry.
  const auto forged_mail = desk.mail_with_id(forged);
  ASSERT_TRUE(forged_mail);
  EXPECT_EQ(forged_mail->kind, "staff-command");
  ASSERT_EQ(forged_mail->review_reasons.size(), 1u);
  EXPECT_TRUE(forged_mail->review_reasons[0].starts_with(
      "staff command refused: its From is not authenticated"))
      << forged_mail->review_reasons[0];

  const auto authenticated = desk.command(k_authenticated, extend);
  ran = desk.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  // Due Mon Nov 3, 10:30 AM EST (15:30Z), 24 hours before class; 36 hours more (and
  // still missing today, long after).
  const auto extended = desk.cli("ledger --json --group 3");
  EXPECT_NE(extended.out.find("{\"deliverable\":\"slides\",\"lecture\":\"2025-11-04\","
                              "\"group\":\"3\",\"due\":\"2025-11-03T15:30:00Z\",\"status\":"
                              "\"missing\",\"extended_until\":\"2025-11-05T03:30:00Z\""),
            std::string::npos)
      << extended.out << extended.err;
  const auto audit = desk.audit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "extend");
  EXPECT_EQ(audit[0].what, "group 3 slides@2025-11-04 until 2025-11-05T03:30:00Z");
  EXPECT_EQ(audit[0].reason, "ill");
  EXPECT_EQ(audit[0].staff_address, "staff@example.edu");
  EXPECT_EQ(audit[0].message_id, authenticated);
  const auto answers = desk.answers_to(authenticated);
  ASSERT_EQ(answers.size(), 1u);
  const auto answer = decoded(answers[0]);
  EXPECT_NE(answer.find("\r\nTo: <staff@example.edu>\r\n"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("Cc:"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Subject: Re: " + extend), std::string::npos) << answer;
  EXPECT_NE(answer.find("Auto-Submitted: auto-replied"), std::string::npos) << answer;
  EXPECT_NE(answer.find("> " + extend), std::string::npos) << answer;
  EXPECT_NE(answer.find("Extended slides@2025-11-04 for group 3: due Tue Nov 4, 10:30 PM EST "
                        "(was Mon Nov 3, 10:30 AM EST); audit #1 by staff@example.edu"),
            std::string::npos)
      << answer;
  // The command mail itself is on no one's list of submissions.
  const auto recorded = desk.mail_with_id(authenticated);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->kind, "staff-command");
  EXPECT_TRUE(recorded->review_reasons.empty());
}

TEST(StaffCommandsByMail, EveryCommandRunsAuthenticatedAndNoneRunsUnauthenticated) {
  StaffDesk desk;
  // A student's proposal, mail 1, for reclassify and dismiss to act on.
  const auto proposal =
      desk.command(k_authenticated, "Proposal for group 1", "Stu Dent <student@example.edu>",
                   "Our proposal draft: https://docs.google.com/document/d/abc123/edit");
  std::map<std::string, std::string> refused;
  for (const auto& line : k_every_command)
    refused[line] = desk.command(k_unauthenticated, line);
  auto ran = desk.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  for (const auto& [line, id] : refused)
    EXPECT_TRUE(desk.answers_to(id).empty()) << line;
  EXPECT_TRUE(desk.audit().empty());
  const auto review = desk.cli("review --json");
  EXPECT_EQ(test::count_of(review.out, "\"reason\":\"staff-command\""), 8) << review.out;

  std::map<std::string, std::string> done;
  for (const auto& line : k_every_command)
    done[line] = desk.command(k_authenticated, line);
  ran = desk.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const std::map<std::string, std::string> expected = {
      {"extend G3 slides@2025-11-04 +36h reason ill", "Extended slides@2025-11-04 for group 3"},
      {"excuse 1 proposal reason joined late", "Excused group 1 from proposal"},
      {"reclassify 1 as proposal group 1 reason its proposal",
       "Mail 1 is now proposal of group 1 (was proposal)"},
      {"dismiss 1 reason nothing owed", "Dismissed mail 1 (Stu Dent <student@example.edu>"},
      {"ledger group 3", "Content-Type: text/csv; charset=UTF-8"},
      {"review", "Content-Type: text/html; charset=UTF-8"},
      {"status", "next due"},
      {"help", "extend GROUP DELIVERABLE[@LECTURE] until TIME|+DURATION"},
  };
  for (const auto& [line, id] : done) {
    SCOPED_TRACE(line);
    const auto answers = desk.answers_to(id);
    ASSERT_EQ(answers.size(), 1u) << ran.err;
    const auto answer = decoded(answers[0]);
    EXPECT_NE(answer.find("> " + line), std::string::npos) << answer;
    EXPECT_NE(answer.find(expected.at(line)), std::string::npos) << answer;
  }
  // Every change and every command that only reads is audited with the address and the
  // Message-ID of its mail.
  const auto audit = desk.audit();
  EXPECT_EQ(audit.size(), k_every_command.size());
  for (const auto& row : audit) {
    EXPECT_EQ(row.staff_address, "staff@example.edu") << row.action;
    ASSERT_TRUE(row.message_id) << row.action;
    EXPECT_TRUE(std::ranges::any_of(done, [&](const auto& sent) {
      return sent.second == *row.message_id;
    })) << *row.message_id;
  }
  const auto ledger_answer = decoded(desk.answers_to(done.at("ledger group 3"))[0]);
  EXPECT_NE(ledger_answer.find("filename=ledger.csv"), std::string::npos) << ledger_answer;
  const auto review_answer = decoded(desk.answers_to(done.at("review"))[0]);
  EXPECT_NE(review_answer.find("filename=term.html"), std::string::npos) << review_answer;
  // The student's proposal stayed a proposal: the command mails around it took nothing.
  EXPECT_EQ(desk.mail_with_id(proposal)->kind, "proposal");
}

TEST(StaffCommandsByMail, AReplayedCommandMailRunsOnceAndAMalformedOneGetsTheForm) {
  StaffDesk desk;
  fs::path file;
  const auto id =
      desk.write(k_authenticated, k_staff, "extend G3 slides@2025-11-04 +36h reason ill", "", file);
  desk.send(file);
  const auto malformed = desk.command(k_authenticated, "extend G3 slides@2025-11-04 soon");
  auto ran = desk.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  // The same bytes again, and other bytes under the same Message-ID.
  desk.send(file);
  auto copy = test::read_text(file);
  copy.replace(copy.find("reason ill"), 10, "reason ill!");
  const auto other = desk.dir / "other.eml";
  test::write_file(other, copy);
  desk.send(other);
  ran = desk.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto audit = desk.audit();
  ASSERT_EQ(std::ranges::count(audit, std::string("extend"), &pipeline::AuditRow::action), 1)
      << ran.err;
  EXPECT_EQ(desk.answers_to(id).size(), 1u);

  const auto answers = desk.answers_to(malformed);
  ASSERT_EQ(answers.size(), 1u);
  const auto answer = decoded(answers[0]);
  EXPECT_NE(answer.find("Not done: 'soon' is neither 'until TIME' nor '+DURATION'; nothing was "
                        "changed."),
            std::string::npos)
      << answer;
  EXPECT_NE(answer.find("extend GROUP DELIVERABLE[@LECTURE] until TIME|+DURATION [earlier] reason "
                        "TEXT"),
            std::string::npos)
      << answer;
}

TEST(StaffCommandsByMail, ACommandMailIsNeverJudgedAsASubmission) {
  // Prof Kay forwards group 1's slides link with a command in the subject: it is a
  // command, answered to her, and no version of any deliverable.
  StaffDesk desk;
  const auto id =
      desk.command(k_authenticated, "status", k_staff,
                   "Slides for Oct 7, group 1: https://docs.google.com/presentation/d/xyz/edit");
  const auto ran = desk.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto mail = desk.mail_with_id(id);
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->kind, "staff-command");
  EXPECT_FALSE(mail->deliverable);
  EXPECT_FALSE(mail->verdict);
  const auto ledger = desk.cli("ledger --json --group 1");
  EXPECT_EQ(test::count_of(ledger.out, "\"versions\":[]"), test::count_of(ledger.out, "\n"))
      << ledger.out;
  EXPECT_EQ(desk.answers_to(id).size(), 1u);
}
