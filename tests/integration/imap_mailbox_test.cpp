// The IMAP adapter against the real Dovecot of the `dovecot` CTest fixture. Each test
// works in a folder of its own (test_folder()).

#include "core/instant.hpp"
#include "integration/imap_support.hpp"
#include "mailbox/early_connection.hpp"
#include "mailbox/imap_mailbox.hpp"
#include "support/instant.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

namespace mailroom::mailbox {
namespace {

using test::Admin;
using test::Dovecot;
using test::has_flag;
using test::mail;
using test::test_folder;

struct Collected {
  std::vector<RawMail> mails;
  std::vector<core::Problem> problems;
  std::function<void(RawMail)> visit() {
    return [this](RawMail raw) { mails.push_back(std::move(raw)); };
  }
  Visitor visit_all() {
    return [this](RawMail raw) {
      mails.push_back(std::move(raw));
      return Visit::next;
    };
  }
  std::function<void(core::Problem)> on_problem() {
    return [this](core::Problem problem) { problems.push_back(std::move(problem)); };
  }
};

std::unique_ptr<ImapMailbox> make(const ImapSettings& settings) {
  auto made = ImapMailbox::make(settings);
  EXPECT_TRUE(made) << made.error().to_string();
  return made ? std::move(*made) : nullptr;
}

using test::at;

class ImapMailboxTest : public testing::Test {
protected:
  void SetUp() override { admin.recreate(); }
  void TearDown() override {
    if (!HasFailure())
      admin.remove();
  }
  Dovecot dovecot;
  std::string folder = test_folder();
  Admin admin{dovecot, folder};
};

// A stop (SIGTERM, or a mail the state folder could not take) ends the poll at that mail:
// the cursor stays before it, so the next poll hands it on, and nothing after it is lost
// although it was fetched ahead. Marks made during a poll are stored by its end.
TEST_F(ImapMailboxTest, AStopKeepsTheCursorBeforeTheMailAndTheNextPollResumes) {
  for (int i = 1; i <= 5; ++i)
    admin.append(mail(fmt::format("m{}", i)), "01-Oct-2025 10:00:00 +0000");
  auto box = make(dovecot.staff(folder));
  std::vector<std::string> seen;
  const auto record = [&](const RawMail& raw) {
    seen.push_back(raw.file);
    EXPECT_TRUE(box->mark_processed(raw.source));
    return Visit::next;
  };
  const auto poll1 = box->poll(
      {}, [&](RawMail raw) { return raw.file == "2" ? Visit::stop : record(raw); },
      [](core::Problem) {});
  EXPECT_TRUE(poll1.stopped);
  EXPECT_FALSE(poll1.failure);
  EXPECT_EQ(poll1.cursor.last_uid, 1u);
  EXPECT_FALSE(poll1.mark_failure);

  const auto poll2 = box->poll(
      poll1.cursor, [&](RawMail raw) { return record(raw); }, [](core::Problem) {});
  ASSERT_FALSE(poll2.failure) << poll2.failure->problem.to_string();
  EXPECT_FALSE(poll2.stopped);
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(poll2.cursor.last_uid, 5u);
  for (std::uint32_t uid = 1; uid <= 5; ++uid)
    EXPECT_TRUE(has_flag(admin.flags(uid), "$MailroomProcessed")) << "UID " << uid;
}

TEST_F(ImapMailboxTest, ArrivalTimeIsInternalDateWhateverItsOffset) {
  // Final report due "on or before 1:00 PM EST Dec 15": one mail exactly at the deadline
  // written with -0500, one a second later written in UTC. The Date header says October.
  const auto on_time = mail("final-on-time");
  const auto late = mail("final-late");
  admin.append(on_time, "15-Dec-2025 13:00:00 -0500");
  admin.append(late, "15-Dec-2025 18:00:01 +0000");
  admin.append(mail("padded-day"), " 5-Dec-2025 09:30:00 +0100");

  auto box = make(dovecot.staff(folder));
  Collected got;
  const auto poll = box->poll({}, got.visit_all(), got.on_problem());

  ASSERT_FALSE(poll.failure) << poll.failure->problem.to_string();
  ASSERT_EQ(got.mails.size(), 3u);
  EXPECT_EQ(got.mails[0].received_at, at("2025-12-15T18:00:00Z"));
  EXPECT_EQ(got.mails[1].received_at, at("2025-12-15T18:00:01Z"));
  EXPECT_EQ(got.mails[2].received_at, at("2025-12-05T08:30:00Z"));
  EXPECT_EQ(got.mails[0].raw, on_time); // byte for byte, CRLF kept
  EXPECT_EQ(got.mails[1].raw, late);
  EXPECT_EQ(got.mails[0].file, "1");
  EXPECT_EQ(got.mails[0].source, fmt::format("imap://127.0.0.1/{};UIDVALIDITY={};UID=1", folder,
                                             box->folder()->uidvalidity));
  EXPECT_TRUE(got.problems.empty());
}

TEST_F(ImapMailboxTest, BodiesThatLookLikeProtocolArriveIntact) {
  // A body line that starts with a tag and status, one that looks like an untagged
  // FETCH, and one ending in a literal announcement: only byte counting gets these right.
  const auto tricky = mail("tricky", "M5 OK looks like a tagged response\r\n"
                                     "* 3 FETCH (UID 99 BODY[] {5}\r\n"
                                     "a line that ends like a literal {12}\r\n"
                                     ")\r\n"
                                     "\r\n");
  std::string big = mail("big", std::string(300'000, 'x') + "\r\n"); // one 300 KB line
  admin.append(tricky, "01-Oct-2025 10:00:00 +0000");
  admin.append(big, "01-Oct-2025 10:00:01 +0000");

  auto box = make(dovecot.staff(folder));
  Collected got;
  const auto poll = box->poll({}, got.visit_all(), got.on_problem());

  ASSERT_FALSE(poll.failure) << poll.failure->problem.to_string();
  ASSERT_EQ(got.mails.size(), 2u);
  EXPECT_EQ(got.mails[0].raw, tricky);
  EXPECT_EQ(got.mails[1].raw, big);
}

// What the engine computes from a mail's bytes alone (its hash) is done on the fetching
// thread, and each mail reaches the visitor with it.
TEST_F(ImapMailboxTest, PrepareAheadRunsOnTheFetchingThreadBeforeTheVisit) {
  admin.append(mail("one"), "01-Oct-2025 10:00:00 +0000");
  admin.append(mail("two"), "01-Oct-2025 10:00:01 +0000");
  auto box = make(dovecot.staff(folder));
  std::vector<std::thread::id> prepared_on;
  box->prepare_ahead([&](RawMail& raw) {
    prepared_on.push_back(std::this_thread::get_id());
    raw.sha256 = "prepared:" + std::to_string(raw.raw.size());
  });
  Collected got;
  const auto poll = box->poll({}, got.visit_all(), got.on_problem());

  ASSERT_FALSE(poll.failure) << poll.failure->problem.to_string();
  ASSERT_EQ(got.mails.size(), 2u);
  for (const auto& raw : got.mails)
    EXPECT_EQ(raw.sha256, "prepared:" + std::to_string(raw.raw.size()));
  ASSERT_EQ(prepared_on.size(), 2u);
  EXPECT_NE(prepared_on[0], std::this_thread::get_id());
}

// A mail that arrives over many reads is prepared piece by piece as it comes
// (prepare_as_received): every piece in order, each byte once, ended on that very mail. A
// mail that came in one read is prepared whole. Each mail is prepared once, either way.
TEST_F(ImapMailboxTest, AMailArrivingOverManyReadsIsPreparedPieceByPiece) {
  const auto lines = [](char c, std::size_t count) {
    std::string body;
    for (std::size_t i = 0; i < count; ++i)
      body += std::string(76, c) + "\r\n";
    return body;
  };
  // A small mail between two decks: the first deck's work must not be taken for it.
  const auto deck = mail("deck", lines('d', 40'000)); // 3.1 MB
  const auto small = mail("small");
  const auto other = mail("other deck", lines('o', 25'000)); // 2 MB
  for (const auto* raw : {&deck, &small, &other})
    admin.append(*raw, "01-Oct-2025 10:00:00 +0000");
  auto box = make(dovecot.staff(folder));
  box->prepare_ahead([](RawMail& raw) { raw.sha256 = "whole"; });
  // Each mail's pieces, checked against its bytes at the end: "pieces N" for N pieces
  // that are the mail's bytes, each once and in order.
  struct Pieces final : ArrivingMail {
    std::string bytes;
    std::size_t count = 0;
    void add(std::string_view piece) override {
      bytes.append(piece);
      ++count;
    }
    void finish(RawMail& raw) override {
      raw.sha256 = bytes == raw.raw ? "pieces " + std::to_string(count) : "wrong bytes";
    }
  };
  box->prepare_as_received([] { return std::make_unique<Pieces>(); });
  Collected got;
  const auto poll = box->poll({}, got.visit_all(), got.on_problem());

  ASSERT_FALSE(poll.failure) << poll.failure->problem.to_string();
  ASSERT_EQ(got.mails.size(), 3u);
  const auto pieces = [](const RawMail& raw) {
    return raw.sha256.starts_with("pieces ") ? std::stoul(raw.sha256.substr(7)) : 0;
  };
  EXPECT_EQ(got.mails[0].raw, deck);
  EXPECT_GT(pieces(got.mails[0]), 2u) << got.mails[0].sha256; // many reads, not one
  EXPECT_EQ(got.mails[1].raw, small);
  EXPECT_TRUE(got.mails[1].sha256 == "whole" || pieces(got.mails[1]) > 0) << got.mails[1].sha256;
  EXPECT_EQ(got.mails[2].raw, other);
  EXPECT_GT(pieces(got.mails[2]), 2u) << got.mails[2].sha256;
}

TEST_F(ImapMailboxTest, SecondPollFetchesOnlyNewUidsOnTheSameConnection) {
  admin.append(mail("one"), "01-Oct-2025 10:00:00 +0000");
  admin.append(mail("two"), "01-Oct-2025 10:00:01 +0000");
  auto box = make(dovecot.staff(folder));

  Collected first;
  const auto poll1 = box->poll({}, first.visit_all(), first.on_problem());
  ASSERT_FALSE(poll1.failure) << poll1.failure->problem.to_string();
  ASSERT_EQ(first.mails.size(), 2u);
  EXPECT_EQ(poll1.cursor.last_uid, 2u);

  const auto uid3 = admin.append(mail("three"), "01-Oct-2025 10:00:02 +0000");
  Collected second;
  const auto poll2 = box->poll(poll1.cursor, second.visit_all(), second.on_problem());
  ASSERT_FALSE(poll2.failure) << poll2.failure->problem.to_string();
  ASSERT_EQ(second.mails.size(), 1u);
  EXPECT_EQ(second.mails[0].file, std::to_string(uid3));
  EXPECT_EQ(poll2.cursor.last_uid, uid3);

  Collected third;
  const auto poll3 = box->poll(poll2.cursor, third.visit_all(), third.on_problem());
  ASSERT_FALSE(poll3.failure);
  EXPECT_EQ(third.mails.size(), 0u);
  EXPECT_EQ(poll3.cursor, poll2.cursor);
  EXPECT_FALSE(poll3.uidvalidity_changed_from);
  EXPECT_EQ(box->connections_opened(), 1u); // one login for all three polls
}

// The connection begun before the network module loaded (setup::open_mailbox) carries the
// first login, TLS included; later connections are libcurl's own.
TEST_F(ImapMailboxTest, AnEarlyConnectionCarriesTheFirstLoginOnly) {
  admin.append(mail("one"), "01-Oct-2025 10:00:00 +0000");
  auto settings = dovecot.staff(folder);
  settings.early = EarlyConnection::begin(test::endpoint(settings.url));
  ASSERT_TRUE(settings.early);
  ASSERT_TRUE(settings.early->wait_until_connected(std::chrono::seconds{10}));
  auto box = make(settings);

  Collected first;
  const auto poll1 = box->poll({}, first.visit_all(), first.on_problem());
  ASSERT_FALSE(poll1.failure) << poll1.failure->problem.to_string();
  ASSERT_EQ(first.mails.size(), 1u);
  EXPECT_EQ(box->early_connections_used(), 1u);

  box->disconnect();
  admin.append(mail("two"), "01-Oct-2025 10:00:01 +0000");
  Collected second;
  const auto poll2 = box->poll(poll1.cursor, second.visit_all(), second.on_problem());
  ASSERT_FALSE(poll2.failure) << poll2.failure->problem.to_string();
  ASSERT_EQ(second.mails.size(), 1u);
  EXPECT_EQ(box->connections_opened(), 2u);
  EXPECT_EQ(box->early_connections_used(), 1u);
}

// An early connection that did not connect (here: to a port nobody listens on) changes
// nothing: libcurl connects to the server itself.
TEST_F(ImapMailboxTest, AnEarlyConnectionThatFailedLeavesTheConnectToLibcurl) {
  admin.append(mail("one"), "01-Oct-2025 10:00:00 +0000");
  auto settings = dovecot.staff(folder);
  const test::LoopbackPort refusing{test::LoopbackPort::Mode::refusing};
  auto nowhere = test::endpoint(settings.url);
  nowhere.port = refusing.port();
  settings.early = EarlyConnection::begin(nowhere);
  if (settings.early) {
    EXPECT_FALSE(settings.early->wait_until_connected(std::chrono::seconds{10}));
  }
  auto box = make(settings);
  Collected collected;
  const auto poll = box->poll({}, collected.visit_all(), collected.on_problem());
  ASSERT_FALSE(poll.failure) << poll.failure->problem.to_string();
  EXPECT_EQ(collected.mails.size(), 1u);
  EXPECT_EQ(box->early_connections_used(), 0u);
}

TEST_F(ImapMailboxTest, ReadingLeavesSeenFlagsAsStaffLeftThem) {
  // Staff read this folder in their own client: an unread question must stay unread,
  // and a read one read.
  const auto unread = admin.append(mail("unread"), "01-Oct-2025 10:00:00 +0000");
  const auto read = admin.append(mail("read"), "01-Oct-2025 10:00:01 +0000", "\\Seen");
  auto box = make(dovecot.staff(folder));
  Collected got;

  const auto poll = box->poll({}, got.visit_all(), got.on_problem());
  ASSERT_FALSE(poll.failure) << poll.failure->problem.to_string();
  ASSERT_EQ(got.mails.size(), 2u);
  ASSERT_TRUE(box->mark_processed(got.mails[0].source));

  EXPECT_FALSE(has_flag(admin.flags(unread), "\\Seen"));
  EXPECT_TRUE(has_flag(admin.flags(read), "\\Seen"));
}

TEST_F(ImapMailboxTest, MarkProcessedStoresTheKeywordAndForEachNewSkipsIt) {
  const auto first = admin.append(mail("first"), "01-Oct-2025 10:00:00 +0000");
  const auto second = admin.append(mail("second"), "01-Oct-2025 10:00:01 +0000");
  auto box = make(dovecot.staff(folder));
  Collected got;
  ASSERT_FALSE(box->poll({}, got.visit_all(), got.on_problem()).failure);
  ASSERT_EQ(got.mails.size(), 2u);

  const auto marked = box->mark_processed(got.mails[0].source);

  ASSERT_TRUE(marked) << marked.error().problem.to_string();
  EXPECT_TRUE(has_flag(admin.flags(first), "$MailroomProcessed"));
  EXPECT_FALSE(has_flag(admin.flags(second), "$MailroomProcessed"));
  Collected unmarked;
  const auto walked = box->for_each_new(unmarked.visit(), unmarked.on_problem());
  ASSERT_TRUE(walked) << walked.error().to_string();
  ASSERT_EQ(unmarked.mails.size(), 1u);
  EXPECT_EQ(unmarked.mails[0].file, std::to_string(second));
}

TEST_F(ImapMailboxTest, MarkProcessedMovesTheMailWhenMoveToIsSet) {
  // The target folder does not exist yet: the adapter creates it (TRYCREATE).
  auto settings = dovecot.staff(folder);
  settings.move_to = folder + "-done";
  Admin done(dovecot, settings.move_to);
  done.recreate();
  done.remove();
  admin.append(mail("kept"), "01-Oct-2025 10:00:00 +0000");
  admin.append(mail("moved"), "01-Oct-2025 10:00:01 +0000");
  auto box = make(settings);
  Collected got;
  ASSERT_FALSE(box->poll({}, got.visit_all(), got.on_problem()).failure);
  ASSERT_EQ(got.mails.size(), 2u);

  const auto moved = box->mark_processed(got.mails[1].source);

  ASSERT_TRUE(moved) << moved.error().problem.to_string();
  EXPECT_EQ(admin.count(), 1u);
  ASSERT_EQ(done.count(), 1u);
  const auto flags = done.flags(1);
  EXPECT_TRUE(has_flag(flags, "$MailroomProcessed"));
  EXPECT_FALSE(has_flag(flags, "\\Seen"));
  EXPECT_FALSE(has_flag(flags, "\\Deleted"));
  done.remove();
}

TEST_F(ImapMailboxTest, MarkProcessedRefusesAMailOfAnotherFolder) {
  auto box = make(dovecot.staff(folder));
  const auto marked = box->mark_processed("imap://127.0.0.1/Elsewhere;UIDVALIDITY=1;UID=1");
  ASSERT_FALSE(marked);
  EXPECT_EQ(marked.error().scope, Scope::message);
  EXPECT_EQ(marked.error().retry, Retry::never);
}

TEST_F(ImapMailboxTest, RecreatedFolderIsReportedAsUidValidityChange) {
  admin.append(mail("before"), "01-Oct-2025 10:00:00 +0000");
  auto box = make(dovecot.staff(folder));
  Collected first;
  const auto poll1 = box->poll({}, first.visit_all(), first.on_problem());
  ASSERT_FALSE(poll1.failure);
  ASSERT_EQ(first.mails.size(), 1u);

  // Staff (or a restore) delete and recreate the folder: every UID is new.
  admin.remove();
  admin.recreate();
  admin.append(mail("before"), "01-Oct-2025 10:00:00 +0000");
  admin.append(mail("after"), "01-Oct-2025 11:00:00 +0000");
  Collected second;
  const auto poll2 = box->poll(poll1.cursor, second.visit_all(), second.on_problem());

  ASSERT_FALSE(poll2.failure) << poll2.failure->problem.to_string();
  ASSERT_TRUE(poll2.uidvalidity_changed_from);
  EXPECT_EQ(*poll2.uidvalidity_changed_from, poll1.cursor.uidvalidity);
  EXPECT_NE(poll2.cursor.uidvalidity, poll1.cursor.uidvalidity);
  ASSERT_EQ(second.mails.size(), 2u); // the whole folder again; the ledger matches by content
  EXPECT_EQ(second.mails[0].raw, first.mails[0].raw);
  // The old identity no longer names a mail here: marking it must not hit another one.
  const auto stale = box->mark_processed(first.mails[0].source);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().scope, Scope::message);
  EXPECT_NE(stale.error().problem.what.find("UIDVALIDITY"), std::string::npos);
}

TEST_F(ImapMailboxTest, StartTlsWorksAndIsRequired) {
  admin.append(mail("starttls"), "01-Oct-2025 10:00:00 +0000");
  auto settings = dovecot.staff(folder);
  settings.url = dovecot.imap_url(folder);
  auto box = make(settings);
  Collected got;
  const auto poll = box->poll({}, got.visit_all(), got.on_problem());
  ASSERT_FALSE(poll.failure) << poll.failure->problem.to_string();
  EXPECT_EQ(got.mails.size(), 1u);
}

TEST_F(ImapMailboxTest, IdlePollCostsOneRoundTrip) {
  // Measured, not asserted tightly: the figure goes into the report.
  for (int i = 0; i < 50; ++i)
    admin.append(mail(fmt::format("m{}", i)), "01-Oct-2025 10:00:00 +0000");
  auto box = make(dovecot.staff(folder));
  Collected got;
  const auto start = std::chrono::steady_clock::now();
  auto poll = box->poll({}, got.visit_all(), got.on_problem());
  const auto first = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(poll.failure);
  ASSERT_EQ(got.mails.size(), 50u);
  constexpr int k_polls = 100;
  const auto idle_start = std::chrono::steady_clock::now();
  for (int i = 0; i < k_polls; ++i) {
    poll = box->poll(poll.cursor, got.visit_all(), got.on_problem());
    ASSERT_FALSE(poll.failure);
  }
  const auto idle = (std::chrono::steady_clock::now() - idle_start) / k_polls;
  // One poll on the open connection: its SELECT and nothing else (no SEARCH, no FETCH).
  const auto before = box->commands_sent();
  poll = box->poll(poll.cursor, got.visit_all(), got.on_problem());
  ASSERT_FALSE(poll.failure);
  EXPECT_EQ(box->commands_sent() - before, 1u);
  using us = std::chrono::microseconds;
  std::cout << "connect + login + 50 mails: " << std::chrono::duration_cast<us>(first).count()
            << " us; idle poll: " << std::chrono::duration_cast<us>(idle).count() << " us\n";
  EXPECT_EQ(got.mails.size(), 50u);
}

} // namespace
} // namespace mailroom::mailbox
