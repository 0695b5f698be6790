// The SQLite ledger and the archive as the daemon and replay use them: per-connection
// settings, schema versions, exactly-once recording, a crash between archive and
// record.
#include "app/ledger/fixture.hpp"
#include "support/example_term.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <filesystem>

using namespace mailroom;
using namespace Poco::Data::Keywords;

namespace {

std::size_t count_files(const std::filesystem::path& folder, const std::string& extension) {
  std::size_t count = 0;
  if (!std::filesystem::exists(folder))
    return 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == extension)
      ++count;
  return count;
}

std::size_t mail_count(const test::LedgerFixture& f) {
  auto ledger = f.open();
  auto mails = ledger.mails();
  EXPECT_TRUE(mails);
  return mails ? mails->size() : 0;
}

struct ExampleMaildir : test::LedgerFixture {
  std::filesystem::path maildir = dir / "maildir";
  ExampleMaildir() { test::copy_example_maildir(maildir); }
  [[nodiscard]] test::Ran replay(const std::string& environment = "") const {
    return test::mailroom_with_environment(
        environment, "replay --json --rules " + test::quoted(rules) + " --maildir " +
                         test::quoted(maildir) + " --state " + test::quoted(state));
  }
};

} // namespace

TEST(LedgerStore, EveryConnectionIsWalFullWithForeignKeysAndABusyTimeout) {
  // Q1: what SQLite itself reports on a fresh and on a reopened ledger.
  test::LedgerFixture f;
  for (int round = 0; round < 2; ++round) {
    auto ledger = f.open();
    auto settings = ledger.settings();
    ASSERT_TRUE(settings) << settings.error().to_string();
    EXPECT_EQ(settings->journal_mode, "wal");
    EXPECT_EQ(settings->synchronous, 2);
    EXPECT_EQ(settings->foreign_keys, 1);
    EXPECT_GE(settings->busy_timeout_ms, 5000);
    EXPECT_EQ(settings->user_version, ledger::k_schema_version);
  }
}

TEST(LedgerStore, SchemaNewerThanThisBuildIsRefusedPlainly) {
  test::LedgerFixture f;
  { auto ledger = f.open(); }
  {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session session("SQLite", (f.state / "ledger.db").string());
    session << "PRAGMA user_version = 99", now;
  }
  auto ledger = ledger::SqliteLedger::open(f.state, ledger::OpenMode::must_exist);
  ASSERT_FALSE(ledger);
  const auto refusal = fmt::format("schema version 99 is newer than this mailroom knows ({})",
                                   ledger::k_schema_version);
  EXPECT_EQ(ledger.error().what, refusal);
  EXPECT_NE(ledger.error().where.find("ledger.db"), std::string::npos);
  const auto ran = test::mailroom("ledger " + f.args());
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.err.find(refusal), std::string::npos) << ran.err;
}

TEST(LedgerStore, RecordingTwiceChangesNothingAndSameBytesFromAnotherSourceAreLinked) {
  test::LedgerFixture f;
  const auto first =
      f.record("a", "proposal", "", "1", "2025-09-10T12:00:00Z", "2025-09-19T03:59:59Z");
  const auto again =
      f.record("a", "proposal", "", "1", "2025-09-10T12:00:00Z", "2025-09-19T03:59:59Z");
  EXPECT_EQ(first, again);
  EXPECT_EQ(mail_count(f), 1u);

  // The same bytes under another source: linked, not decided again.
  auto ledger = f.open();
  auto mail = ledger.mail(first);
  ASSERT_TRUE(mail && *mail);
  judge::Decision decision;
  decision.classification.kind = "not-a-submission";
  auto alias = ledger.record({"maildir:/alias/a",
                              "a",
                              test::at("2025-09-10T12:00:05Z"),
                              (*mail)->sha256,
                              (*mail)->size,
                              (*mail)->archive_path,
                              {}},
                             decision, test::at("2025-12-01T00:00:00Z"));
  ASSERT_TRUE(alias) << alias.error().to_string();
  EXPECT_EQ(alias->what, pipeline::Recorded::known_content);
  EXPECT_EQ(alias->mail_id, first);
  EXPECT_EQ(mail_count(f), 1u);
  EXPECT_EQ(ledger.sources(first)->size(), 2u);
  const auto kept = ledger.mail(first);
  ASSERT_TRUE(kept && *kept);
  EXPECT_EQ((*kept)->kind, "proposal");
}

TEST(LedgerStore, SameMaildirRecordedTwiceGivesOneRecordPerMail) {
  ExampleMaildir f;
  const auto first = f.replay();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find(": 16 new, 0 already recorded"), std::string::npos) << first.err;
  const auto second = f.replay();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find(": 0 new, 16 already recorded"), std::string::npos) << second.err;
  EXPECT_EQ(first.out, second.out) << "replay prints the same records either way";
  EXPECT_EQ(mail_count(f), 16u);
  EXPECT_EQ(count_files(f.state / "archive", ".eml"), 16u);
}

