// docs/reliability-cases.md E1, the kill -9 crash matrix: `mailroom run --once` dies by SIGKILL at
// one named step (the fault hook of core/fault.hpp, armed by MAILROOM_FAULT_KILL_AT;
// mails are recorded in batches, so the steps include kills in a batch and between its
// archive sync and its commit),
// then runs again without it, against the fixture's Dovecot and SMTP server. Each step
// is tried 5 times, killing at a different mail or reply each time. After the restart:
// one ledger record and one archive file per mail, the keyword on every mail, and one
// receipt per outbox row; only a kill after the SMTP `250` and before the row is marked
// may send one duplicate, with the identical Message-ID.

#include "integration/imap_support.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/mail_text.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

using test::k_sink;

// Two groups of two; no one is a user of the test Dovecot, so the sink only spools their
// receipts (no dovecot-lda per message).
const std::string k_crash_roster = "group,name,uniqname,email\n"
                                   "1,Ada Lovelace,ada,ada@example.edu\n"
                                   "1,Alan Turing,alan,alan@example.edu\n"
                                   "2,Grace Hopper,grace,grace@example.edu\n"
                                   "2,Edsger Dijkstra,edsger,edsger@example.edu\n";

// Per iteration: two proposals from the roster (a receipt to the sender with the group
// in Cc: 2 outbox rows each) and one mail from a stranger (recorded, not answered).
constexpr int k_mails = 3;
constexpr int k_replies = 4;

// One iteration's course term: fresh rules and state, the test's folder over IMAPS, the
// fixture's SMTP server as the outbox.
struct CrashTerm {
  test::TempDir dir;
  explicit CrashTerm(const test::Dovecot& dovecot, const std::string& folder) {
    test::write_imap_term(
        dir.path(), dovecot, folder, k_crash_roster,
        fmt::format("[outbox]\nurl = \"smtp://127.0.0.1:{}\"\nfrom = \"staff@example.edu\"\n"
                    "user = \"staff\"\npassword_file = \"secret\"\nca_file = \"{}\"\n"
                    "timeout = \"5s\"\nretry_after = \"1s\"\n"
                    "[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n",
                    k_sink.port, dovecot.ca_file().string()));
  }
  [[nodiscard]] fs::path state() const { return dir / "state"; }

  // `mailroom run --once` with MAILROOM_FAULT_KILL_AT=`fault`; its wait status. The log
  // goes to killed.log.
  [[nodiscard]] int run_killed(const std::string& fault) const {
    const pid_t pid = test::start_mailroom({"run", "--once"}, dir / "term.toml", dir / "killed.log",
                                           {{"MAILROOM_FAULT_KILL_AT", fault}});
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  }
  [[nodiscard]] test::Ran run() const {
    return test::mailroom("run --once --config " + test::quoted(dir / "term.toml"));
  }
};

// A mail as the staff mail server delivered it (a Received field dated now, so the
// arrival check passes); returns its Message-ID.
std::string append(test::Admin& admin, const std::string& from, const std::string& subject,
                   const std::string& body, std::uint32_t& uid) {
  static int n = 0;
  const auto now = std::time(nullptr);
  const auto id = fmt::format("<crash-{}-{}-{}@example.edu>", ::getpid(), now, ++n);
  const auto date = test::format_utc(now, "%a, %d %b %Y %H:%M:%S +0000");
  uid = admin.append(
      // Authenticated by our MX, so the group is in Cc.
      fmt::format("Authentication-Results: mx.example.edu; dkim=pass header.d=example.edu\r\n"
                  "Received: from laptop.example.edu by mx.example.edu with ESMTPSA; {0}\r\n"
                  "From: {1}\r\nTo: staff@example.edu\r\nSubject: {2}\r\nDate: {0}\r\n"
                  "Message-ID: {3}\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=utf-8\r\n\r\n{4}\r\n",
                  date, from, subject, id, body),
      test::format_utc(now, "%d-%b-%Y %H:%M:%S +0000"));
  return id;
}

using test::header;

