// The send limits of the outbox relay (docs/reliability-cases.md A6 c, d): a per-recipient daily
// cap (Cc's included) and an hourly circuit breaker, both counted from the ledger's sent rows, so a
// restart resets nothing. A reply over a limit stays queued, is not tried and not failed, and goes
// out when the rolling window has room; each hold is logged once. Also the config keys and the
// envelope sender (bounce_address, docs/reliability-cases.md 9.1).
#include "app/ledger/fixture.hpp"
#include "outbox/relay.hpp"
#include "setup/replies.hpp"
#include "setup/settings.hpp"
#include "support/settings_problems.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

using namespace mailroom;
using test::at;

namespace {

// Records one new mail whose reply goes to `recipients`, created at `when`.
class Enqueuer {
public:
  explicit Enqueuer(ledger::SqliteLedger& ledger) : m_ledger(ledger) {}

  void reply(const std::string& identity, std::vector<std::string> recipients, const char* when) {
    const std::string name = "m" + std::to_string(++m_next);
    auto decision = test::decision_named(name, when);
    decision.classification.kind = "slides";
    decision.reply = judge::ReplyKind::receipt;
    const auto mail = test::new_mail(decision, "Subject: " + name + "\r\n\r\n" + name + "\r\n");
    pipeline::OutgoingReply out;
    out.kind = "receipt";
    out.identity = identity;
    out.recipients = std::move(recipients);
    out.message_id = "<receipt." + name + "@mailroom.demo-f25.invalid>";
    out.message = "Subject: Receipt\r\n\r\nthanks\r\n";
    out.max_per_day = 1000; // the per-student cap is not under test here
    auto recorded = m_ledger.record(mail, decision, at(when), out);
    ASSERT_TRUE(recorded) << recorded.error().to_string();
  }

private:
  ledger::SqliteLedger& m_ledger;
  int m_next = 0;
};

class CountingSender final : public outbox::Sender {
public:
  std::map<std::string, int> received;
  std::vector<std::string> envelope_from;
  outbox::SendOutcome send(const outbox::Envelope& envelope, const std::string&) override {
    ++received[envelope.recipient];
    envelope_from.push_back(envelope.from);
    return {outbox::Delivery::sent, "250 ok"};
  }
};

// spdlog's default logger into a string for the life of this object.
class CapturedLog {
public:
  CapturedLog() : m_previous(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(m_text);
    auto logger = std::make_shared<spdlog::logger>("captured", sink);
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(m_previous); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  [[nodiscard]] std::string text() const { return m_text.str(); }
  // Lines at `level` ("warning", "critical") that contain `needle`.
  [[nodiscard]] int count(const std::string& level, const std::string& needle) const {
    std::istringstream lines(m_text.str());
    int n = 0;
    for (std::string line; std::getline(lines, line);)
      if (line.starts_with(level + " ") && line.find(needle) != std::string::npos)
        ++n;
    return n;
  }

private:
  std::ostringstream m_text;
  std::shared_ptr<spdlog::logger> m_previous;
};

int rows_in(ledger::SqliteLedger& ledger, const std::string& state) {
  auto rows = ledger.replies(state);
  EXPECT_TRUE(rows) << rows.error().to_string();
  return rows ? static_cast<int>(rows->size()) : -1;
}

const std::vector<std::string> k_group{"ada@example.edu", "alan@example.edu", "grace@example.edu",
                                       "edsger@example.edu"};

} // namespace

TEST(SendLimits, NoRecipientGetsMoreThanItsDailyCapCcsIncluded) {
  // A6 (c): a 4-member group whose members each submit 3 times; every reply goes to the
  // sender and Cc's the other three, so each address is due 12 replies. Cap: 5 a day.
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  Enqueuer enqueue(ledger);
  for (int round = 0; round < 3; ++round)
    for (std::size_t member = 0; member < k_group.size(); ++member) {
      auto recipients = k_group;
      std::rotate(recipients.begin(), recipients.begin() + static_cast<long>(member),
                  recipients.end());
      enqueue.reply(k_group[member].substr(0, k_group[member].find('@')), recipients,
                    "2025-10-06T12:00:00Z");
    }
  ASSERT_EQ(rows_in(ledger, "queued"), 48);
  const outbox::SendLimits limits{5, 1000};
  CountingSender sender;
  CapturedLog log;
  auto counts = outbox::relay(ledger, sender, "staff@example.edu", at("2025-10-06T12:01:00Z"),
                              core::Backoff{}, limits);
  EXPECT_EQ(counts.sent, 20);
  EXPECT_EQ(counts.held, 28);
  EXPECT_EQ(counts.failed + counts.retried, 0);
  for (const auto& address : k_group)
    EXPECT_EQ(sender.received[address], 5) << address;
  // Held rows are queued for staff, not failed, and say why.
  EXPECT_EQ(rows_in(ledger, "queued"), 28);
  EXPECT_EQ(rows_in(ledger, "failed"), 0);
  auto queued = ledger.replies("queued");
  ASSERT_TRUE(queued);
  const auto ada = std::ranges::find(*queued, "ada@example.edu", &pipeline::ReplyRow::recipient);
  ASSERT_NE(ada, queued->end());
  EXPECT_EQ(ada->last_error,
            "held: daily limit of the recipient: 5 replies to ada@example.edu in the last 24 h "
            "(max 5); the next may go at 2025-10-07T12:01:00Z");
  EXPECT_EQ(ada->attempts, 0);
  // One warning names every capped address; later passes stay quiet and send nothing.
  EXPECT_EQ(log.count("warning", "reached [replies] max_per_recipient_per_day = 5"), 1)
      << log.text();
  EXPECT_NE(log.text().find("alan@example.edu, grace@example.edu, edsger@example.edu, "
                            "ada@example.edu reached"),
            std::string::npos)
      << log.text();
  counts = outbox::relay(ledger, sender, "staff@example.edu", at("2025-10-06T18:00:00Z"),
                         core::Backoff{}, limits);
  EXPECT_EQ(counts.sent, 0);
  EXPECT_EQ(counts.held, 28);
  EXPECT_EQ(log.count("warning", "max_per_recipient_per_day"), 1) << log.text();
  // 24 h after the first sends the window has room for 5 more each.
  counts = outbox::relay(ledger, sender, "staff@example.edu", at("2025-10-07T12:01:00Z"),
                         core::Backoff{}, limits);
  EXPECT_EQ(counts.sent, 20);
  for (const auto& address : k_group)
    EXPECT_EQ(sender.received[address], 10) << address;
}

TEST(SendLimits, TheRecipientCapIgnoresLetterCase) {
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  Enqueuer enqueue(ledger);
  enqueue.reply("ada", {"ada@example.edu"}, "2025-10-06T12:00:00Z");
  enqueue.reply("ada", {"Ada@Example.EDU"}, "2025-10-06T12:00:00Z");
  CountingSender sender;
  CapturedLog log;
  const auto counts = outbox::relay(ledger, sender, "staff@example.edu", at("2025-10-06T12:00:10Z"),
                                    core::Backoff{}, {1, 100});
  EXPECT_EQ(counts.sent, 1);
  EXPECT_EQ(counts.held, 1);
}

TEST(SendLimits, TheHourlyBreakerStopsSendingWarnsOnceAndKeepsTheQueueAcrossARestart) {
  // A6 (d): a burst of 15 replies to 15 addresses against a breaker of 10 an hour.
  test::LedgerFixture fixture;
  const outbox::SendLimits limits{20, 10};
  CountingSender sender;
  CapturedLog log;
  {
    auto ledger = fixture.open();
    Enqueuer enqueue(ledger);
    for (int i = 0; i < 15; ++i)
      enqueue.reply("s" + std::to_string(i), {"s" + std::to_string(i) + "@example.edu"},
                    "2025-10-06T12:00:00Z");
    const auto counts = outbox::relay(ledger, sender, "staff@example.edu",
                                      at("2025-10-06T12:00:30Z"), core::Backoff{}, limits);
    EXPECT_EQ(counts.sent, 10);
    EXPECT_EQ(counts.held, 5);
    EXPECT_EQ(rows_in(ledger, "queued"), 5);
    EXPECT_EQ(rows_in(ledger, "failed"), 0);
    auto queued = ledger.replies("queued");
    ASSERT_TRUE(queued);
    for (const auto& row : *queued) {
      EXPECT_EQ(row.last_error, "held: hourly limit: 10 replies sent in the last hour (max 10); "
                                "sending resumes at 2025-10-06T13:00:30Z");
      EXPECT_EQ(row.attempts, 0);
    }
  }
  EXPECT_EQ(log.count("critical", "the most [replies] max_per_hour = 10 allows: sending "
                                  "stopped; 5 replies stay queued"),
            1)
      << log.text();
  {
    // A restart: a new connection counts the same sent rows; nothing goes, no new warning.
    auto ledger = fixture.open();
    const auto counts = outbox::relay(ledger, sender, "staff@example.edu",
                                      at("2025-10-06T12:40:00Z"), core::Backoff{}, limits);
    EXPECT_EQ(counts.sent, 0);
    EXPECT_EQ(counts.held, 5);
  }
  EXPECT_EQ(log.count("critical", "max_per_hour"), 1) << log.text();
  {
    auto ledger = fixture.open();
    const auto counts = outbox::relay(ledger, sender, "staff@example.edu",
                                      at("2025-10-06T13:00:30Z"), core::Backoff{}, limits);
    EXPECT_EQ(counts.sent, 5);
    EXPECT_EQ(rows_in(ledger, "queued"), 0);
    EXPECT_EQ(rows_in(ledger, "sent"), 15);
  }
  EXPECT_EQ(log.count("critical", "max_per_hour"), 1) << log.text();
  EXPECT_EQ(log.count("info", "sending resumed"), 1) << log.text();
  EXPECT_EQ(sender.received.size(), 15u);
}

TEST(SendLimits, ABouncedReplyStillCountsAsSent) {
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  Enqueuer enqueue(ledger);
  enqueue.reply("ada", {"ada@example.edu"}, "2025-10-06T12:00:00Z");
  CountingSender sender;
  (void)outbox::relay(ledger, sender, "staff@example.edu", at("2025-10-06T12:00:10Z"),
                      core::Backoff{}, {1, 100});
  auto sent = ledger.replies("sent");
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->size(), 1u);
  ASSERT_EQ(*ledger.reply_bounced(sent->front().message_id, "ada@example.edu", "5.1.1"), 1);
  const auto day = ledger.sent_since(at("2025-10-06T00:00:00Z"), "ADA@example.edu");
  ASSERT_TRUE(day);
  EXPECT_EQ(day->count, 1);
  EXPECT_EQ(day->oldest, at("2025-10-06T12:00:10Z"));
  EXPECT_EQ(ledger.sent_since(at("2025-10-06T12:00:11Z"))->count, 0);
}

