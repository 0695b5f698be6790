// The daily digest and the reminders end to end, with a test clock: queued by the same
// function the daemon calls each poll (daemon/scheduled_mail.hpp), relayed through the
// outbox to the real SMTP sink (tests/support/smtp_sink.py), across a day boundary, a
// restart (the ledger and sender opened afresh) and a downtime of two days.
#include "daemon/scheduled_mail.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "outbox/relay.hpp"
#include "setup/replies.hpp"
#include "setup/rules_files.hpp"
#include "setup/settings.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/fixture_servers.hpp"
#include "support/instant.hpp"
#include "support/temp_dir.hpp"
#include "support/test_clock.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <regex>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

using test::k_dovecot;
using test::k_sink;

using test::at;

// A course term whose slides are reminded 48 h ahead and whose digest goes to staff at
// 08:00 course time, sending through the sink. The course id is new on every run, so
// the Message-IDs (mailroom.<id>.example.edu) name this run's mail only in the shared spool.
struct ScheduledTerm {
  test::TempDir dir;
  std::string course_id =
      fmt::format("digest-{}", std::chrono::system_clock::now().time_since_epoch().count());

  ScheduledTerm() {
    auto toml = test::k_course_toml;
    toml.replace(toml.find("demo-f25"), 8, course_id);
    const std::string slides = "[deliverable.slides]\n";
    toml.insert(toml.find(slides) + slides.size(), "remind = \"48h\"\n");
    test::write_demo_rules(dir / "rules", toml);
    test::write_secret(dir / "smtp-password", "secret\n");
    test::write_file(
        dir / "term.toml",
        fmt::format("rules = \"rules\"\nstate_dir = \"state\"\n"
                    "[mailbox]\nurl = \"maildir:maildir\"\n"
                    "[outbox]\nurl = \"smtp://127.0.0.1:{}\"\nfrom = \"staff@example.edu\"\n"
                    "user = \"staff\"\npassword_file = \"smtp-password\"\nca_file = \"{}\"\n"
                    "timeout = \"5s\"\n"
                    "[digest]\nto = [\"staff@example.edu\"]\nat = \"08:00\"\n",
                    k_sink.port, k_dovecot.ca_file().string()));
  }
};

// One run of mailroom on the term: what the daemon holds between polls.
struct Process {
  setup::Settings settings;
  rules::Course course;
  pipeline::ReplyPlan plan;
  std::optional<ledger::SqliteLedger> ledger;
  std::unique_ptr<outbox::Sender> sender;

  explicit Process(const ScheduledTerm& term) {
    auto loaded = setup::load_settings(term.dir / "term.toml");
    EXPECT_TRUE(loaded) << (loaded ? "" : loaded.error().front().to_string());
    settings = *loaded;
    auto rules = setup::load_rules(settings.rules_dir);
    EXPECT_TRUE(rules) << (rules ? "" : rules.error().front().to_string());
    course = *rules;
    plan = setup::make_reply_plan(settings, course);
    auto opened = ledger::SqliteLedger::open(settings.state_dir, ledger::OpenMode::create);
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().to_string());
    ledger.emplace(std::move(*opened));
    // The SMTP adapter linked in: the test binary has no network module beside it.
    auto smtp = setup::smtp_settings(settings);
    EXPECT_TRUE(smtp) << (smtp ? "" : smtp.error().to_string());
    auto made = outbox::SmtpSender::make(std::move(*smtp));
    EXPECT_TRUE(made) << (made ? "" : made.error().to_string());
    sender = std::move(*made);
  }

  // One poll's worth: queue what is due, then relay the outbox.
  daemon::QueuedCounts poll(core::Instant now) {
    auto queued = daemon::queue_scheduled_mail(*ledger, course, settings, plan, now);
    EXPECT_TRUE(queued) << (queued ? "" : queued.error().to_string());
    const auto relayed = outbox::relay(*ledger, *sender, setup::envelope_from(settings, course),
                                       now, {}, setup::send_limits(settings));
    EXPECT_EQ(relayed.failed + relayed.retried + relayed.held, 0);
    return queued.value_or(daemon::QueuedCounts{});
  }
};