TEST(LedgerStore, KilledBetweenArchiveAndRecordLosesNothingAndDuplicatesNothing) {
  // E1 for the archive -> record step: SIGKILL right after the 5th mail is archived.
  ExampleMaildir f;
  const auto killed = f.replay("MAILROOM_FAULT_KILL_AT=after-archive:5");
  EXPECT_EQ(killed.exit_code, 128 + 9) << killed.err;
  EXPECT_EQ(count_files(f.state / "archive", ".eml"), 5u);
  EXPECT_EQ(mail_count(f), 4u) << "the 5th was archived but not recorded";

  const auto again = f.replay();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find(": 12 new, 4 already recorded"), std::string::npos) << again.err;
  EXPECT_EQ(mail_count(f), 16u);
  EXPECT_EQ(count_files(f.state / "archive", ".eml"), 16u);
  // Every record's raw file exists and hashes to its name; no temporary file is left.
  auto ledger = f.open();
  const auto mails = ledger.mails();
  ASSERT_TRUE(mails);
  for (const auto& mail : *mails) {
    auto raw = archive::read_all(f.state / mail.archive_path);
    ASSERT_TRUE(raw) << raw.error().to_string();
    EXPECT_EQ(message::sha256_hex(*raw), mail.sha256);
  }
  for (const auto& entry : std::filesystem::directory_iterator(f.state / "archive"))
    EXPECT_NE(entry.path().filename().string().rfind(".tmp-", 0), 0u) << entry.path();
  const auto third = f.replay();
  EXPECT_NE(third.err.find(": 0 new, 16 already recorded"), std::string::npos) << third.err;
}

TEST(LedgerStore, ReaderHoldingATransactionDoesNotBlockWriters) {
  // Q7 (first half): a staff shell with an open read transaction; WAL lets writes go on.
  test::LedgerFixture f;
  f.record("a", "proposal", "", "1", "2025-09-10T12:00:00Z", "2025-09-19T03:59:59Z");
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::Session reader("SQLite", (f.state / "ledger.db").string());
  reader << "BEGIN", now;
  int before = 0;
  reader << "SELECT count(*) FROM mails", into(before), now;
  for (int i = 0; i < 50; ++i)
    ASSERT_NE(f.record("m" + std::to_string(i), "proposal", "", "2", "2025-09-10T12:00:00Z",
                       "2025-09-19T03:59:59Z"),
              0);
  int during = 0;
  reader << "SELECT count(*) FROM mails", into(during), now;
  EXPECT_EQ(during, before) << "the reader keeps its snapshot";
  auto ledger = f.open();
  auto held = ledger.checkpoint();
  ASSERT_TRUE(held) << held.error().to_string();
  EXPECT_TRUE(held->busy) << "the reader's snapshot keeps the WAL";
  EXPECT_GT(held->wal_bytes, 0u);
  reader << "COMMIT", now;
  auto released = ledger.checkpoint();
  ASSERT_TRUE(released);
  EXPECT_FALSE(released->busy);
  EXPECT_EQ(released->wal_bytes, 0u) << "TRUNCATE once the reader has left";
  EXPECT_EQ(mail_count(f), 51u);
}

TEST(LedgerStore, NotALedgerFolderForReadCommands) {
  test::TempDir dir;
  auto ledger = ledger::SqliteLedger::open(dir / "missing", ledger::OpenMode::must_exist);
  ASSERT_FALSE(ledger);
  EXPECT_EQ(ledger.error().what, "no ledger here (ledger.db is missing)");
  EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST(LedgerStore, UnreadableMailIsRecordedWithItsErrorAndItsRawBytes) {
  // Nothing is dropped: bytes that are not a mail at all are archived, recorded as
  // needing review, and show lists what was wrong.
  test::LedgerFixture f;
  const auto maildir = f.dir / "maildir";
  const std::string junk("\x00\x01\x02 not a mail at all\xff\xfe\n--\n", 27);
  test::write_file(maildir / "new" / "1758000000.1.junk", junk);
  std::filesystem::create_directories(maildir / "cur");
  const auto ran = test::mailroom("replay --maildir " + test::quoted(maildir) + " --state " +
                                  test::quoted(f.state) + " --rules " + test::quoted(f.rules));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  auto ledger = f.open();
  const auto mails = ledger.mails();
  ASSERT_TRUE(mails);
  ASSERT_EQ(mails->size(), 1u);
  const auto& mail = mails->front();
  EXPECT_EQ(mail.kind, "needs-review");
  EXPECT_FALSE(mail.parse_errors.empty());
  EXPECT_EQ(test::read_text(f.state / mail.archive_path), junk);
  const auto shown = test::mailroom("show 1 --state " + test::quoted(f.state));
  EXPECT_NE(shown.out.find("Parse:"), std::string::npos) << shown.out;
}

TEST(LedgerStore, ReusedSourceWithOtherBytesIsANewMailNotASkip) {
  // E3: after a mailbox restore the same UID names another message.
  test::LedgerFixture f;
  auto ledger = f.open();
  judge::Decision decision;
  decision.classification.kind = "not-a-submission";
  const auto at = test::at("2025-09-10T12:00:00Z");
  auto first = ledger.record({"imap://h/INBOX;UIDVALIDITY=7;UID=42",
                              "42",
                              at,
                              message::sha256_hex("one"),
                              3,
                              "archive/x.eml",
                              {}},
                             decision, at);
  auto second = ledger.record({"imap://h/INBOX;UIDVALIDITY=7;UID=42",
                               "42",
                               at,
                               message::sha256_hex("two"),
                               3,
                               "archive/y.eml",
                               {}},
                              decision, at);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->what, pipeline::Recorded::new_mail);
  EXPECT_NE(second->mail_id, first->mail_id);
  auto again = ledger.record({"imap://h/INBOX;UIDVALIDITY=7;UID=42",
                              "42",
                              at,
                              message::sha256_hex("one"),
                              3,
                              "archive/x.eml",
                              {}},
                             decision, at);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->what, pipeline::Recorded::known_source);
  EXPECT_EQ(mail_count(f), 2u);
}
