// The outbox in the ledger (migration 2): reply rows written with the decision, the
// per-student cap counted at enqueue and kept across restarts, and the relay's marks and
// retry schedule (docs/reliability-cases.md E7).
#include "app/ledger/fixture.hpp"
#include "outbox/directory_sender.hpp"
#include "outbox/relay.hpp"
#include "pipeline/engine.hpp"
#include "setup/settings.hpp"

using namespace mailroom;
using test::at;

namespace {

struct Recorder {
  const test::LedgerFixture& fixture;
  int next = 0;

  // Records a new mail from Ada (roster identity "ada"), with `reply` enqueued.
  pipeline::RecordOutcome record(ledger::SqliteLedger& ledger, const pipeline::OutgoingReply& reply,
                                 const char* when) {
    const std::string name = "m" + std::to_string(++next);
    auto decision = test::decision_named(name, when);
    decision.facts.from.push_back({"Ada Lovelace", "ada@example.edu"});
    decision.classification.kind = "not-a-submission";
    decision.reply = judge::ReplyKind::receipt;
    const auto mail = test::new_mail(decision, "Subject: " + name + "\r\n\r\n" + name + "\r\n");
    auto recorded = ledger.record(mail, decision, at(when), reply);
    EXPECT_TRUE(recorded) << recorded.error().to_string();
    return recorded.value_or(pipeline::RecordOutcome{});
  }
};

pipeline::OutgoingReply receipt(std::vector<std::string> recipients = {"ada@example.edu",
                                                                       "alan@example.edu"}) {
  pipeline::OutgoingReply reply;
  reply.kind = "receipt";
  reply.identity = "ada";
  reply.recipients = std::move(recipients);
  reply.message_id = "<receipt.x@mailroom.demo-f25.invalid>";
  reply.message = "Subject: Receipt\r\n\r\nthanks\r\n";
  reply.max_per_day = 10;
  return reply;
}

int count(ledger::SqliteLedger& ledger, const std::string& state) {
  auto rows = ledger.replies(state);
  EXPECT_TRUE(rows);
  return rows ? static_cast<int>(rows->size()) : -1;
}

// A sender that answers as told, and counts.
class ScriptedSender final : public outbox::Sender {
public:
  outbox::Delivery answer = outbox::Delivery::sent;
  std::vector<std::string> recipients;
  outbox::SendOutcome send(const outbox::Envelope& envelope, const std::string&) override {
    recipients.push_back(envelope.recipient);
    return {answer, answer == outbox::Delivery::permanent ? "550 5.1.1 no such user" : "ok"};
  }
};

} // namespace

TEST(LedgerOutbox, OneQueuedRowPerRecipientInTheRecordTransaction) {
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  Recorder recorder{fixture};
  recorder.record(ledger, receipt(), "2025-10-06T12:00:00Z");
  auto rows = ledger.replies();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].recipient, "ada@example.edu");
  EXPECT_EQ((*rows)[1].recipient, "alan@example.edu");
  EXPECT_EQ((*rows)[0].state, "queued");
  EXPECT_EQ((*rows)[0].message_id, (*rows)[1].message_id);
  auto settings = ledger.settings();
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->user_version, ledger::k_schema_version);
}

TEST(LedgerOutbox, ASuppressedReplyIsRecordedWithWhy) {
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  Recorder recorder{fixture};
  auto reply = receipt();
  reply.suppressed = "automated mail is never answered (RFC 3834): List-Id present";
  recorder.record(ledger, reply, "2025-10-06T12:00:00Z");
  auto rows = ledger.replies("suppressed");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].why, *reply.suppressed);
  EXPECT_EQ(count(ledger, "queued"), 0);
}

TEST(LedgerOutbox, ElevenMailsInADayGetTenRepliesAndARestartResetsNothing) {
  test::LedgerFixture fixture;
  Recorder recorder{fixture};
  {
    auto ledger = fixture.open();
    for (int i = 0; i < 5; ++i)
      recorder.record(ledger, receipt({"ada@example.edu"}), "2025-10-06T12:00:00Z");
  }
  auto ledger = fixture.open(); // a restart: a new connection, the same ledger
  for (int i = 5; i < 11; ++i)
    recorder.record(ledger, receipt({"ada@example.edu"}), "2025-10-06T20:00:00Z");
  EXPECT_EQ(count(ledger, "queued"), 10);
  auto suppressed = ledger.replies("suppressed");
  ASSERT_TRUE(suppressed);
  ASSERT_EQ(suppressed->size(), 1u);
  EXPECT_NE((*suppressed)[0].why.find("rate limit: 10 replies to ada in the last 24 h (max 10)"),
            std::string::npos)
      << (*suppressed)[0].why;
  // The window rolls: 24 h after the first five, there is room again.
  recorder.record(ledger, receipt({"ada@example.edu"}), "2025-10-07T12:00:01Z");
  EXPECT_EQ(count(ledger, "queued"), 11);
  // A suppressed reply does not count against the cap.
  EXPECT_EQ(*ledger.replies_since("ada", at("2025-10-06T00:00:00Z")), 11);
}

