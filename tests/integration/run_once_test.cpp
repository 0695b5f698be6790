// `mailroom run --once` and `mailroom check --config` against the fixture's Dovecot: the
// whole daemon path (config, IMAP, archive, ledger) as staff run it.

#include "integration/imap_support.hpp"
#include "support/example_term.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

using namespace mailroom;

namespace {

std::string example_mail(const std::string& name) {
  std::ifstream in(std::string(MAILROOM_SOURCE_DIR) + "/examples/maildir/new/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  // IMAP serves CRLF line ends; the example files have LF.
  std::string crlf;
  for (char c : text.str()) {
    if (c == '\n')
      crlf += '\r';
    crlf += c;
  }
  return crlf;
}

// A course term (the example rules) watching this test's own folder over IMAPS.
struct ImapTerm {
  test::Dovecot dovecot;
  test::TempDir dir;
  std::string folder = test::test_folder();

  explicit ImapTerm(const std::string& password = "secret") {
    test::copy_example_rules(dir / "rules");
    test::write_secret(dir / "imap-password", password + "\n");
    std::ofstream(dir / "term.toml") << fmt::format(
        "rules = \"rules\"\nstate_dir = \"state\"\npoll_interval = \"1s\"\n"
        "[mailbox]\nurl = \"{}\"\nuser = \"staff\"\npassword_file = \"imap-password\"\n"
        "ca_file = \"{}\"\ntimeout = \"5s\"\n[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n",
        dovecot.imaps_url(folder), dovecot.ca_file().string());
  }
  [[nodiscard]] std::string config() const { return test::quoted(dir / "term.toml"); }
  [[nodiscard]] test::Ran run_once() const {
    return test::mailroom("run --once --config " + config());
  }
  [[nodiscard]] std::string ledger_json() const {
    const auto ledger =
        test::mailroom("ledger --json --config " + config() + " --now 2025-12-31T00:00:00Z");
    EXPECT_EQ(ledger.exit_code, 0) << ledger.err;
    return ledger.out;
  }
};

} // namespace

TEST(RunOnceImap, MailsAreJudgedByInternalDateNotByTheirDateHeaderAndSeenIsUntouched) {
  // The daemon was down: both proposals arrived months ago; the proposal was due at
  // 23:59:59 EDT. Group 1's Date header says 1 s before but it arrived 2 s after; Group 4's
  // says 2 s after but it arrived exactly at the deadline (written with a -0400 offset).
  ImapTerm term;
  test::Admin admin(term.dovecot, term.folder);
  admin.recreate();
  const auto late =
      admin.append(example_mail("1758254399.04.example"), "19-Sep-2025 04:00:01 +0000");
  const auto on_time =
      admin.append(example_mail("1758254401.05.example"), "18-Sep-2025 23:59:59 -0400", "\\Seen");

  const auto ran = term.run_once();
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.err.find("2 new, 0 known, 0 failed"), std::string::npos) << ran.err;
  // APPENDed, so not delivered by SMTP (T3b): each is needs-review, with the verdict of
  // its INTERNALDATE.
  const auto ledger = term.ledger_json();
  EXPECT_NE(ledger.find("\"group\":\"1\",\"due\":\"2025-09-19T03:59:59Z\",\"status\":"
                        "\"needs-review\",\"extended_until\":null,\"received_at\":"
                        "\"2025-09-19T04:00:01Z\",\"late_by_seconds\":2"),
            std::string::npos)
      << ledger;
  EXPECT_NE(ledger.find("\"group\":\"4\",\"due\":\"2025-09-19T03:59:59Z\",\"status\":"
                        "\"needs-review\",\"extended_until\":null,\"received_at\":"
                        "\"2025-09-19T03:59:59Z\",\"late_by_seconds\":0"),
            std::string::npos)
      << ledger;
  // Read with BODY.PEEK[]: the unread mail stays unread, the read one stays read.
  EXPECT_FALSE(test::has_flag(admin.flags(late), "\\Seen"));
  EXPECT_TRUE(test::has_flag(admin.flags(on_time), "\\Seen"));
  EXPECT_TRUE(test::has_flag(admin.flags(late), "$MailroomProcessed"));

