// Between polls: IMAP IDLE where the server offers it, the poll interval otherwise
// (daemon/mail_wait.hpp), and the config keys that tune it.
#include "daemon/mail_wait.hpp"
#include "setup/settings.hpp"

#include <gtest/gtest.h>

using namespace mailroom;
using daemon::MailWait;
using mailbox::Failure;
using mailbox::Waited;

namespace {

const std::string k_config_head =
    "rules = \"r\"\nstate_dir = \"s\"\npoll_interval = \"60s\"\n"
    "[mailbox]\nurl = \"imaps://mail.example.edu/INBOX\"\nuser = \"u\"\n";

setup::Settings settings(const std::string& mailbox_keys = "") {
  auto parsed = setup::parse_settings(k_config_head + mailbox_keys, "/etc/mailroom/term.toml");
  EXPECT_TRUE(parsed);
  return parsed ? *parsed : setup::Settings{};
}

std::expected<Waited, Failure> broken(mailbox::Retry retry) {
  return std::unexpected(
      Failure{{"imaps://mail.example.edu/INBOX", "connection lost", "reconnects"},
              mailbox::Scope::server,
              retry});
}

} // namespace

TEST(MailWait, IdleIsOnByDefaultForImapWithATwentyFiveMinuteLimit) {
  const auto term = settings();
  EXPECT_TRUE(term.mailbox.idle);
  EXPECT_EQ(term.mailbox.idle_limit, std::chrono::minutes{25});
  EXPECT_TRUE(MailWait(term).wanted());
  // A Maildir has no IDLE; `idle = false` turns it off.
  auto maildir = term;
  maildir.mailbox.url = "maildir:/srv/mail";
  EXPECT_FALSE(MailWait(maildir).wanted());
  EXPECT_FALSE(MailWait(settings("idle = false\n")).wanted());
}

TEST(MailWait, TheLimitIsAConfigKeyOfAtMostTwentyNineMinutes) {
  EXPECT_EQ(settings("idle_limit = \"2s\"\n").mailbox.idle_limit, std::chrono::seconds{2});
  const auto over =
      setup::parse_settings(k_config_head + "idle_limit = \"30m\"\n", "/etc/term.toml");
  ASSERT_FALSE(over);
  ASSERT_EQ(over.error().size(), 1u);
  EXPECT_EQ(over.error().front().to_string(),
            "/etc/term.toml:7: idle_limit (1800 s) is over 29 minutes: servers may drop an IDLE "
            "after 30; leave it out (25 minutes) or make it at most \"29m\"");
  const auto bad = setup::parse_settings(k_config_head + "idle = \"yes\"\n", "/etc/term.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().front().to_string().find("'idle' must be true or false"),
            std::string::npos);
}

TEST(MailWait, RepliesWaitingForARetryShortenTheIdleToThePollInterval) {
  const auto term = settings();
  const MailWait wait(term);
  EXPECT_EQ(wait.limit(false), std::chrono::minutes{25});
  EXPECT_EQ(wait.limit(true), std::chrono::seconds{60});
}

TEST(MailWait, NewMailOrTheLimitPollsAtOnce) {
  const auto term = settings();
  MailWait wait(term);
  for (const auto waited : {Waited::new_mail, Waited::timed_out, Waited::woken}) {
    EXPECT_EQ(wait.after(waited).sleep, std::chrono::seconds{0});
    EXPECT_TRUE(wait.wanted());
  }
}

TEST(MailWait, AServerWithoutIdleOrRefusingItIsPolledEveryPollInterval) {
  const auto term = settings();
  MailWait without(term);
  EXPECT_EQ(without.after(Waited::not_offered).sleep, std::chrono::seconds{60});
  EXPECT_FALSE(without.wanted());
  MailWait refusing(term);
  EXPECT_EQ(refusing.after(broken(mailbox::Retry::never)).sleep, std::chrono::seconds{60});
  EXPECT_FALSE(refusing.wanted());
  // A reload (SIGHUP) asks again.
  refusing.reset();
  EXPECT_TRUE(refusing.wanted());
}

TEST(MailWait, ABrokenIdleConnectionReconnectsWithBackoffAndIsGivenUpAfterThree) {
  const auto term = settings();
  MailWait wait(term);
  EXPECT_EQ(wait.after(broken(mailbox::Retry::later)).sleep, std::chrono::seconds{5});
  EXPECT_EQ(wait.after(broken(mailbox::Retry::later)).sleep, std::chrono::seconds{10});
  EXPECT_TRUE(wait.wanted());
  EXPECT_EQ(wait.after(broken(mailbox::Retry::later)).sleep, std::chrono::seconds{60});
  EXPECT_FALSE(wait.wanted());
  // One IDLE that ends as it should clears the count.
  MailWait healed(term);
  (void)healed.after(broken(mailbox::Retry::later));
  (void)healed.after(broken(mailbox::Retry::later));
  (void)healed.after(Waited::timed_out);
  EXPECT_EQ(healed.after(broken(mailbox::Retry::later)).sleep, std::chrono::seconds{5});
  EXPECT_TRUE(healed.wanted());
}
