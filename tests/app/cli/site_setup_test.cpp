// A sysadmin's first hour: one desk address, a trust line every site can write, and
// plaintext only to a loopback server; each refused with the fix when it is wrong.
#include "app/ledger/fixture.hpp"
#include "setup/settings.hpp"
#include "support/settings_problems.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom {
namespace {

const std::string k_site_head = "rules = \"r\"\nstate_dir = \"s\"\n";

TEST(SiteSetup, PlaintextToAServerBeyondLoopbackIsRefusedWithTheFix) {
  EXPECT_EQ(test::settings_problems(
                k_site_head +
                "[mailbox]\nurl = \"imap://imap.example.edu/INBOX\"\nuser = \"u\"\n"
                "allow_plaintext = true\n"
                "[outbox]\nurl = \"smtp://mail.example.edu:25\"\nallow_plaintext = true\n"),
            (std::vector<std::string>{
                "/etc/mailroom/term.toml:6: allow_plaintext is honoured only for a loopback "
                "server (127.0.0.0/8, ::1), not for imap://imap.example.edu/INBOX; remove "
                "allow_plaintext and use imaps://HOST/FOLDER, or imap:// with STARTTLS; for a "
                "certificate of your own CA set ca_file",
                "/etc/mailroom/term.toml:9: allow_plaintext is honoured only for a loopback "
                "server (127.0.0.0/8, ::1), not for smtp://mail.example.edu:25; remove "
                "allow_plaintext and use smtps://HOST, or smtp:// with STARTTLS; for a "
                "certificate of your own CA set ca_file"}));
  // A name is not trusted to resolve to loopback; addresses are.
  EXPECT_EQ(test::settings_problems(k_site_head +
                                    "[mailbox]\nurl = \"maildir:m\"\n[outbox]\nurl = "
                                    "\"smtp://localhost:25\"\nallow_plaintext = true\n")
                .size(),
            1u);
  EXPECT_TRUE(test::settings_problems(k_site_head +
                                      "[mailbox]\nurl = \"imap://127.0.0.2:11143/INBOX\"\n"
                                      "user = \"u\"\nallow_plaintext = true\n[outbox]\nurl = "
                                      "\"smtp://[::1]:25\"\nallow_plaintext = true\n")
                  .empty());
}

TEST(SiteSetup, TrustIsOneOfTwoLines) {
  const auto none = setup::parse_settings(
      k_site_head + "[mailbox]\nurl = \"maildir:m\"\n[trust]\nauthentication = \"none\"\n",
      "t.toml");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->authentication, setup::SenderAuthentication::none);
  const auto host = setup::parse_settings(
      k_site_head + "[mailbox]\nurl = \"maildir:m\"\n[trust]\ntrusted_authserv_id = \"mx.x.edu\"\n",
      "t.toml");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->authentication, setup::SenderAuthentication::authserv_id);
  const auto unset =
      setup::parse_settings(k_site_head + "[mailbox]\nurl = \"maildir:m\"\n", "t.toml");
  ASSERT_TRUE(unset);
  EXPECT_EQ(unset->authentication, setup::SenderAuthentication::unset);
  EXPECT_EQ(test::settings_problems(
                k_site_head + "[mailbox]\nurl = \"maildir:m\"\n[trust]\n"
                              "trusted_authserv_id = \"mx.x.edu\"\nauthentication = \"none\"\n"),
            (std::vector<std::string>{
                "/etc/mailroom/term.toml:7: both authentication = \"none\" and "
                "trusted_authserv_id are set; keep one: trusted_authserv_id when the mail "
                "server writes Authentication-Results, authentication = \"none\" when it does "
                "not"}));
  EXPECT_EQ(test::settings_problems(k_site_head + "[mailbox]\nurl = \"maildir:m\"\n[trust]\n"
                                                  "authentication = \"dkim\"\n"),
            (std::vector<std::string>{
                "/etc/mailroom/term.toml:6: unknown authentication 'dkim'; write authentication "
                "= \"none\" when the mail server writes no Authentication-Results; otherwise set "
                "trusted_authserv_id = \"HOST\" instead"}));
}