TEST(SendLimits, TheConfigKeysAreReadAndTheDefaultsAreTwentyAndTwoHundred) {
  const auto defaults =
      setup::parse_settings("rules = \"r\"\nstate_dir = \"s\"\n[mailbox]\nurl = \"maildir:m\"\n",
                            "/etc/mailroom/term.toml");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->replies.max_per_recipient_per_day, 20);
  EXPECT_EQ(defaults->replies.max_per_hour, 200);
  EXPECT_EQ(defaults->outbox.bounce_address, "");
  const auto set =
      setup::parse_settings("rules = \"r\"\nstate_dir = \"s\"\n[mailbox]\nurl = \"maildir:m\"\n"
                            "[outbox]\nbounce_address = \"<>\"\n"
                            "[replies]\nmax_per_recipient_per_day = 3\nmax_per_hour = 0\n",
                            "/etc/mailroom/term.toml");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->replies.max_per_recipient_per_day, 3);
  EXPECT_EQ(set->replies.max_per_hour, 0);
  EXPECT_EQ(set->outbox.bounce_address, "<>");
}

TEST(SendLimits, BadValuesAreRefusedWithFileLineAndFix) {
  const auto lines = test::settings_problems(
      "rules = \"r\"\nstate_dir = \"s\"\n[mailbox]\nurl = \"maildir:m\"\n"
      "[outbox]\nbounce_address = \"bounces at example.edu\"\n"
      "[replies]\nmax_per_recipient_per_day = -1\nmax_per_hour = \"lots\"\n");
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "/etc/mailroom/term.toml:6: bad bounce_address 'bounces at example.edu'; "
                       "write an address (\"NAME@DOMAIN\") or \"<>\" for the null sender",
                       "/etc/mailroom/term.toml:8: 'max_per_recipient_per_day' must be a whole "
                       "number, 0 or more",
                       "/etc/mailroom/term.toml:9: 'max_per_hour' must be a whole number, 0 or "
                       "more"}));
}

