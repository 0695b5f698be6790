// `mailroom run --once` against the fixture's Dovecot while the watched folder changes
// under it: a restore that hands out old UIDs again under the same UIDVALIDITY
// (docs/reliability-cases.md E3), and people who move or delete mail around mailroom's polls (E9).
// mailroom watches one folder, so "another watched folder" is a folder of the same
// account that people move mail from and to.

#include "integration/imap_support.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

// Six groups of one: each proposal gets one receipt, to its sender.
const std::string k_folder_roster = "group,name,uniqname,email\n"
                                    "1,Ada Lovelace,ada,ada@example.edu\n"
                                    "2,Alan Turing,alan,alan@example.edu\n"
                                    "3,Grace Hopper,grace,grace@example.edu\n"
                                    "4,Edsger Dijkstra,edsger,edsger@example.edu\n"
                                    "5,Barbara Liskov,barbara,barbara@example.edu\n"
                                    "6,Donald Knuth,don,don@example.edu\n";
const std::vector<std::string> k_students{
    "Ada Lovelace <ada@example.edu>",       "Alan Turing <alan@example.edu>",
    "Grace Hopper <grace@example.edu>",     "Edsger Dijkstra <edsger@example.edu>",
    "Barbara Liskov <barbara@example.edu>", "Donald Knuth <don@example.edu>"};

// A course term watching `folder` over IMAPS; replies go to the default outbox folder.
struct FolderTerm {
  test::TempDir dir;
  FolderTerm(const test::Dovecot& dovecot, const std::string& folder) {
    test::write_imap_term(dir.path(), dovecot, folder, k_folder_roster);
  }
  [[nodiscard]] fs::path state() const { return dir / "state"; }
  [[nodiscard]] test::Ran run() const {
    return test::mailroom("run --once --config " + test::quoted(dir / "term.toml"));
  }

  // Message-ID -> how many ledger records have it.
  [[nodiscard]] std::map<std::string, int> recorded() const {
    std::map<std::string, int> ids;
    auto ledger = ledger::SqliteLedger::open(state(), ledger::OpenMode::must_exist);
    EXPECT_TRUE(ledger) << ledger.error().to_string();
    if (!ledger)
      return ids;
    const auto mails = ledger->mails();
    EXPECT_TRUE(mails) << mails.error().to_string();
    for (const auto& mail : mails.value_or(std::vector<pipeline::MailRow>{})) {
      ++ids[mail.message_id];
      EXPECT_TRUE(fs::exists(state() / mail.archive_path)) << mail.archive_path;
    }
    return ids;
  }
  // Message-ID of the mail answered -> how many replies to it went out.
  [[nodiscard]] std::map<std::string, int> sent_replies() const {
    std::map<std::string, int> sent;
    auto ledger = ledger::SqliteLedger::open(state(), ledger::OpenMode::must_exist);
    EXPECT_TRUE(ledger) << ledger.error().to_string();
    if (!ledger)
      return sent;
    std::map<pipeline::Id, std::string> ids;
    for (const auto& mail : ledger->mails().value_or(std::vector<pipeline::MailRow>{}))
      ids[mail.id] = mail.message_id;
    for (const auto& row : ledger->replies().value_or(std::vector<pipeline::ReplyRow>{})) {
      EXPECT_EQ(row.state, "sent") << row.recipient << ": " << row.last_error;
      ++sent[ids[row.mail_id]];
    }
    return sent;
  }
};