// (Message-ID, recipient) -> how many times the sink took it, over the replies to `ids`.
std::map<std::pair<std::string, std::string>, int> spooled(const std::set<std::string>& ids) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const auto& entry : fs::directory_iterator(k_sink.dir / "spool")) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() != ".eml" || name.starts_with("."))
      continue;
    const auto message = test::read_text(entry.path());
    if (!ids.contains(header(message, "In-Reply-To")))
      continue;
    auto json_path = entry.path();
    json_path.replace_extension(".json");
    const auto json = test::read_text(json_path);
    std::smatch list;
    if (!std::regex_search(json, list, std::regex("\"rcpt_tos\": \\[([^\\]]*)\\]"))) {
      ADD_FAILURE() << "no rcpt_tos in " << json_path;
      continue;
    }
    const std::string rcpts = list[1].str();
    const std::regex quoted("\"([^\"]+)\"");
    for (std::sregex_iterator it(rcpts.begin(), rcpts.end(), quoted), end; it != end; ++it)
      ++counts[{header(message, "Message-ID"), (*it)[1].str()}];
  }
  return counts;
}

// Every .eml at the top of the archive, and what waits in its .tmp folder.
std::set<std::string> archived(const fs::path& state) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(state / "archive"))
    if (entry.is_regular_file() && entry.path().extension() == ".eml")
      names.insert(entry.path().filename().string());
  return names;
}

// How many times a run reaches each step with this test's mails: once per mail, once per
// outbox row, and at least one keyword STORE.
int times_reached(const std::string& point) {
  if (point == "before-keyword-store")
    return 1;
  if (point == "after-outbox-claim" || point == "after-smtp-250" || point == "after-outbox-mark")
    return k_replies;
  return k_mails;
}

// E1 at `point`: 5 iterations, the i-th killing the ((i mod n) + 1)-th time the step is
// reached, so each mail (or reply) in turn is the one the kill interrupts.
void kill_at_then_restart(const std::string& point) {
  test::Dovecot dovecot;
  const auto folder = test::test_folder();
  for (int iteration = 0; iteration < 5; ++iteration) {
    const auto fault = fmt::format("{}:{}", point, iteration % times_reached(point) + 1);
    SCOPED_TRACE(fault);
    // A connection of its own each time: Dovecot says BYE to a session whose selected
    // folder is deleted.
    test::Admin admin(dovecot, folder);
    admin.recreate();
    CrashTerm term(dovecot, folder);
    std::vector<std::uint32_t> uids(k_mails);
    const std::set<std::string> answered{
        append(admin, "Ada Lovelace <ada@example.edu>", "Proposal for group 1",
               "Our proposal draft: https://docs.google.com/document/d/ada1/edit", uids[0]),
        append(admin, "Grace Hopper <grace@example.edu>", "Proposal for group 2",
               "Our proposal draft: https://docs.google.com/document/d/grace2/edit", uids[1])};
    const auto stranger = append(admin, "Mallory <mallory@evil.example>", "Hello",
                                 "Is this the course address?", uids[2]);

    const int status = term.run_killed(fault);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the run was not killed at " << fault << " (wait status " << status << "):\n"
        << test::read_text(term.dir / "killed.log");
    const auto restarted = term.run();
    ASSERT_EQ(restarted.exit_code, 0) << restarted.err;

    // Exactly one ledger record per mail, each with its one archive file.
    auto ledger = ledger::SqliteLedger::open(term.state(), ledger::OpenMode::must_exist);
    ASSERT_TRUE(ledger) << ledger.error().to_string();
    const auto mails = ledger->mails();
    ASSERT_TRUE(mails) << mails.error().to_string();
    std::multiset<std::string> recorded_ids;
    std::set<std::string> archive_files;
    for (const auto& mail : *mails) {
      recorded_ids.insert(mail.message_id);
      archive_files.insert(fs::path(mail.archive_path).filename().string());
      EXPECT_EQ(mail.archive_path, "archive/" + mail.sha256 + ".eml");
    }
    std::multiset<std::string> expected_ids(answered.begin(), answered.end());
    expected_ids.insert(stranger);
    EXPECT_EQ(recorded_ids, expected_ids) << restarted.err;
    EXPECT_EQ(archived(term.state()), archive_files);
    EXPECT_TRUE(fs::is_empty(term.state() / "archive" / ".tmp"));

    // The keyword is on every mail.
    for (const auto uid : uids)
      EXPECT_TRUE(test::has_flag(admin.flags(uid), "$MailroomProcessed")) << "UID " << uid;

    // Every outbox row went out once; a kill between the 250 and the mark sends one row
    // twice, the same message (the Message-ID it was queued with).
    const auto rows = ledger->replies();
    ASSERT_TRUE(rows) << rows.error().to_string();
    std::map<std::pair<std::string, std::string>, int> expected;
    for (const auto& row : *rows) {
      EXPECT_EQ(row.state, "sent") << row.recipient << ": " << row.last_error;
      ++expected[{row.message_id, row.recipient}];
    }
    EXPECT_EQ(expected.size(), static_cast<std::size_t>(k_replies));
    const auto sent = spooled(answered);
    int duplicates = 0;
    for (auto [key, count] : expected) {
      const auto it = sent.find(key);
      const int times = it == sent.end() ? 0 : it->second;
      EXPECT_GE(times, 1) << key.first << " to " << key.second << " never sent";
      duplicates += std::max(0, times - 1);
    }
    EXPECT_EQ(sent.size(), expected.size()) << "a reply went out under another Message-ID";
    EXPECT_LE(duplicates, point == "after-smtp-250" ? 1 : 0) << restarted.err;
  }
  test::Admin(dovecot, folder).remove();
}

} // namespace