TEST(LedgerOutbox, TheCapCountsRepliesNotRecipients) {
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  Recorder recorder{fixture};
  auto reply = receipt();
  reply.max_per_day = 2;
  for (int i = 0; i < 3; ++i)
    recorder.record(ledger, reply, "2025-10-06T12:00:00Z");
  EXPECT_EQ(count(ledger, "queued"), 4);
  EXPECT_EQ(count(ledger, "suppressed"), 1);
}

TEST(LedgerOutbox, RelayMarksSentFailedAndRetriesLater) {
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  Recorder recorder{fixture};
  recorder.record(ledger, receipt(), "2025-10-06T12:00:00Z");
  ScriptedSender sender;
  const auto now = at("2025-10-06T12:00:10Z");

  sender.answer = outbox::Delivery::temporary;
  auto counts = outbox::relay(ledger, sender, "staff@example.edu", now);
  EXPECT_EQ(counts.retried, 2);
  EXPECT_EQ(sender.recipients.size(), 1u); // the first failure holds the rest back
  // Not due again before the backoff: 60 s, give or take 20 %.
  counts = outbox::relay(ledger, sender, "staff@example.edu", now + std::chrono::seconds{47});
  EXPECT_EQ(counts.sent + counts.failed + counts.retried, 0);

  sender.answer = outbox::Delivery::sent;
  counts = outbox::relay(ledger, sender, "staff@example.edu", now + std::chrono::seconds{72});
  EXPECT_EQ(counts.sent, 2);
  EXPECT_EQ(count(ledger, "sent"), 2);
  // Sent rows never go again.
  counts = outbox::relay(ledger, sender, "staff@example.edu", now + std::chrono::hours{2});
  EXPECT_EQ(counts.sent, 0);
  EXPECT_EQ(sender.recipients.size(), 3u);
}

TEST(LedgerOutbox, RetriesWaitLongerEachTimeUpToTheCapAndARestartKeepsTheWait) {
  // E7 in the ledger: the server stays down for ten tries in a row, and the ledger is
  // reopened (a daemon restart) before each. Each wait doubles from 60 s within 20 %,
  // never over the 10 min cap, and the row is not tried a second early.
  test::LedgerFixture fixture;
  {
    auto ledger = fixture.open();
    Recorder{fixture}.record(ledger, receipt({"ada@example.edu"}), "2025-10-06T12:00:00Z");
  }
  const core::Backoff backoff{std::chrono::seconds{60}, std::chrono::minutes{10}};
  ScriptedSender sender;
  sender.answer = outbox::Delivery::temporary;
  auto now = at("2025-10-06T12:00:10Z");
  for (int failures = 1; failures <= 10; ++failures) {
    SCOPED_TRACE(failures);
    auto ledger = fixture.open();
    const auto counts = outbox::relay(ledger, sender, "staff@example.edu", now, backoff);
    ASSERT_EQ(counts.retried, 1);
    const auto queued = ledger.replies("queued");
    ASSERT_TRUE(queued);
    ASSERT_EQ(queued->size(), 1u);
    const auto& row = queued->front();
    EXPECT_EQ(row.attempts, failures);
    const auto wait = row.next_attempt_at - now;
    const auto range = core::wait_range(backoff, failures);
    EXPECT_GE(wait, std::chrono::floor<std::chrono::seconds>(range.least));
    EXPECT_LE(wait, std::chrono::ceil<std::chrono::seconds>(range.most));
    EXPECT_LE(wait, std::chrono::minutes{10});
    auto reopened = fixture.open();
    EXPECT_EQ(outbox::relay(reopened, sender, "staff@example.edu",
                            row.next_attempt_at - std::chrono::seconds{1}, backoff)
                  .retried,
              0);
    now = row.next_attempt_at;
  }
  EXPECT_EQ(sender.recipients.size(), 10u);
  // Ten waits: at least 48 + 96 + 192 + 384 + 6 * 480 s (the cap's lower edge).
  EXPECT_GE(now - at("2025-10-06T12:00:10Z"), std::chrono::seconds{3600});
}