// A proposal from `from` as the staff mail server delivered it (a Received field dated
// now, so the arrival check passes); its Message-ID. `uid` is the UID it got.
std::string deliver(test::Admin& admin, const std::string& from, const std::string& tag,
                    std::uint32_t& uid) {
  const auto now = std::time(nullptr);
  const auto id = fmt::format("<{}-{}-{}@example.edu>", tag, ::getpid(), now);
  const auto date = test::format_utc(now, "%a, %d %b %Y %H:%M:%S +0000");
  uid = admin.append(
      fmt::format("Received: from laptop.example.edu by mx.example.edu with ESMTPSA; {0}\r\n"
                  "From: {1}\r\nTo: staff@example.edu\r\nSubject: Proposal ({2})\r\nDate: {0}\r\n"
                  "Message-ID: {3}\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                  "Our proposal draft ({2}): https://docs.google.com/document/d/{2}/edit\r\n",
                  date, from, tag, id),
      test::format_utc(now, "%d-%b-%Y %H:%M:%S +0000"));
  return id;
}

std::map<std::string, int> once_each(const std::vector<std::string>& ids) {
  std::map<std::string, int> counts;
  for (const auto& id : ids)
    counts[id] = 1;
  return counts;
}

// The Maildir folder Dovecot keeps `folder` of the staff account in (tests/support/dovecot.sh),
// with its dovecot-uidlist and indexes.
fs::path maildir_of(const test::Dovecot& dovecot, const std::string& folder) {
  return dovecot.dir / "mail" / "staff" / "Maildir" / ("." + folder);
}

// Copies a folder's files as they are, owners included (the test runs as root, Dovecot's
// mail as another uid).
void copy_folder(const fs::path& from, const fs::path& to) {
  const auto ran = test::run_shell(
      fmt::format("rm -rf {1} && cp -a {0} {1}", test::quoted(from), test::quoted(to)));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
}

enum class Restored {
  then_polled,    // a poll sees the folder between the restore and the new mail
  then_delivered, // the new mail is there before the next poll: UIDNEXT is back where it was
};

// E3: snapshot the folder; deliver M1-M3 and poll; restore the snapshot (M1-M3 vanish,
// UIDNEXT rewinds); deliver N1-N3, which get M1-M3's UIDs.
void uid_reuse(Restored order) {
  test::Dovecot dovecot;
  const auto folder = test::test_folder();
  FolderTerm term(dovecot, folder);
  std::vector<std::string> before;
  std::uint32_t uid = 0;
  {
    test::Admin admin(dovecot, folder);
    admin.recreate();
    // A stranger's mail: recorded, not answered.
    before.push_back(deliver(admin, "Mallory <mallory@elsewhere.example>", "B1", uid));
  }
  const auto first = term.run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto snapshot = term.dir / "snapshot";
  copy_folder(maildir_of(dovecot, folder), snapshot);

  std::vector<std::string> m_ids, n_ids;
  std::vector<std::uint32_t> m_uids, n_uids;
  {
    test::Admin admin(dovecot, folder);
    for (int i = 0; i < 3; ++i) {
      m_ids.push_back(deliver(admin, k_students[i], fmt::format("M{}", i + 1), uid));
      m_uids.push_back(uid);
    }
  }
  const auto second = term.run();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(test::count_of(second.err, " recorded "), 3) << second.err;

  copy_folder(snapshot, maildir_of(dovecot, folder));
  std::string detected;
  if (order == Restored::then_polled) {
    const auto between = term.run();
    ASSERT_EQ(between.exit_code, 0) << between.err;
    EXPECT_EQ(test::count_of(between.err, " recorded "), 0) << between.err;
    detected = between.err;
  }
  {
    test::Admin admin(dovecot, folder);
    for (int i = 3; i < 6; ++i) {
      // A longer tag than M's: N1-N3 differ from M1-M3 in size too.
      n_ids.push_back(deliver(admin, k_students[i], fmt::format("new-N{}", i - 2), uid));
      n_uids.push_back(uid);
    }
  }
  ASSERT_EQ(n_uids, m_uids) << "the restored folder did not hand out M1-M3's UIDs again";
  const auto third = term.run();
  ASSERT_EQ(third.exit_code, 0) << third.err;
  detected += third.err;

  // Detected, and nothing skipped: N1-N3 recorded and answered, M1-M3 kept.
  EXPECT_EQ(test::count_of(detected, "UIDs were handed out again"), 1) << detected;
  EXPECT_EQ(test::count_of(third.err, " recorded "), 3) << third.err;
  std::vector<std::string> all = before;
  all.insert(all.end(), m_ids.begin(), m_ids.end());
  all.insert(all.end(), n_ids.begin(), n_ids.end());
  EXPECT_EQ(term.recorded(), once_each(all));
  std::vector<std::string> answered = m_ids;
  answered.insert(answered.end(), n_ids.begin(), n_ids.end());
  EXPECT_EQ(term.sent_replies(), once_each(answered));
  test::Admin admin(dovecot, folder);
  for (const auto reused : n_uids)
    EXPECT_TRUE(test::has_flag(admin.flags(reused), "$MailroomProcessed")) << "UID " << reused;

  // The next poll is quiet: no warning, nothing recorded again.
  const auto fourth = term.run();
  ASSERT_EQ(fourth.exit_code, 0) << fourth.err;
  EXPECT_EQ(test::count_of(fourth.err, " recorded "), 0) << fourth.err;
  EXPECT_EQ(test::count_of(fourth.err, "warn"), 0) << fourth.err;
  EXPECT_EQ(term.recorded(), once_each(all));
  const auto reconciled =
      test::mailroom("reconcile --config " + test::quoted(term.dir / "term.toml"));
  EXPECT_EQ(reconciled.exit_code, 0) << reconciled.out << reconciled.err;
  admin.remove();
}

} // namespace