// The messages of this run in the sink's spool, by Message-ID, with their recipients.
struct SpooledMail {
  std::string message;
  std::string rcpt_to;
};
std::multimap<std::string, SpooledMail> spooled(const ScheduledTerm& term) {
  std::multimap<std::string, SpooledMail> out;
  const std::regex message_id("Message-ID: <([^@>]+)@mailroom\\." + term.course_id +
                              "\\.example\\.edu>");
  const std::regex rcpt("\"rcpt_tos\": \\[\"([^\"]+)\"");
  for (const auto& entry : fs::directory_iterator(k_sink.dir / "spool")) {
    if (entry.path().extension() != ".eml")
      continue;
    const auto message = test::read_text(entry.path());
    std::smatch id;
    if (!std::regex_search(message, id, message_id))
      continue;
    auto json_path = entry.path();
    const auto json = test::read_text(json_path.replace_extension(".json"));
    std::smatch to;
    std::regex_search(json, to, rcpt);
    out.insert({id[1].str(), {message, to.size() > 1 ? to[1].str() : ""}});
  }
  return out;
}

} // namespace

TEST(ScheduledMail, DigestAndRemindersReachTheSinkOnceEachAcrossADayARestartAndADowntime) {
  ScheduledTerm term;
  // Sat Oct 4 2025, 08:00 EDT: Saturday's digest is due, on time.
  test::TestClock clock(at("2025-10-04T12:00:00Z"));
  {
    Process mailroom(term);
    auto queued = mailroom.poll(clock.now());
    EXPECT_EQ(queued.digests, 1);
    EXPECT_EQ(queued.reminders, 0);
    // Group 1's slides for Tue Oct 7 are due Mon Oct 6, 10:30 EDT; 48 h before, its two
    // members are reminded, once.
    clock.set(at("2025-10-04T14:30:00Z"));
    queued = mailroom.poll(clock.now());
    EXPECT_EQ(queued.digests, 0);
    EXPECT_EQ(queued.reminders, 2);
    clock.advance(std::chrono::minutes{1});
    queued = mailroom.poll(clock.now());
    EXPECT_EQ(queued.digests + queued.reminders, 0);
  }
  {
    // A restart the same day: nothing goes twice.
    Process mailroom(term);
    clock.set(at("2025-10-04T15:00:00Z"));
    auto queued = mailroom.poll(clock.now());
    EXPECT_EQ(queued.digests + queued.reminders, 0);
    // Across the day boundary in course time (23:59:59 EDT, then Sunday 08:00).
    clock.set(at("2025-10-05T03:59:59Z"));
    queued = mailroom.poll(clock.now());
    EXPECT_EQ(queued.digests + queued.reminders, 0);
    clock.set(at("2025-10-05T12:00:00Z"));
    queued = mailroom.poll(clock.now());
    EXPECT_EQ(queued.digests, 1);
    EXPECT_EQ(queued.reminders, 0);
  }
  {
    // Down from Sunday until Tuesday 14:00 EDT: Monday's digest was missed, and only
    // Tuesday's goes, marked late; the slides' deadline passed, so no reminder either.
    Process mailroom(term);
    clock.set(at("2025-10-07T18:00:00Z"));
    auto queued = mailroom.poll(clock.now());
    EXPECT_EQ(queued.digests, 1);
    EXPECT_EQ(queued.reminders, 0);
    clock.advance(std::chrono::hours{1});
    queued = mailroom.poll(clock.now());
    EXPECT_EQ(queued.digests + queued.reminders, 0);
  }

  const auto sent = spooled(term);
  std::map<std::string, int> counts;
  for (const auto& [id, mail] : sent)
    ++counts[id];
  EXPECT_EQ(counts, (std::map<std::string, int>{{"digest.2025-10-04", 1},
                                                {"digest.2025-10-05", 1},
                                                {"digest.2025-10-07", 1},
                                                {"reminder.slides.2025-10-07.1.ada", 1},
                                                {"reminder.slides.2025-10-07.1.alan", 1}}));
  const auto& ada = sent.find("reminder.slides.2025-10-07.1.ada")->second;
  EXPECT_EQ(ada.rcpt_to, "ada@example.edu");
  EXPECT_NE(ada.message.find("Subject: Reminder: Slides for Tue Oct 7 due Mon Oct 6, 10:30 AM "
                             "EDT, Group 1"),
            std::string::npos);
  EXPECT_NE(ada.message.find("Auto-Submitted: auto-generated"), std::string::npos);
  const auto& late = sent.find("digest.2025-10-07")->second;
  EXPECT_EQ(late.rcpt_to, "staff@example.edu");
  EXPECT_NE(late.message.find("Subject: [late] Digest Tue Oct 7:"), std::string::npos);
  EXPECT_NE(late.message.find("Content-Disposition: attachment; filename=ledger.csv"),
            std::string::npos);
  EXPECT_NE(late.message.find("Content-Disposition: attachment; filename=term.html"),
            std::string::npos);
  const auto& on_time = sent.find("digest.2025-10-04")->second;
  EXPECT_NE(on_time.message.find("Subject: Digest Sat Oct 4:"), std::string::npos);

  // `show --scheduled` lists what went, from the ledger.
  Process mailroom(term);
  auto rows = mailroom.ledger->scheduled();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 5u);
  for (const auto& row : *rows)
    EXPECT_EQ(row.states, std::vector<std::string>{"sent"}) << row.key;
  EXPECT_TRUE(rows->back().late);
}

