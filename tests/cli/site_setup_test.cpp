// A sysadmin's first hour: one desk address, a trust line every site can write, and
// plaintext only to a loopback server; each refused with the fix when it is wrong.
#include "cli/ledger/fixture.hpp"
#include "daemon/settings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom {
namespace {

const std::string k_head = "rules = \"r\"\nstate_dir = \"s\"\n";

std::vector<std::string> problems_of(const std::string& text) {
  std::vector<std::string> lines;
  const auto parsed = daemon::parse_settings(text, "/etc/mailroom/term.toml");
  if (!parsed)
    for (const auto& problem : parsed.error())
      lines.push_back(problem.to_string());
  return lines;
}

TEST(SiteSetup, PlaintextToAServerBeyondLoopbackIsRefusedWithTheFix) {
  EXPECT_EQ(problems_of(k_head +
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
  EXPECT_EQ(problems_of(k_head + "[mailbox]\nurl = \"maildir:m\"\n[outbox]\nurl = "
                                 "\"smtp://localhost:25\"\nallow_plaintext = true\n")
                .size(),
            1u);
  EXPECT_TRUE(problems_of(k_head + "[mailbox]\nurl = \"imap://127.0.0.2:11143/INBOX\"\n"
                                   "user = \"u\"\nallow_plaintext = true\n[outbox]\nurl = "
                                   "\"smtp://[::1]:25\"\nallow_plaintext = true\n")
                  .empty());
}

TEST(SiteSetup, TrustIsOneOfTwoLines) {
  const auto none = daemon::parse_settings(
      k_head + "[mailbox]\nurl = \"maildir:m\"\n[trust]\nauthentication = \"none\"\n", "t.toml");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->authentication, daemon::SenderAuthentication::none);
  const auto host = daemon::parse_settings(
      k_head + "[mailbox]\nurl = \"maildir:m\"\n[trust]\ntrusted_authserv_id = \"mx.x.edu\"\n",
      "t.toml");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->authentication, daemon::SenderAuthentication::authserv_id);
  const auto unset = daemon::parse_settings(k_head + "[mailbox]\nurl = \"maildir:m\"\n", "t.toml");
  ASSERT_TRUE(unset);
  EXPECT_EQ(unset->authentication, daemon::SenderAuthentication::unset);
  EXPECT_EQ(problems_of(k_head + "[mailbox]\nurl = \"maildir:m\"\n[trust]\n"
                                 "trusted_authserv_id = \"mx.x.edu\"\nauthentication = \"none\"\n"),
            (std::vector<std::string>{
                "/etc/mailroom/term.toml:7: both authentication = \"none\" and "
                "trusted_authserv_id are set; keep one: trusted_authserv_id when the mail "
                "server writes Authentication-Results, authentication = \"none\" when it does "
                "not"}));
  EXPECT_EQ(problems_of(k_head + "[mailbox]\nurl = \"maildir:m\"\n[trust]\n"
                                 "authentication = \"dkim\"\n"),
            (std::vector<std::string>{
                "/etc/mailroom/term.toml:6: unknown authentication 'dkim'; write authentication "
                "= \"none\" when the mail server writes no Authentication-Results; otherwise set "
                "trusted_authserv_id = \"HOST\" instead"}));
}

TEST(SiteSetup, TheDeskAddressHeloAndMailSizeAreRead) {
  const auto set = daemon::parse_settings(
      k_head + "[mailbox]\nurl = \"maildir:m\"\nmax_mail_size = \"80MB\"\n[outbox]\n"
               "from = \"CSE 585 Staff <cse585-staff@umich.edu>\"\nhelo = \"mail.umich.edu\"\n",
      "t.toml");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->mailbox.max_mail_size, 80u * 1024 * 1024);
  EXPECT_EQ(set->outbox.helo, "mail.umich.edu");
  EXPECT_EQ(problems_of(k_head + "[mailbox]\nurl = \"maildir:m\"\nmax_mail_size = \"big\"\n"
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
  const auto config = fixture.dir / "term.toml";
  const std::string base = "rules = \"rules\"\nstate_dir = \"state\"\n[mailbox]\nurl = "
                           "\"maildir:maildir\"\n[trust]\nauthentication = \"none\"\n";
  std::filesystem::create_directories(fixture.dir / "maildir" / "new");
  test::write_text(config, base + "[outbox]\nfrom = \"desk@example.edu\"\n");
  const auto mismatch = test::mailroom("check --config " + test::quoted(config));
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.err.find("staff_address 'staff@example.edu' is not the desk address "
                              "'desk@example.edu' of [outbox] from in"),
            std::string::npos)
      << mismatch.err;
  EXPECT_NE(mismatch.err.find("write staff_address = \"desk@example.edu\" in course.toml (or "
                              "remove it)"),
            std::string::npos)
      << mismatch.err;

  test::write_text(config, base + "[outbox]\nfrom = \"Course Staff <Staff@Example.edu>\"\n");
  const auto same = test::mailroom("check --config " + test::quoted(config));
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