TEST(UidReuse, ARestorePolledBeforeNewMailIsDetectedAndNothingIsSkipped) {
  uid_reuse(Restored::then_polled);
}

TEST(UidReuse, NewMailUnderReusedUidsBeforeThePollIsDetectedAndNothingIsSkipped) {
  // UIDNEXT is exactly where mailroom left it: only the mail under the last UID read
  // shows that the UIDs were handed out again.
  uid_reuse(Restored::then_delivered);
}

namespace {

// The test's folder, watched by a term, and a second folder beside it; both empty, and
// removed at the end.
struct TwoFolders {
  test::Dovecot dovecot;
  std::string folder = test::test_folder();
  std::string other = folder + "-other";
  FolderTerm term{dovecot, folder};
  test::Admin admin{dovecot, folder};
  test::Admin elsewhere{dovecot, other};
  TwoFolders() {
    admin.recreate();
    elsewhere.recreate();
  }
  ~TwoFolders() {
    elsewhere.remove();
    admin.remove();
  }
};

} // namespace

TEST(MovedMail, MailMovedBeforeProcessingIsProcessedOnce) {
  // E9 (a): one proposal arrives in another folder and is moved into the watched one;
  // another arrives in the watched folder and is moved out and back (a new UID each time)
  // before any poll.
  TwoFolders folders;
  auto& [dovecot, folder, other, term, admin, elsewhere] = folders;
  std::uint32_t uid = 0;
  const auto a = deliver(elsewhere, k_students[0], "A", uid);
  elsewhere.move(uid, folder);
  const auto b = deliver(admin, k_students[1], "B", uid);
  elsewhere.move(admin.move(uid, other), folder);

  const auto ran = term.run();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.err.find("2 new, 0 known, 0 failed"), std::string::npos) << ran.err;
  const auto again = term.run();
  EXPECT_EQ(test::count_of(again.err, " recorded "), 0) << again.err;
  EXPECT_EQ(term.recorded(), once_each({a, b}));
  EXPECT_EQ(term.sent_replies(), once_each({a, b}));
}