TEST(SendLimits, TheEnvelopeSenderIsTheBounceAddressByDefaultTheDeskAddress) {
  // Bounces come back to the watched mailbox, the desk ([outbox] from, else the course
  // file's staff_address), unless bounce_address says otherwise; "<>" is the null sender.
  const auto course = test::demo_course();
  setup::Settings settings;
  EXPECT_EQ(setup::envelope_from(settings, course), "staff@example.edu");
  settings.outbox.from = "Desk <desk@example.edu>";
  EXPECT_EQ(setup::envelope_from(settings, course), "desk@example.edu");
  const auto plan = setup::make_reply_plan(settings, course);
  EXPECT_EQ(plan.from, "Desk <desk@example.edu>");
  EXPECT_EQ(plan.reply_to, "desk@example.edu");
  EXPECT_EQ(plan.gates.own_address, "desk@example.edu");
  EXPECT_EQ(plan.gates.own_domain, "mailroom.demo-f25.example.edu");
  settings.outbox.bounce_address = "bounces@example.edu";
  EXPECT_EQ(setup::envelope_from(settings, course), "bounces@example.edu");
  settings.outbox.bounce_address = "<>";
  EXPECT_EQ(setup::envelope_from(settings, course), "");
  // The config's limits are the ones the daemon's relay holds the outbox to.
  settings.replies.max_per_recipient_per_day = 7;
  settings.replies.max_per_hour = 70;
  EXPECT_EQ(setup::send_limits(settings).per_recipient_per_day, 7);
  EXPECT_EQ(setup::send_limits(settings).per_hour, 70);
}