TEST(SiteSetup, TheDeskAddressHeloAndMailSizeAreRead) {
  const auto set = setup::parse_settings(
      k_site_head +
          "[mailbox]\nurl = \"maildir:m\"\nmax_mail_size = \"80MB\"\n[outbox]\n"
          "from = \"CSE 585 Staff <cse585-staff@umich.edu>\"\nhelo = \"mail.umich.edu\"\n",
      "t.toml");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->mailbox.max_mail_size, 80u * 1024 * 1024);
  EXPECT_EQ(set->outbox.helo, "mail.umich.edu");
  EXPECT_EQ(test::settings_problems(k_site_head +
                                    "[mailbox]\nurl = \"maildir:m\"\nmax_mail_size = \"big\"\n"
                                    "[outbox]\nfrom = \"staff\"\n"),
            (std::vector<std::string>{
                "/etc/mailroom/term.toml:5: bad size for 'max_mail_size'; write it as \"50MB\", "
                "\"512KB\" or a number of bytes",
                "/etc/mailroom/term.toml:7: bad from 'staff'; write the desk's one address: "
                "\"NAME@DOMAIN\" or \"Course Staff <NAME@DOMAIN>\""}));
}

TEST(SiteSetup, CheckRefusesACourseStaffAddressThatIsNotTheDesk) {
  // The README's setup edits [outbox] from; the course file's staff_address must agree, or
  // replies would name two addresses.
  test::LedgerFixture fixture;
  const std::string trust = "[trust]\nauthentication = \"none\"\n";
  std::filesystem::create_directories(fixture.dir / "maildir" / "new");
  fixture.write_maildir_term(trust + "[outbox]\nfrom = \"desk@example.edu\"\n");
  const auto mismatch = test::mailroom("check" + fixture.config());
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.err.find("staff_address 'staff@example.edu' is not the desk address "
                              "'desk@example.edu' of [outbox] from in"),
            std::string::npos)
      << mismatch.err;
  EXPECT_NE(mismatch.err.find("write staff_address = \"desk@example.edu\" in course.toml (or "
                              "remove it)"),
            std::string::npos)
      << mismatch.err;

  fixture.write_maildir_term(trust + "[outbox]\nfrom = \"Course Staff <Staff@Example.edu>\"\n");
  const auto same = test::mailroom("check" + fixture.config());
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_NE(same.out.find("desk Staff@Example.edu: From, Reply-To, the bounce address and the "
                          "loop guard; Message-IDs under mailroom.demo-f25.example.edu"),
            std::string::npos)
      << same.out;
  EXPECT_NE(same.out.find("warning: this site cannot authenticate senders"), std::string::npos)
      << same.out;
}

} // namespace
} // namespace mailroom

namespace mailroom {
namespace {

TEST(SiteSetup, AMailOverMaxMailSizeIsKeptWholeHeldAndItsSenderToldToSendALink) {
  // A mail over [mailbox] max_mail_size is archived as it came, not decoded,
  // held for review, and its sender gets a note on how to send a link instead.
  test::LedgerFixture fixture;
  const auto maildir = fixture.dir / "maildir";
  test::make_maildir(maildir);
  const std::string attachment(8000, 'A');
  test::write_file(
      maildir / "new" / "1.M1.test",
      "From: Ada Lovelace <ada@example.edu>\r\nTo: staff@example.edu\r\n"
      "Subject: Slides for Oct 7\r\nMessage-ID: <big@example.edu>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n"
      "\r\nOur slides.\r\n--b\r\nContent-Type: application/pdf; name=\"slides.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
          attachment + "\r\n--b--\r\n");
  fixture.write_maildir_term("max_mail_size = 4096\n[replies]\nmax_reply_age = "
                             "\"99999d\"\n[trust]\nauthentication = \"none\"\n");
  const std::string config = fixture.config();
  const auto ran = test::mailroom("run --once" + config);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;

  const auto review = test::mailroom("review" + config);
  EXPECT_NE(review.out.find("over max_mail_size: the mail is 0.0 MB, the desk takes at most "
                            "0.0 MB; kept as it came, not read; send the file as a link"),
            std::string::npos)
      << review.out << review.err;
  auto ledger = fixture.open();
  auto mails = ledger.mails();
  ASSERT_TRUE(mails);
  ASSERT_EQ(mails->size(), 1u);
  EXPECT_EQ((*mails)[0].kind, "needs-review");
  EXPECT_EQ((*mails)[0].size, static_cast<std::int64_t>(std::filesystem::file_size(
                                  fixture.state / (*mails)[0].archive_path)));
  EXPECT_GT((*mails)[0].size, 8000);
  // No part of it was decoded: no attachment folder beside the raw bytes.
  EXPECT_FALSE(std::filesystem::exists(fixture.state / "archive" / (*mails)[0].sha256));
  auto replies = ledger.replies();
  ASSERT_TRUE(replies);
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ((*replies)[0].kind, "clarify");
  EXPECT_EQ((*replies)[0].recipient, "ada@example.edu");
  EXPECT_NE((*replies)[0].message.find("link"), std::string::npos) << (*replies)[0].message;
}

} // namespace
} // namespace mailroom