TEST(MovedMail, ProcessedMailMovedBackOrCopiedInAgainAddsNoDuplicate) {
  // E9 (b): after processing, staff move the proposal to another folder and back (a new
  // UID, the keyword moves along), and a client uploads the same bytes again without the
  // keyword.
  TwoFolders folders;
  auto& [dovecot, folder, other, term, admin, elsewhere] = folders;
  std::uint32_t uid = 0;
  const auto a = deliver(admin, k_students[0], "A", uid);
  const auto first = term.run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("1 new, 0 known, 0 failed"), std::string::npos) << first.err;

  const auto moved_back = elsewhere.move(admin.move(uid, other), folder);
  ASSERT_GT(moved_back, uid);
  const auto archived = (term.state() / "archive");
  std::string raw;
  for (const auto& entry : fs::directory_iterator(archived))
    if (entry.path().extension() == ".eml")
      raw = test::read_text(entry.path());
  ASSERT_FALSE(raw.empty());
  const auto copied =
      admin.append(raw, test::format_utc(std::time(nullptr), "%d-%b-%Y %H:%M:%S +0000"));

  const auto second = term.run();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(test::count_of(second.err, " recorded "), 0) << second.err;
  EXPECT_EQ(test::count_of(second.err, "error"), 0) << second.err;
  EXPECT_EQ(term.recorded(), once_each({a}));
  EXPECT_EQ(term.sent_replies(), once_each({a}));
  // Both copies are known now, and marked so.
  EXPECT_TRUE(test::has_flag(admin.flags(moved_back), "$MailroomProcessed"));
  EXPECT_TRUE(test::has_flag(admin.flags(copied), "$MailroomProcessed"));
}

TEST(MovedMail, MailExpungedBetweenSearchAndFetchLeavesNoHalfRecord) {
  // E9 (c): a poll has found three mails (SEARCH) and is held before it FETCHes them
  // (the hold hook of core/fault.hpp); meanwhile staff expunge the middle one.
  test::Dovecot dovecot;
  const auto folder = test::test_folder();
  FolderTerm term(dovecot, folder);
  test::Admin admin(dovecot, folder);
  admin.recreate();
  std::uint32_t uid = 0, gone = 0;
  const auto a = deliver(admin, k_students[0], "A", uid);
  deliver(admin, k_students[1], "X", gone);
  const auto b = deliver(admin, k_students[2], "B", uid);

  const auto held = term.dir / "held";
  const auto log = term.dir / "held.log";
  const pid_t pid = test::start_mailroom(
      {"run", "--once"}, term.dir / "term.toml", log,
      {{"MAILROOM_FAULT_HOLD_AT", "before-fetch"}, {"MAILROOM_FAULT_HOLD_FILE", held.string()}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (!fs::exists(held) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  EXPECT_TRUE(fs::exists(held)) << "the poll never reached its FETCH";
  admin.expunge(gone);
  fs::remove(held);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const auto text = test::read_text(log);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 0) << text;

  // One error line names the expunged mail; the others are recorded once; nothing of it
  // in the ledger or the archive.
  EXPECT_EQ(test::count_of(text, "error"), 1) << text;
  EXPECT_NE(
      text.find(fmt::format(";UID={}: the mail was expunged before mailroom could read it", gone)),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("2 new, 0 known, 1 failed"), std::string::npos) << text;
  EXPECT_EQ(term.recorded(), once_each({a, b}));
  EXPECT_EQ(term.sent_replies(), once_each({a, b}));
  int archived = 0;
  for (const auto& entry : fs::directory_iterator(term.state() / "archive"))
    archived += entry.path().extension() == ".eml";
  EXPECT_EQ(archived, 2);

  // The next poll is clean.
  const auto next = term.run();
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(test::count_of(next.err, " recorded "), 0) << next.err;
  EXPECT_EQ(test::count_of(next.err, "error"), 0) << next.err;
  EXPECT_EQ(test::count_of(next.err, "warn"), 0) << next.err;
  const auto reconciled =
      test::mailroom("reconcile --config " + test::quoted(term.dir / "term.toml"));
  EXPECT_EQ(reconciled.exit_code, 0) << reconciled.out << reconciled.err;
  admin.remove();
}
