// Bounces read whole: every recipient of a delivery report, with its reason unfolded, in the
// formats real MTAs write (the real-mail corpus) and in Postfix's own for mailroom's replies.
#include "message/dsn.hpp"
#include "unit/message/test_data.hpp"

#include <gtest/gtest.h>

namespace mailroom::message {
namespace {

using testing::read_data;

// Postfix, bouncing one reply to two recipients; its Diagnostic-Code is folded as Postfix
// folds a long one.
constexpr const char* k_postfix_two_recipients =
    "From: MAILER-DAEMON@mail.example.edu (Mail Delivery System)\r\n"
    "To: cse585-staff@example.edu\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Description: Notification\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "I'm sorry to have to inform you that your message could not be delivered.\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Description: Delivery report\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mail.example.edu\r\n"
    "X-Postfix-Queue-ID: 4F1A2\r\n"
    "\r\n"
    "Final-Recipient: rfc822; nobody@example.edu\r\n"
    "Original-Recipient: rfc822;nobody@example.edu\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Diagnostic-Code: X-Postfix; unknown user: \"nobody\"\r\n"
    "\r\n"
    "Final-Recipient: rfc822; alan@example.edu\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Remote-MTA: dns; mx.example.edu\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <alan@example.edu>: Recipient address rejected: User\r\n"
    "    doesn't exist: alan@example.edu\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: cse585-staff@example.edu\r\n"
    "Message-ID: <receipt.abc@mailroom.cse585-f25.example.edu>\r\n"
    "\r\n"
    "Final-Recipient: rfc822; not-this-one@example.edu\r\n"
    "--B--\r\n";

TEST(MessageBounce, PostfixReportWithTwoRecipientsAndAFoldedReason) {
  const auto bounced = read_bounce(k_postfix_two_recipients);
  ASSERT_EQ(bounced.size(), 2u);
  EXPECT_EQ(bounced[0].recipient, "nobody@example.edu");
  EXPECT_EQ(bounced[0].diagnostic, "X-Postfix; unknown user: \"nobody\"");
  EXPECT_EQ(bounced[1].recipient, "alan@example.edu");
  EXPECT_EQ(bounced[1].action, "failed");
  EXPECT_EQ(bounced[1].status, "5.1.1");
  EXPECT_EQ(bounced[1].diagnostic,
            "smtp; 550 5.1.1 <alan@example.edu>: Recipient address rejected: "
            "User doesn't exist: alan@example.edu");
}

TEST(MessageBounce, AReportSentAsATextPartIsReadToo) {
  std::string text = k_postfix_two_recipients;
  const auto at = text.find("Content-Type: message/delivery-status");
  text.replace(at, std::string("Content-Type: message/delivery-status").size(),
               "Content-Type: text/plain; name=\"details.txt\"");
  const auto bounced = read_bounce(text);
  ASSERT_EQ(bounced.size(), 2u);
  EXPECT_EQ(bounced[1].recipient, "alan@example.edu");
  EXPECT_NE(bounced[1].diagnostic.find("User doesn't exist"), std::string::npos);
}

TEST(MessageBounce, RealPostfixReportKeepsTheFoldedDiagnosticWhole) {
  const auto bounced = read_bounce(read_data("real-mail/095-postfix-dsn.eml"));
  ASSERT_EQ(bounced.size(), 1u);
  EXPECT_EQ(bounced[0].recipient, "r@p351355.pool.example.ne.jp");
  EXPECT_EQ(bounced[0].status, "5.1.1");
  EXPECT_EQ(
      bounced[0].diagnostic,
      "x-unix; procmail: Couldn't create \"/var/spool/mail/neko\" id: r.example.org: No such user");
}

TEST(MessageBounce, EximWritesTheReasonUnderEachFailedAddress) {
  const auto bounced = read_bounce(read_data("real-mail/096-exim-bounce-plain.eml"));
  ASSERT_EQ(bounced.size(), 1u);
  EXPECT_EQ(bounced[0].recipient, "kijitora@example.ed.jp");
  EXPECT_EQ(bounced[0].diagnostic,
            "SMTP error from remote mail server after MAIL FROM:<shironeko@example.jp> "
            "SIZE=1543: host mx.example.jp [192.0.2.20]: 550 5.7.0 <shironeko@example.jp>... "
            "Please use the smtp server of your ISP.");
}

TEST(MessageBounce, ExchangeReport) {
  const auto bounced = read_bounce(read_data("real-mail/100-exchange2007-ndr.eml"));
  ASSERT_EQ(bounced.size(), 1u);
  EXPECT_EQ(bounced[0].recipient, "mikeneko@example.co.jp");
  EXPECT_EQ(bounced[0].status, "5.1.1");
  EXPECT_EQ(bounced[0].diagnostic, "smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found");
}

TEST(MessageBounce, ReportAttachedWithAFileNameAndAPartWithoutContentType) {
  const auto attached = read_bounce(read_data("real-mail/114-dsn-attached-as-text.eml"));
  ASSERT_EQ(attached.size(), 1u);
  EXPECT_EQ(attached[0].recipient, "abh@netpar.com.br");
  EXPECT_EQ(attached[0].status, "4.2.2 (Persistent transient failure - mailbox: mailbox full)");
  const auto untyped = read_bounce(read_data("real-mail/113-dsn-part-without-content-type.eml"));
  ASSERT_EQ(untyped.size(), 1u);
  EXPECT_EQ(untyped[0].recipient, "larose.julie@courrier.uqam.ca");
  EXPECT_EQ(untyped[0].action, "delayed");
}

TEST(MessageBounce, MailThatIsNoBounceNamesNoRecipient) {
  EXPECT_TRUE(read_bounce("From: ada@umich.edu\r\nSubject: slides\r\n\r\n"
                          "Final-Recipient: rfc822; x@y\r\n")
                  .empty());
  EXPECT_TRUE(read_bounce("").empty());
}

} // namespace
} // namespace mailroom::message