  // APPENDed with no Received (T3b): needs-review, the verdict still from INTERNALDATE;
  // no trusted Authentication-Results, so not authenticated (S1b).
  const auto shown = test::mailroom("show 1 --config " + term.config());
  EXPECT_NE(shown.out.find("Decision:  needs-review"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("-> late by 2 s"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("Signal:    arrival mismatch\n"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("Review:    arrival mismatch: not delivered by SMTP"), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("Signal:    unauthenticated: no Authentication-Results from "
                           "mx.example.edu"),
            std::string::npos)
      << shown.out;

  const auto again = term.run_once();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(test::count_of(again.err, " recorded "), 0) << again.err;
  admin.remove();
}

TEST(RunOnceImap, ARecreatedFolderAddsNoDuplicate) {
  // The folder is deleted and made again with the same mails: new UIDVALIDITY, every UID
  // renumbered. The content hash recognises each mail.
  ImapTerm term;
  test::Admin admin(term.dovecot, term.folder);
  admin.recreate();
  admin.append(example_mail("1758254399.04.example"), "19-Sep-2025 03:00:00 +0000");
  admin.append(example_mail("1758254401.05.example"), "19-Sep-2025 03:30:00 +0000");
  const auto first = term.run_once();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto before = term.ledger_json();

  admin.recreate();
  admin.append(example_mail("1758254401.05.example"), "19-Sep-2025 03:30:00 +0000");
  admin.append(example_mail("1758254399.04.example"), "19-Sep-2025 03:00:00 +0000");
  const auto second = term.run_once();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("UIDVALIDITY changed"), std::string::npos) << second.err;
  EXPECT_EQ(test::count_of(second.err, " recorded "), 0) << second.err;
  EXPECT_EQ(term.ledger_json(), before);
  admin.remove();
}

TEST(RunOnceImap, AWrongPasswordIsAClearErrorAndExitsNonZero) {
  ImapTerm term("not-the-password");
  const auto ran = term.run_once();
  EXPECT_EQ(ran.exit_code, 1) << ran.err;
  EXPECT_NE(ran.err.find("password"), std::string::npos) << ran.err;
  const auto checked = test::mailroom("check --config " + term.config());
  EXPECT_NE(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_NE(checked.err.find("password"), std::string::npos) << checked.err;
}

TEST(RunOnceImap, CheckLogsInAndListsEveryProblem) {
  ImapTerm term;
  test::Admin admin(term.dovecot, term.folder);
  admin.recreate();
  const auto ok = test::mailroom("check --config " + term.config());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("logged in as staff"), std::string::npos) << ok.out;

  // No trusted authserv-id and a CA that does not sign the server: both listed.
  std::ofstream(term.dir / "other-ca.crt") << "";
  std::ofstream(term.dir / "term.toml")
      << fmt::format("rules = \"rules\"\nstate_dir = \"state\"\n"
                     "[mailbox]\nurl = \"{}\"\nuser = \"staff\"\npassword_file = "
                     "\"imap-password\"\ntimeout = \"5s\"\n",
                     term.dovecot.imaps_url(term.folder));
  const auto bad = test::mailroom("check --config " + term.config());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("[trust] says neither"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("certificate"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("2 problems"), std::string::npos) << bad.err;
  admin.remove();
}

TEST(RunOnceImap, ShowNamesAnImapMailByItsUidAndKeepsThePort) {
  ImapTerm term;
  test::Admin admin(term.dovecot, term.folder);
  admin.recreate();
  admin.append(example_mail("1758254399.04.example"), "19-Sep-2025 03:00:00 +0000");
  ASSERT_EQ(term.run_once().exit_code, 0);
  const auto shown = test::mailroom("show 1 --config " + term.config());
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("Mail 1: UID 1\n"), std::string::npos) << shown.out;
  const auto url = term.dovecot.imaps_url(term.folder);
  EXPECT_NE(shown.out.find("Sources:   " + url + " UID 1 (UIDVALIDITY "), std::string::npos)
      << url << "\n"
      << shown.out;
  admin.remove();
}

TEST(RunOnceImap, ReconcileFindsAnUnrecordedMailAndAMissingArchiveFile) {
  ImapTerm term;
  test::Admin admin(term.dovecot, term.folder);
  admin.recreate();
  admin.append(example_mail("1758254399.04.example"), "19-Sep-2025 03:00:00 +0000");
  admin.append(example_mail("1758254401.05.example"), "19-Sep-2025 03:30:00 +0000");
  ASSERT_EQ(term.run_once().exit_code, 0);
  const auto clean = test::mailroom("reconcile --config " + term.config());
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("reconcile: 2 mails in "), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("2 in the ledger; 0 differences"), std::string::npos) << clean.out;

  // A mail arrives that no poll has taken yet, and one archive file is deleted.
  admin.append(example_mail("1757516400.08.example"), "19-Sep-2025 05:00:00 +0000");
  std::filesystem::path removed;
  for (const auto& entry : std::filesystem::directory_iterator(term.dir / "state" / "archive"))
    if (entry.path().extension() == ".eml" && removed.empty())
      removed = entry.path();
  ASSERT_FALSE(removed.empty());
  std::filesystem::remove(removed);

  const auto found = test::mailroom("reconcile --config " + term.config());
  EXPECT_EQ(found.exit_code, 1) << found.out << found.err;
  EXPECT_EQ(test::count_of(found.out, "not in the ledger: "), 1) << found.out;
  EXPECT_NE(found.out.find(";UID=3 (INTERNALDATE 2025-09-19T05:00:00Z"), std::string::npos)
      << found.out;
  EXPECT_EQ(test::count_of(found.out, "not in the archive: "), 1) << found.out;
  EXPECT_NE(found.out.find(removed.string() + " is missing"), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("3 mails in"), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("2 differences"), std::string::npos) << found.out;
  admin.remove();
}

TEST(RunOnceImap, KillNineInTheMiddleOfAPollThenRestartRecordsEachMailExactlyOnce) {
  // E1 without a fault hook: the process is killed while it works through a backlog, at
  // whatever step it is in; the next run finishes the job. Reconcile proves the result.
  ImapTerm term;
  test::Admin admin(term.dovecot, term.folder);
  admin.recreate();
  constexpr int k_mails = 60;
  for (int i = 0; i < k_mails; ++i)
    admin.append(test::mail(fmt::format("backlog-{}", i), std::string(20'000, 'x') + "\r\n"),
                 fmt::format("18-Sep-2025 {:02}:{:02}:00 -0400", 10 + i / 60, i % 60));
  // Killed once it has recorded its first mail (waited for, at most 20 s), with most of
  // the backlog still to do.
  const auto log = term.dir / "killed.log";
  const auto killed = test::run_shell(
      fmt::format("'{}' run --once --config {} 2>{} & pid=$!; for i in $(seq 400); do "
                  "grep -q ' recorded ' {} && break; sleep 0.05; done; kill -9 $pid; "
                  "wait $pid; echo $?",
                  MAILROOM_BINARY, term.config(), test::quoted(log), test::quoted(log)));
  const auto restarted = term.run_once();
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  const auto reconciled = test::mailroom("reconcile --config " + term.config());
  EXPECT_EQ(reconciled.exit_code, 0) << reconciled.out << reconciled.err;
  EXPECT_NE(reconciled.out.find(fmt::format("reconcile: {} mails in ", k_mails)), std::string::npos)
      << reconciled.out;
  EXPECT_NE(reconciled.out.find(fmt::format("{} in the ledger; 0 differences", k_mails)),
            std::string::npos)
      << "killed run: " << killed.out << "\n"
      << reconciled.out;
  admin.remove();
}

namespace {

// Dovecot serves a Maildir folder its mail user cannot write as read-only, with
// PERMANENTFLAGS (): no \* and no keyword can be stored (docs/reliability-cases.md E8).
void set_writable(const ImapTerm& term, bool writable) {
  const auto dir = term.dovecot.dir / "mail" / "staff" / "Maildir" / ("." + term.folder);
  const auto ran = test::run_shell(fmt::format("chmod {0} {1} {1}/cur {1}/new {1}/tmp",
                                               writable ? "0700" : "0500", test::quoted(dir)));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
}

// Waits (bounded) until `log` holds `needle` `times` times.
bool wait_for(const std::filesystem::path& log, const std::string& needle, int times) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (std::chrono::steady_clock::now() < deadline) {
    if (test::count_of(test::run_shell("cat " + test::quoted(log)).out, needle) >= times)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return false;
}

// Waits (bounded) until process `pid`, which the shell started and left to init, has
// ended: no such process, or a zombie.
bool wait_for_exit(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  const auto stat = std::filesystem::path("/proc") / std::to_string(pid) / "stat";
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(stat);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    if (paren == std::string::npos || text.substr(paren + 2, 1) == "Z")
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return false;
}

} // namespace

TEST(RunOnceImap, AFolderThatStoresNoKeywordsIsStillExactlyOnceWithOneWarning) {
  // E8: the daemon polls every second a folder whose PERMANENTFLAGS has no \* and no
  // keyword. Two mails are there at start; two more arrive, one per later poll (the
  // folder is writable only while the test APPENDs them).
  ImapTerm term;
  test::Admin admin(term.dovecot, term.folder);
  admin.recreate();
  const auto first =
      admin.append(example_mail("1758254399.04.example"), "19-Sep-2025 03:00:00 +0000");
  admin.append(example_mail("1758254401.05.example"), "19-Sep-2025 03:30:00 +0000");
  set_writable(term, false);
  const auto log = term.dir / "daemon.log";
  const pid_t pid = test::start_daemon_detached(term.dir / "term.toml", log);
  EXPECT_TRUE(wait_for(log, "2 new, 0 known, 0 failed", 1)) << test::read_text(log);
  int arrived = 0;
  for (const char* name : {"1757880720.01.example", "1757991600.03.example"}) {
    set_writable(term, true);
    admin.append(example_mail(name), "19-Sep-2025 04:00:00 +0000");
    set_writable(term, false);
    EXPECT_TRUE(wait_for(log, "1 new, 0 known, 0 failed", ++arrived)) << test::read_text(log);
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_TRUE(wait_for(log, "stopping", 1));
  EXPECT_TRUE(wait_for_exit(pid)) << test::read_text(log); // its last ledger commit is done
  const auto text = test::read_text(log);
  EXPECT_EQ(test::count_of(text, "does not store new keywords such as $MailroomProcessed"), 1)
      << text;
  EXPECT_EQ(test::count_of(text, "info recorded "), 4) << text;
  // Exactly once across a restart too: the ledger decides, not the missing keyword.
  const auto again = term.run_once();
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(test::count_of(again.err, " recorded "), 0) << again.err;
  EXPECT_FALSE(test::has_flag(admin.flags(first), "\\Seen"));
  EXPECT_FALSE(test::has_flag(admin.flags(first), "$MailroomProcessed"));
  set_writable(term, true);
  const auto reconciled = test::mailroom("reconcile --config " + term.config());
  EXPECT_EQ(reconciled.exit_code, 0) << reconciled.out << reconciled.err;
  admin.remove();
}