TEST(CrashMatrix, KilledAfterFetchThenRestartedRecordsEachMailOnce) {
  kill_at_then_restart("after-fetch");
}

TEST(CrashMatrix, KilledAfterTheArchiveRenameThenRestartedRecordsEachMailOnce) {
  kill_at_then_restart("after-archive");
}

// Group commit: a mail's rows are written in its batch's open transaction...
TEST(CrashMatrix, KilledInTheMiddleOfABatchThenRestartedRecordsEachMailOnce) {
  kill_at_then_restart("after-record");
}

// ... and its batch's archive is durable and in place, its commit not yet made.
TEST(CrashMatrix, KilledBetweenABatchsArchiveSyncAndItsCommitThenRestartedRecordsEachMailOnce) {
  kill_at_then_restart("after-batch-sync");
}

TEST(CrashMatrix, KilledAfterTheLedgerCommitThenRestartedRecordsEachMailOnce) {
  kill_at_then_restart("after-commit");
}

TEST(CrashMatrix, KilledBeforeTheKeywordStoreThenRestartedSetsTheKeyword) {
  kill_at_then_restart("before-keyword-store");
}

TEST(CrashMatrix, KilledWhileAReplyIsClaimedThenRestartedReleasesTheClaimAndSendsItOnce) {
  kill_at_then_restart("after-outbox-claim");
}

TEST(CrashMatrix, KilledAfterSmtp250BeforeTheOutboxMarkSendsAtMostOneDuplicate) {
  kill_at_then_restart("after-smtp-250");
}

TEST(CrashMatrix, KilledAfterTheOutboxMarkThenRestartedSendsNothingTwice) {
  kill_at_then_restart("after-outbox-mark");
}

TEST(CrashMatrix, AnUnknownFaultPointStopsTheDaemonBeforeItTouchesAnything) {
  // A misspelt point must not let the matrix pass by never firing.
  test::Dovecot dovecot;
  CrashTerm term(dovecot, test::test_folder());
  const int status = term.run_killed("after-comit");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_NE(test::read_text(term.dir / "killed.log")
                .find("MAILROOM_FAULT_KILL_AT: no fault point 'after-comit'; use one of "
                      "after-fetch, after-archive,"),
            std::string::npos)
      << test::read_text(term.dir / "killed.log");
  EXPECT_FALSE(fs::exists(term.state()));
}