TEST(ScheduledMail, AFreshInstallSendsNoDigestOfADayBeforeItStarted) {
  // A state folder created on Tue Oct 7 at 14:00 EDT, long after the day's 08:00: neither
  // Monday's nor Tuesday's digest is owed, so nothing goes late; Wednesday's goes at its
  // time, on time, once, across a restart.
  ScheduledTerm term;
  test::TestClock clock(at("2025-10-07T18:00:00Z"));
  {
    Process mailroom(term);
    EXPECT_EQ(mailroom.poll(clock.now()).digests, 0);
    clock.set(at("2025-10-08T11:59:00Z"));
    EXPECT_EQ(mailroom.poll(clock.now()).digests, 0);
  }
  Process mailroom(term);
  clock.set(at("2025-10-08T12:00:00Z"));
  EXPECT_EQ(mailroom.poll(clock.now()).digests, 1);
  clock.advance(std::chrono::hours{1});
  EXPECT_EQ(mailroom.poll(clock.now()).digests, 0);
  auto rows = mailroom.ledger->scheduled();
  ASSERT_TRUE(rows);
  std::vector<std::string> digests;
  for (const auto& row : *rows)
    if (row.kind == pipeline::ScheduledKind::digest) {
      digests.push_back(row.key);
      EXPECT_FALSE(row.late) << row.key;
    }
  EXPECT_EQ(digests, std::vector<std::string>{"digest 2025-10-08"});
}

TEST(ScheduledMail, NoReminderToAGroupWithAnExtensionPastTheDeadline) {
  ScheduledTerm term;
  Process mailroom(term);
  ASSERT_TRUE(mailroom.ledger->extend(
      {0, "1", "slides", std::string("2025-10-07"), at("2025-10-08T12:00:00Z"), 0},
      {"staff", at("2025-10-03T12:00:00Z")}, "ill"));
  const auto queued = mailroom.poll(at("2025-10-05T11:00:00Z"));
  EXPECT_EQ(queued.reminders, 0);
}