TEST(LedgerOutbox, RelayCallsBackAfterEachReplySoTheDaemonCanPingTheWatchdog) {
  // Two mails, each to Ada and Alan: four replies in one pass. The callback comes after
  // each one is sent and marked, so a slow server's wait falls between two calls.
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  Recorder recorder{fixture};
  recorder.record(ledger, receipt(), "2025-10-06T12:00:00Z");
  recorder.record(ledger, receipt(), "2025-10-06T12:00:05Z");
  ScriptedSender sender;
  std::vector<std::pair<int, int>> calls; // (replies sent so far, rows marked sent)
  const auto after_each = [&] {
    calls.emplace_back(static_cast<int>(sender.recipients.size()), count(ledger, "sent"));
  };
  const auto now = at("2025-10-06T12:00:10Z");
  auto counts =
      outbox::relay(ledger, sender, "staff@example.edu", now, core::Backoff{}, {}, after_each);
  EXPECT_EQ(counts.sent, 4);
  EXPECT_EQ(calls, (std::vector<std::pair<int, int>>{{1, 1}, {2, 2}, {3, 3}, {4, 4}}));
  // A pass with nothing due calls nothing.
  calls.clear();
  counts = outbox::relay(ledger, sender, "staff@example.edu", now + std::chrono::hours{1},
                         core::Backoff{}, {}, after_each);
  EXPECT_EQ(counts.sent, 0);
  EXPECT_TRUE(calls.empty());
}

TEST(LedgerOutbox, APermanentFailureStopsAndShowsAsReplyFailed) {
  test::LedgerFixture fixture;
  {
    auto ledger = fixture.open();
    Recorder recorder{fixture};
    recorder.record(ledger, receipt({"nobody@example.edu"}), "2025-10-06T12:00:00Z");
    ScriptedSender sender;
    sender.answer = outbox::Delivery::permanent;
    const auto counts =
        outbox::relay(ledger, sender, "staff@example.edu", at("2025-10-06T12:00:10Z"));
    EXPECT_EQ(counts.failed, 1);
    EXPECT_EQ(outbox::relay(ledger, sender, "staff@example.edu", at("2025-10-08T00:00:00Z")).failed,
              0);
  }
  const auto ran = test::mailroom("ledger --status reply-failed " + fixture.args());
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("nobody@example.edu"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("550 5.1.1 no such user"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("reply-failed"), std::string::npos) << ran.out;
}

TEST(LedgerOutbox, DirectorySenderWritesOneFilePerReplyAndRecipient) {
  test::TempDir dir;
  outbox::DirectorySender sender(dir / "outbox");
  const auto first = sender.send({"staff@example.edu", "ada@example.edu", "reply-1"}, "A\r\n");
  EXPECT_EQ(first.delivery, outbox::Delivery::sent);
  // A resend after a crash replaces the file: still one.
  EXPECT_EQ(sender.send({"staff@example.edu", "ada@example.edu", "reply-1"}, "A\r\n").delivery,
            outbox::Delivery::sent);
  EXPECT_EQ(sender.send({"staff@example.edu", "alan@example.edu", "reply-2"}, "B\r\n").delivery,
            outbox::Delivery::sent);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "outbox")) {
    EXPECT_EQ(entry.path().extension(), ".eml") << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 2);
  EXPECT_EQ(test::read_text(first.detail), "A\r\n");
}

TEST(LedgerOutbox, ABounceOfAReceiptIsRecordedAgainstItAndNeverAnswered) {
  test::LedgerFixture fixture;
  const auto maildir = fixture.dir / "maildir";
  test::make_maildir(maildir);
  test::write_file(maildir / "new" / "1.M1.test",
                   "Authentication-Results: mx.example.edu; dkim=pass header.d=example.edu\r\n"
                   "From: Ada Lovelace <ada@example.edu>\r\nTo: staff@example.edu\r\n"
                   "Subject: Slides for Oct 7\r\nMessage-ID: <ada-slides@example.edu>\r\n\r\n"
                   "Our slides: https://docs.google.com/presentation/d/abc/edit\r\n");
  // Authenticated, so the group is in Cc and the bounce can name one of two recipients.
  fixture.write_maildir_term("[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n");
  const std::string config = fixture.config();
  auto ran = test::mailroom("run --once" + config);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  std::string message_id;
  {
    auto ledger = fixture.open();
    auto sent = ledger.replies("sent");
    ASSERT_TRUE(sent);
    ASSERT_EQ(sent->size(), 2u) << ran.err; // Ada, and Alan in Cc
    message_id = (*sent)[0].message_id;
  }
  test::write_file(maildir / "new" / "2.M2.test",
                   "From: Mail Delivery System <MAILER-DAEMON@example.edu>\r\n"
                   "To: staff@example.edu\r\nSubject: Undelivered Mail Returned to Sender\r\n"
                   "Auto-Submitted: auto-replied\r\nMessage-ID: <dsn-1@example.edu>\r\n"
                   "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
                   "report-type=delivery-status; boundary=\"b\"\r\n\r\n"
                   "--b\r\nContent-Type: text/plain\r\n\r\nCould not be delivered.\r\n"
                   "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
                   "Reporting-MTA: dns; mx.example.edu\r\n\r\n"
                   "Final-Recipient: rfc822; alan@example.edu\r\nAction: failed\r\n"
                   "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
                   "--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: " +
                       message_id + "\r\nSubject: Late: slides\r\n\r\n--b--\r\n");
  ran = test::mailroom("run --once" + config);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto bounced = test::mailroom("ledger --status reply-bounced" + config);
  EXPECT_EQ(bounced.exit_code, 0) << bounced.err;
  EXPECT_NE(bounced.out.find("alan@example.edu"), std::string::npos) << bounced.out;
  EXPECT_NE(bounced.out.find("status 5.1.1; smtp; 550 5.1.1 no such user"), std::string::npos)
      << bounced.out;
  EXPECT_EQ(bounced.out.find("ada@example.edu"), std::string::npos) << bounced.out;
  // Staff find it on the review queue, against the mail whose reply bounced.
  const auto queue = test::mailroom("review --json" + config);
  EXPECT_EQ(queue.exit_code, 0) << queue.err;
  EXPECT_NE(queue.out.find("\"mail\":1,"), std::string::npos) << queue.out;
  EXPECT_NE(queue.out.find("\"reason\":\"bounce\""), std::string::npos) << queue.out;
  EXPECT_NE(queue.out.find(" to alan@example.edu: bounced: status 5.1.1; smtp; 550 5.1.1 no such "
                           "user"),
            std::string::npos)
      << queue.out;
  auto ledger = fixture.open();
  EXPECT_EQ(ledger.replies()->size(), 2u); // the bounce got no reply of its own
}

