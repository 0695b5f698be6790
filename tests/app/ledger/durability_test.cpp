// Backup under a busy writer (Q3), staff commands racing a writer (Q2, reduced),
// and reprocess after assignments.csv changes (E10).
#include "app/ledger/fixture.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <chrono>
#include <cstdlib>
#include <sys/wait.h>
#include <thread>

using namespace mailroom;
using namespace Poco::Data::Keywords;

namespace {

// A child process that commits an extension every few milliseconds until killed.
pid_t start_writer(const test::LedgerFixture& f) {
  const pid_t child = ::fork();
  if (child != 0)
    return child;
  auto ledger = ledger::SqliteLedger::open(f.state, ledger::OpenMode::must_exist);
  if (!ledger)
    std::_Exit(2);
  for (long i = 0;; ++i) {
    auto written =
        ledger->extend({0, "1", "proposal", std::nullopt, test::at("2025-09-30T00:00:00Z")},
                       {"writer", test::at("2025-09-01T00:00:00Z")}, "load " + std::to_string(i));
    if (!written)
      std::_Exit(3);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

long audit_rows(const std::filesystem::path& database) {
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::Session session("SQLite", database.string());
  long count = 0;
  session << "SELECT count(*) FROM audit", into(count), now;
  return count;
}

} // namespace

TEST(BackupCommand, FinishesWhileAnotherProcessWritesAndIsConsistent) {
  test::LedgerFixture f;
  for (int i = 0; i < 200; ++i)
    f.record("m" + std::to_string(i), "proposal", "", i % 2 ? "1" : "2", "2025-09-10T12:00:00Z",
             "2025-09-19T03:59:59Z");
  const auto unwritten = audit_rows(f.state / "ledger.db");
  const pid_t writer = start_writer(f);
  ASSERT_GT(writer, 0);
  // Under way: its first extension is committed (waited for, at most 20 s).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (audit_rows(f.state / "ledger.db") == unwritten &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GT(audit_rows(f.state / "ledger.db"), unwritten) << "the writer never wrote";
  for (int round = 0; round < 3; ++round) {
    const auto committed_before = audit_rows(f.state / "ledger.db");
    const auto dest = f.dir / ("backup-" + std::to_string(round) + ".db");
    const auto ran =
        test::mailroom("backup " + test::quoted(dest) + " --state " + test::quoted(f.state));
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    Poco::Data::Session copy("SQLite", dest.string());
    std::string integrity;
    copy << "PRAGMA integrity_check", into(integrity), now;
    EXPECT_EQ(integrity, "ok");
    long mails = 0;
    copy << "SELECT count(*) FROM mails", into(mails), now;
    EXPECT_EQ(mails, 200);
    EXPECT_GE(audit_rows(dest), committed_before) << "holds everything committed before it began";
    for (const auto& entry : std::filesystem::directory_iterator(f.dir.path()))
      EXPECT_NE(entry.path().filename().string().rfind(".tmp-", 0), 0u) << entry.path();
  }
  ::kill(writer, SIGKILL);
  int status = 0;
  ::waitpid(writer, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the writer failed on its own: exit " << WEXITSTATUS(status);
  EXPECT_GT(audit_rows(f.state / "ledger.db"), 10) << "the writer was really writing";
}

TEST(StaffCommands, ParallelExtensionsWhileAWriterCommitsAreAllRecorded) {
  // Q2, reduced: 4 staff processes x 10 extensions each against a busy writer; no
  // SQLITE_BUSY reaches anyone, every change has its audit row.
  test::LedgerFixture f;
  f.record("m", "proposal", "", "1", "2025-09-10T12:00:00Z", "2025-09-19T03:59:59Z");
  const pid_t writer = start_writer(f);
  ASSERT_GT(writer, 0);
  const std::string one = "'" + std::string(MAILROOM_BINARY) +
                          "' extend 2 proposal --until 2025-10-01 --reason parallel " + f.args();
  // Each staff process by its pid: `wait -n` in a loop answered 127 ("no child") now and
  // then, when two ended together, and the test failed with no error of mailroom's.
  std::string script = "fail=0; pids=; for p in 1 2 3 4; do ( for i in $(seq 10); do " + one +
                       " >/dev/null || exit 1; done ) & pids=\"$pids $!\"; done; for pid in $pids; "
                       "do wait \"$pid\" || fail=1; done; exit $fail";
  const auto ran = test::run_shell("bash -c " + test::quoted(script));
  ::kill(writer, SIGKILL);
  ::waitpid(writer, nullptr, 0);
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  auto ledger = f.open();
  std::size_t parallel = 0;
  const auto audit = ledger.audit();
  ASSERT_TRUE(audit);
  for (const auto& row : *audit)
    parallel += row.reason == "parallel";
  EXPECT_EQ(parallel, 40u);
}

TEST(ReprocessCommand, AssignmentChangeMovesTheDecisionAndIsAudited) {
  // E10: group 2's slides for Nov 4 arrive; then staff move Nov 4 to group 1 in
  // assignments.csv and reprocess.
  const std::string raw = "From: Grace Hopper <grace@example.edu>\r\nTo: staff@example.edu\r\n"
                          "Subject: Slides for Nov 4\r\nDate: Sun, 2 Nov 2025 12:00:00 +0000\r\n"
                          "Message-ID: <nov4@example.edu>\r\n\r\nOur slides: "
                          "https://docs.google.com/presentation/d/abc/edit\r\n";
  test::LedgerFixture f;
  const auto maildir = f.dir / "maildir";
  test::write_file(maildir / "new" / "1762084800.1.test", raw);
  std::filesystem::create_directories(maildir / "cur");
  ASSERT_EQ(
      test::run_shell("touch -d @1762084800 " + test::quoted(maildir / "new" / "1762084800.1.test"))
          .exit_code,
      0);
  const auto replayed =
      test::mailroom("replay --maildir " + test::quoted(maildir) + " " + f.args());
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  auto before = f.open().mails();
  ASSERT_TRUE(before && before->size() == 1);
  const auto old_group = before->front().group;

  test::write_file(f.rules / "assignments.csv", "lecture,role,group\n2025-10-07,presenter,1\n"
                                                "2025-10-07,summary,2\n2025-11-04,presenter,1\n");
  const auto ran = test::mailroom("reprocess --reason 'Nov 4 moved to group 1' " + f.args());
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  auto ledger = f.open();
  auto after = ledger.mails();
  ASSERT_TRUE(after && after->size() == 1) << "reprocess never adds mail";
  auto history = ledger.decisions(after->front().id);
  auto audit = ledger.audit();
  ASSERT_TRUE(history && audit);
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->back().action, "reprocess");
  EXPECT_EQ(audit->back().reason, "Nov 4 moved to group 1");
  // Grace's group 2 no longer presents on Nov 4: her slides need a person to look.
  EXPECT_EQ(before->front().kind, "slides");
  EXPECT_EQ(after->front().kind, "needs-review");
  EXPECT_EQ(after->front().group, old_group);
  EXPECT_EQ(history->size(), 2u) << "the old decision is kept in the history";
  // Twice in a row: the second run changes nothing.
  const auto again = test::mailroom("reprocess " + f.args());
  EXPECT_NE(again.out.find("0 decision(s) changed"), std::string::npos) << again.out;
}

// docs/reliability-cases.md D7 with the service stopped: staff in the group may read, not write,
// the 0750 state folder, so they cannot create ledger.db-wal and -shm. The daemon keeps them
// (SQLITE_FCNTL_PERSIST_WAL), and a reader opens the ledger read-only.
TEST(StaffCommands, AReaderWhoCannotWriteTheStateFolderReadsTheLedgerOfAStoppedService) {
  if (geteuid() != 0)
    GTEST_SKIP() << "needs root to run a command as another user";
  test::LedgerFixture f;
  { auto ledger = f.open(); } // the service ran and stopped
  namespace fs = std::filesystem;
  ASSERT_TRUE(fs::exists(f.state / "ledger.db-wal"));
  ASSERT_TRUE(fs::exists(f.state / "ledger.db-shm"));
  // Read-only for everyone else, as the group sees a 0750 folder of 0640 files.
  for (const auto& dir : {f.dir.path(), f.rules, f.state})
    fs::permissions(dir, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  for (const auto& entry : fs::recursive_directory_iterator(f.dir.path()))
    if (entry.is_regular_file())
      fs::permissions(entry.path(),
                      fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  const auto ran = test::run_shell("runuser -u nobody -- '" + std::string(MAILROOM_BINARY) +
                                   "' ledger " + f.args());
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(ran.err.find("readonly"), std::string::npos) << ran.err;
}
