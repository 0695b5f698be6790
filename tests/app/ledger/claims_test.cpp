// Claims on outbox rows: two processes that relay one state folder at once (past the
// state lock, or an old build) never send a row twice, and a claim whose process died is
// released at the next start. Each SqliteLedger is its own SQLite connection, as two
// processes have.
#include "app/ledger/fixture.hpp"
#include "outbox/relay.hpp"

#include <sys/wait.h>
#include <unistd.h>

using namespace mailroom;
using test::at;

namespace {

// Records one mail from Ada with a receipt queued to `recipients`.
void record_receipt(ledger::SqliteLedger& ledger, const std::vector<std::string>& recipients) {
  auto decision = test::decision_named("claimed", "2025-10-06T12:00:00Z");
  decision.facts.from.push_back({"Ada Lovelace", "ada@example.edu"});
  decision.classification.kind = "not-a-submission";
  decision.reply = judge::ReplyKind::receipt;
  pipeline::OutgoingReply reply;
  reply.kind = "receipt";
  reply.identity = "ada";
  reply.recipients = recipients;
  reply.message_id = "<receipt.claimed@mailroom.demo-f25.invalid>";
  reply.message = "Subject: Receipt\r\n\r\nthanks\r\n";
  reply.max_per_day = 10;
  const auto mail = test::new_mail(decision, "Subject: claimed\r\n\r\nclaimed\r\n");
  auto recorded = ledger.record(mail, decision, at("2025-10-06T12:00:00Z"), reply);
  ASSERT_TRUE(recorded) << recorded.error().to_string();
}

// A sender that counts, and runs `during` (once) while it holds the first reply: what
// another process does while this one talks to the server.
class SlowSender final : public outbox::Sender {
public:
  std::function<void()> during;
  std::vector<std::string> recipients;
  outbox::SendOutcome send(const outbox::Envelope& envelope, const std::string&) override {
    recipients.push_back(envelope.recipient);
    if (auto once = std::exchange(during, {}))
      once();
    return {outbox::Delivery::sent, "250 ok"};
  }
};

// A pid that was used and has ended (a child that exited and was reaped).
std::int64_t pid_of_an_ended_process() {
  const pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

} // namespace

TEST(LedgerClaims, OfTwoConnectionsClaimingOneRowExactlyOneGetsIt) {
  test::LedgerFixture fixture;
  auto first = fixture.open();
  auto second = fixture.open();
  record_receipt(first, {"ada@example.edu"});
  const auto rows = first.replies("queued");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  const auto id = (*rows)[0].id;
  const auto now = at("2025-10-06T12:00:05Z");
  EXPECT_EQ(first.claim_reply(id, ::getpid(), now), true);
  EXPECT_EQ(second.claim_reply(id, ::getpid() + 1, now), false);
  const auto sending = second.replies("sending");
  ASSERT_TRUE(sending);
  ASSERT_EQ(sending->size(), 1u);
  EXPECT_EQ((*sending)[0].claimed_by, ::getpid());
  EXPECT_EQ((*sending)[0].claimed_at, now);
  // A claimed row is not due: another relay does not even see it.
  EXPECT_TRUE(second.due_replies(now + std::chrono::hours{1})->empty());
}

TEST(LedgerClaims, ARelayRunningBesideAnotherSendsNoRowTwice) {
  // The first relay is in the middle of sending the first of two replies when the second
  // relay (another connection) starts its pass.
  test::LedgerFixture fixture;
  auto first = fixture.open();
  auto second = fixture.open();
  record_receipt(first, {"ada@example.edu", "alan@example.edu"});
  const auto now = at("2025-10-06T12:00:05Z");
  SlowSender first_sender;
  SlowSender second_sender;
  outbox::RelayCounts second_counts;
  first_sender.during = [&] {
    second_counts = outbox::relay(second, second_sender, "staff@example.edu", now);
  };
  const auto first_counts = outbox::relay(first, first_sender, "staff@example.edu", now);
  // Between them, each recipient got the receipt once.
  auto all = first_sender.recipients;
  all.insert(all.end(), second_sender.recipients.begin(), second_sender.recipients.end());
  std::ranges::sort(all);
  EXPECT_EQ(all, (std::vector<std::string>{"ada@example.edu", "alan@example.edu"}));
  EXPECT_EQ(first_counts.sent + second_counts.sent, 2);
  EXPECT_EQ(first_counts.taken, 1); // alan's row went with the second relay
  auto sent = first.replies("sent");
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->size(), 2u);
}

TEST(LedgerClaims, AClaimOfAProcessThatEndedIsReleasedAndTheRowSentOnce) {
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  record_receipt(ledger, {"ada@example.edu"});
  const auto id = (*ledger.replies("queued"))[0].id;
  const auto now = at("2025-10-06T12:00:05Z");
  // A process claimed it and died before its mark.
  ASSERT_EQ(ledger.claim_reply(id, pid_of_an_ended_process(), now), true);
  SlowSender sender;
  EXPECT_EQ(outbox::relay(ledger, sender, "staff@example.edu", now).sent, 0); // still claimed
  EXPECT_EQ(outbox::release_dead_claims(ledger, now + std::chrono::seconds{1}), 1);
  EXPECT_EQ(outbox::relay(ledger, sender, "staff@example.edu", now).sent, 1);
  EXPECT_EQ(sender.recipients, std::vector<std::string>{"ada@example.edu"});
  EXPECT_EQ(outbox::release_dead_claims(ledger, now + std::chrono::seconds{2}), 0);
  EXPECT_EQ(outbox::relay(ledger, sender, "staff@example.edu", now).sent, 0);
}

TEST(LedgerClaims, AClaimOfARunningProcessIsKeptUntilItExpires) {
  test::LedgerFixture fixture;
  auto ledger = fixture.open();
  record_receipt(ledger, {"ada@example.edu"});
  const auto id = (*ledger.replies("queued"))[0].id;
  const auto now = at("2025-10-06T12:00:05Z");
  // pid 1 runs for as long as the system does.
  ASSERT_EQ(ledger.claim_reply(id, 1, now), true);
  EXPECT_EQ(outbox::release_dead_claims(ledger, now + std::chrono::minutes{5}), 0);
  EXPECT_EQ(ledger.replies("sending")->size(), 1u);
  EXPECT_EQ(
      outbox::release_dead_claims(ledger, now + outbox::k_claim_expiry + std::chrono::seconds{1}),
      1);
  EXPECT_EQ(ledger.replies("queued")->size(), 1u);
}