TEST(LedgerOutbox, UnauthenticatedMailIsAnsweredToTheSenderOnly) {
  const auto course = test::demo_course();
  pipeline::ReplyPlan plan;
  plan.templates["receipt"] = "Received.\n";
  plan.templates["receipt.html"] = "<p>Received.</p>\n";
  plan.from = "staff@example.edu";
  plan.gates.own_domain = "mailroom.demo-f25.invalid";
  plan.gates.own_address = "staff@example.edu";
  judge::Decision decision;
  decision.file = "m";
  decision.received_at = at("2025-10-06T12:00:00Z");
  decision.facts.from.push_back({"Ada Lovelace", "ada@example.edu"});
  decision.facts.message_id = "<m@example.edu>";
  decision.facts.sha256 = std::string(64, 'a');
  decision.classification.kind = "slides";
  decision.classification.deliverable = "slides";
  decision.classification.group = "1";
  decision.classification.student_email = "ada@example.edu";
  decision.reply = judge::ReplyKind::receipt;
  const auto now = at("2025-10-06T12:00:05Z");
  auto group = pipeline::outgoing_reply(decision, course, plan, now);
  ASSERT_TRUE(group);
  EXPECT_EQ(group->recipients, (std::vector<std::string>{"ada@example.edu", "alan@example.edu"}));
  EXPECT_EQ(group->identity, "ada");
  decision.classification.signals.push_back("unauthenticated: no trusted Authentication-Results");
  auto sender = pipeline::outgoing_reply(decision, course, plan, now);
  ASSERT_TRUE(sender);
  EXPECT_EQ(sender->recipients, std::vector<std::string>{"ada@example.edu"});
}

TEST(LedgerOutbox, TheRetryWaitsAreConfigKeysAndTheCapMayNotBeUnderTheFirstWait) {
  const std::string head = "rules = \"r\"\nstate_dir = \"s\"\n[mailbox]\nurl = \"maildir:m\"\n";
  const auto defaults = setup::parse_settings(head, "/etc/mailroom/term.toml");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->outbox.retry_after, std::chrono::seconds{60});
  EXPECT_EQ(defaults->outbox.retry_max, std::chrono::hours{1});
  const auto set = setup::parse_settings(
      head + "[outbox]\nretry_after = \"30s\"\nretry_max = \"10m\"\n", "/etc/mailroom/term.toml");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->outbox.retry_after, std::chrono::seconds{30});
  EXPECT_EQ(set->outbox.retry_max, std::chrono::minutes{10});
  const auto bad = setup::parse_settings(
      head + "[outbox]\nretry_after = \"5m\"\nretry_max = \"1m\"\n", "/etc/mailroom/term.toml");
  ASSERT_FALSE(bad);
  ASSERT_EQ(bad.error().size(), 1u);
  EXPECT_EQ(bad.error().front().to_string(),
            "/etc/mailroom/term.toml:7: retry_max (60 s) is shorter than retry_after (300 s); make "
            "retry_max at least retry_after: the waits grow from retry_after up to retry_max");
}
