// Staff working from the bundled example, recorded by `mailroom run --once` on its
// Maildir: the review queue, the ledger as of a day, status, and staff commands that
// refuse to go quietly wrong.
#include "ledger/sqlite_ledger.hpp"
#include "support/example_term.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

using namespace mailroom;
using test::json_lines;
using test::text_of;

namespace {

using Records = test::JsonRecords;

// The example term (its rules, its 16 mails), recorded through the daemon's own path.
struct RecordedTerm : test::ExampleTerm {
  RecordedTerm()
      : ExampleTerm("rules = \"rules\"\nstate_dir = \"state\"\npoll_interval = \"1s\"\n"
                    "[mailbox]\nurl = \"maildir:maildir\"\n[outbox]\nurl = \"dir:outbox\"\n") {
    const auto ran = run("run --once");
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
  }

  // `ledger --json` rows keyed "deliverable@lecture/group".
  [[nodiscard]] std::map<std::string, Poco::JSON::Object::Ptr>
  ledger(const std::string& args) const {
    const auto ran = run("ledger --json " + args);
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    return test::ledger_rows(ran.out);
  }

  // `review --json`: the queue, what needs a person, oldest first; then (`all`) the recorded
  // submissions whose content checks warned, "reason": "content-check".
  [[nodiscard]] Records review(bool all = false) const {
    const auto ran = run("review --json");
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    Records records;
    for (const auto& record : json_lines(ran.out))
      if (all || text_of(record, "reason") != "content-check")
        records.push_back(record);
    return records;
  }

  // The id of the review entry from `from`, or 0.
  [[nodiscard]] long queued_mail_from(const std::string& from) const {
    for (const auto& item : review())
      if (text_of(item, "from").find("<" + from + ">") != std::string::npos)
        return item->getValue<long>("mail");
    ADD_FAILURE() << "no review entry from " << from;
    return 0;
  }
};

std::vector<std::string> froms(const Records& queue) {
  std::vector<std::string> out;
  for (const auto& item : queue)
    out.push_back(text_of(item, "from"));
  return out;
}

} // namespace

TEST(StaffQueue, ReviewListsWhatNeedsAPersonOldestFirstWithTheCommandThatSettlesIt) {
  RecordedTerm term;
  const auto queue = term.review();
  // A question about the proposal (Sep 10); the mailer-daemon notice (Sep 15) and the
  // visitor (Sep 21) are unknown senders; group 2's slides for a lecture group 1 presents
  // (Oct 5) need review.
  EXPECT_EQ(froms(queue),
            (std::vector<std::string>{"Priya Ndiaye <pndiaye@students.example.edu>",
                                      "Mail Delivery Subsystem <mailer-daemon@umich.edu>",
                                      "Sam Visitor <sam.visitor@elsewhere.example.org>",
                                      "Farid Nasser <fnasser@students.example.edu>"}));
  ASSERT_EQ(queue.size(), 4u);
  EXPECT_EQ(text_of(queue[0], "reason"), "question");
  EXPECT_EQ(text_of(queue[1], "reason"), "unknown-sender");
  EXPECT_EQ(text_of(queue[2], "reason"), "unknown-sender");
  EXPECT_EQ(text_of(queue[3], "reason"), "needs-review");
  EXPECT_EQ(text_of(queue[3], "why"),
            "group 2 is not assigned slides for 2025-10-07 (group 1 is); group 2 owes slides "
            "for Tue Sep 16, Thu Oct 9");
  const long unclear = queue[3]->getValue<long>("mail");
  const auto settle = queue[3]->getArray("settle");
  ASSERT_EQ(settle->size(), 2u);
  const std::string config = (term.dir / "term.toml").string();
  EXPECT_EQ(settle->getElement<std::string>(0),
            fmt::format("mailroom reclassify {} --as slides@2025-10-07 --group 2 --reason "
                        "\"...\" --config {}",
                        unclear, config));
  EXPECT_EQ(settle->getElement<std::string>(1),
            fmt::format("mailroom dismiss {} --reason \"not a submission\" --config {}", unclear,
                        config));
  const long visitor = queue[2]->getValue<long>("mail");
  EXPECT_EQ(queue[2]->getArray("settle")->getElement<std::string>(0),
            fmt::format("mailroom reclassify {} --as DELIVERABLE[@LECTURE] --group GROUP --reason "
                        "\"...\" --config {}",
                        visitor, config));

  // The example's files are what the course asks for (real PDFs within their page limits,
  // the proposal naming its members, the report linking its code), so no content warning
  // adds a submission to the full list.
  const auto all = term.review(true);
  EXPECT_EQ(froms(all), froms(queue));

  const auto people = term.run("review");
  EXPECT_NE(people.out.find("4 mail(s) need a person, oldest first:"), std::string::npos)
      << people.out;
  EXPECT_EQ(people.out.find("with content warnings"), std::string::npos) << people.out;
  EXPECT_NE(people.out.find(fmt::format("mail {}  Sun Oct 5, 8:00 AM EDT  Farid Nasser "
                                        "<fnasser@students.example.edu>  \"Slides for Oct 7\"",
                                        unclear)),
            std::string::npos)
      << people.out;
}

TEST(StaffQueue, LedgerNeedsReviewListsTheSameMailsAndTheFooterNamesTheIds) {
  RecordedTerm term;
  std::vector<long> queued;
  for (const auto& item : term.review())
    queued.push_back(item->getValue<long>("mail"));
  ASSERT_EQ(queued.size(), 4u);
  const auto listed = term.run("ledger --json --status needs-review --now 2025-12-31T00:00:00Z");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::vector<long> rows;
  for (const auto& row : json_lines(listed.out)) {
    EXPECT_EQ(text_of(row, "status"), "needs-review");
    rows.push_back(row->getValue<long>("counting_mail"));
    EXPECT_TRUE(row->getArray("versions")->getObject(0)->getValue<bool>("held"));
  }
  EXPECT_EQ(rows, queued);
  // Group 2's unclear slides keep the classifier's guess.
  const auto unclear = json_lines(listed.out).back();
  EXPECT_EQ(text_of(unclear, "deliverable"), "slides");
  EXPECT_EQ(text_of(unclear, "lecture"), "2025-10-07");
  EXPECT_EQ(text_of(unclear, "group"), "2");
  EXPECT_EQ(text_of(unclear, "due"), "2025-10-06T14:30:00Z");

  // An export without the filter stays one record per instance and group.
  for (const auto& row : json_lines(term.run("ledger --json --now 2025-12-31T00:00:00Z").out))
    EXPECT_FALSE(row->isNull("deliverable"));

  const auto table = term.run("ledger --now 2025-12-31T00:00:00Z");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find(fmt::format("4 mail(s) need a person: {} (question), {} "
                                       "(unknown-sender), {} (unknown-sender), {} (needs-review).",
                                       queued[0], queued[1], queued[2], queued[3])),
            std::string::npos)
      << table.out;
}

TEST(StaffQueue, TheLedgerAsOfADayKnowsOnlyTheMailThatHadArrived) {
  RecordedTerm term;
  // Group 3's slides for Nov 4 arrived Mon Nov 3 10:31 EST, a minute after their due time.
  EXPECT_EQ(text_of(term.ledger("--now 2025-09-26T00:00:00Z").at("slides@2025-11-04/3"), "status"),
            "pending");
  const auto at_due = term.ledger("--now 2025-11-03T15:30:00Z").at("slides@2025-11-04/3");
  EXPECT_EQ(text_of(at_due, "status"), "pending");
  EXPECT_EQ(at_due->getArray("versions")->size(), 0u);
  EXPECT_EQ(text_of(term.ledger("--now 2025-11-03T15:30:30Z").at("slides@2025-11-04/3"), "status"),
            "missing");
  const auto after = term.ledger("--now 2025-11-03T15:31:00Z").at("slides@2025-11-04/3");
  EXPECT_EQ(text_of(after, "status"), "late");
  EXPECT_EQ(after->getValue<long>("late_by_seconds"), 60);

  // The human view of Sep 26 shows it pending too.
  const auto table = term.run("ledger --group 3 --now 2025-09-26T00:00:00Z");
  EXPECT_NE(table.out.find("slides        2025-11-04  3      pending"), std::string::npos)
      << table.out;
}

TEST(StaffQueue, AnExtensionChangesTheAsOfViewAndItsRevocationTakesItBack) {
  RecordedTerm term;
  const auto late = [&] {
    return text_of(term.ledger("--now 2025-11-10T00:00:00Z").at("slides@2025-11-04/3"), "status");
  };
  ASSERT_EQ(late(), "late");
  // An "extension" to before the due time in force is refused unless meant.
  const auto earlier =
      term.run("extend 3 slides@2025-11-04 --until '2025-11-02 10:30' --reason typo");
  EXPECT_EQ(earlier.exit_code, 1);
  EXPECT_NE(earlier.err.find("Sun Nov 2, 10:30 AM EST is before the due time in force, Mon Nov "
                             "3, 10:30 AM EST; check the date; if an earlier due time is meant, "
                             "add --earlier"),
            std::string::npos)
      << earlier.err;
  ASSERT_EQ(term.run("extend 3 slides@2025-11-04 --until '2025-11-03 12:00' --reason 'bus strike'")
                .exit_code,
            0);
  EXPECT_EQ(late(), "on-time");
  const auto revoked = term.run("extend 3 slides@2025-11-04 --revoke --reason 'granted in error'");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_NE(revoked.out.find("Revoked the extension of slides@2025-11-04 for group 3: due Mon Nov "
                             "3, 10:30 AM EST (was Mon Nov 3, 12:00 PM EST)"),
            std::string::npos)
      << revoked.out;
  EXPECT_EQ(late(), "late");
  // Meant: an earlier due time, with --earlier, makes the late slides later still.
  ASSERT_EQ(term.run("extend 3 slides@2025-11-04 --until '2025-11-03 10:00' --earlier --reason "
                     "'room moved'")
                .exit_code,
            0);
  EXPECT_EQ(term.ledger("--now 2025-11-10T00:00:00Z")
                .at("slides@2025-11-04/3")
                ->getValue<long>("late_by_seconds"),
            31 * 60);
  ASSERT_EQ(term.run("extend 3 slides@2025-11-04 --revoke --reason 'room is back'").exit_code, 0);
  const auto again = term.run("extend 3 slides@2025-11-04 --revoke --reason twice");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("group 3 has no extension of slides@2025-11-04 to revoke"),
            std::string::npos)
      << again.err;
}

TEST(StaffQueue, ARevokedExcusalIsAuditedAndTheStatusGoesBack) {
  RecordedTerm term;
  const auto status = [&] {
    return text_of(term.ledger("--now 2025-12-31T00:00:00Z").at("proposal/2"), "status");
  };
  ASSERT_EQ(status(), "missing");
  ASSERT_EQ(term.run("excuse 2 proposal --reason 'joined late'").exit_code, 0);
  EXPECT_EQ(status(), "excused");
  const auto revoked = term.run("excuse 2 proposal --revoke --reason 'wrong group'");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_NE(revoked.out.find("Group 2 owes proposal again"), std::string::npos) << revoked.out;
  EXPECT_EQ(status(), "missing");
  auto ledger = ledger::SqliteLedger::open(term.dir / "state", ledger::OpenMode::must_exist);
  ASSERT_TRUE(ledger) << ledger.error().to_string();
  auto audit = ledger->audit();
  ASSERT_TRUE(audit) << audit.error().to_string();
  std::vector<std::string> trail;
  for (const auto& row : *audit)
    trail.push_back(row.action + "|" + row.what + "|" + row.reason);
  EXPECT_EQ(trail, (std::vector<std::string>{"excuse|group 2 proposal|joined late",
                                             "revoke-excusal|group 2 proposal|wrong group"}));
}

TEST(StaffQueue, UnknownFilterValuesAreErrorsListingTheValidOnes) {
  RecordedTerm term;
  const auto group = term.run("ledger --group 99");
  EXPECT_EQ(group.exit_code, 1);
  EXPECT_TRUE(
      group.err.starts_with("--group: no group '99' on the roster; use one of: 1, 2, 3, 4, 5\n"))
      << group.err;
  const auto deliverable = term.run("ledger --deliverable slidez");
  EXPECT_EQ(deliverable.exit_code, 1);
  EXPECT_TRUE(deliverable.err.starts_with("--deliverable: no deliverable 'slidez'; use one of: "
                                          "final-report, proposal, slides, summary\n"))
      << deliverable.err;
  const auto lecture = term.run("ledger --lecture 2025-13-01");
  EXPECT_EQ(lecture.exit_code, 1);
  EXPECT_TRUE(lecture.err.starts_with("--lecture: no lecture on 2025-13-01; use a lecture date "
                                      "(YYYY-MM-DD) of the course: 2025-08-26, "))
      << lecture.err;
}

TEST(StaffQueue, UnassignedLectureSlotsAreRowsOnlyWithAll) {
  RecordedTerm term;
  const auto count_unassigned = [](const std::map<std::string, Poco::JSON::Object::Ptr>& rows) {
    return std::count_if(rows.begin(), rows.end(), [](const auto& row) {
      return row.second->isNull("group") && !row.second->isNull("deliverable");
    });
  };
  EXPECT_EQ(count_unassigned(term.ledger("")), 0);
  EXPECT_GT(count_unassigned(term.ledger("--all")), 0);
}

TEST(StaffQueue, DismissTakesAMailOffTheQueueAndIsAudited) {
  RecordedTerm term;
  const long visitor = term.queued_mail_from("sam.visitor@elsewhere.example.org");
  const auto ran =
      term.run("dismiss " + std::to_string(visitor) + " --reason 'a visitor asking about seats'");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("Dismissed mail " + std::to_string(visitor)), std::string::npos)
      << ran.out;
  EXPECT_EQ(froms(term.review()),
            (std::vector<std::string>{"Priya Ndiaye <pndiaye@students.example.edu>",
                                      "Mail Delivery Subsystem <mailer-daemon@umich.edu>",
                                      "Farid Nasser <fnasser@students.example.edu>"}));
  const auto shown = term.run("show " + std::to_string(visitor));
  EXPECT_NE(shown.out.find("a visitor asking about seats"), std::string::npos) << shown.out;
  EXPECT_EQ(term.run("dismiss 999 --reason x").exit_code, 1);
}

TEST(StaffQueue, ReclassifyQueuesTheReplyTheNewDecisionCallsForOnce) {
  RecordedTerm term;
  const long unclear = term.queued_mail_from("fnasser@students.example.edu");
  const auto id = std::to_string(unclear);
  const auto first =
      term.run("reclassify " + id + " --as slides@2025-10-09 --reason 'deck for Oct 9'");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("Queued a receipt to fnasser@students.example.edu"), std::string::npos)
      << first.out;
  const auto queued = [&] {
    const auto ran = term.run("ledger --status reply-queued --json");
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    Records mine;
    for (const auto& row : json_lines(ran.out))
      if (row->getValue<long>("mail") == unclear)
        mine.push_back(row);
    return mine;
  };
  const auto rows = queued();
  ASSERT_FALSE(rows.empty());
  for (const auto& row : rows)
    EXPECT_EQ(text_of(row, "kind"), "receipt");
  // The same decision again queues nothing more.
  const auto second =
      term.run("reclassify " + id + " --as slides@2025-10-09 --reason 'said twice'");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("No reply: this decision was answered already."), std::string::npos)
      << second.out;
  EXPECT_EQ(queued().size(), rows.size());
  // The instance counts the mail now, and the queue is empty of it.
  const auto row = term.ledger("--now 2025-12-31T00:00:00Z").at("slides@2025-10-09/2");
  EXPECT_EQ(text_of(row, "status"), "on-time");
  EXPECT_EQ(row->getArray("versions")->size(), 2u);
  for (const auto& item : term.review())
    EXPECT_NE(item->getValue<long>("mail"), unclear);
}

TEST(StaffQueue, ReclassifyByMailQueuesTheStudentsReceiptOnceAsTheCommandLineDoes) {
  // Staff settle the unclear mail by a command mail. The student gets the
  // receipt the mail would have had, had it been classified right, through the outbox,
  // once: a second command mail with the same decision and `mailroom reclassify` after it
  // queue nothing more.
  RecordedTerm term;
  const long unclear = term.queued_mail_from("fnasser@students.example.edu");
  std::ofstream(term.dir / "rules" / "staff.csv") << "name,addresses\nProf Kay,kay@umich.edu\n";
  std::ofstream(term.dir / "term.toml", std::ios::app)
      << "[trust]\ntrusted_authserv_id = \"mx.umich.edu\"\n";
  const auto command_mail = [&](const std::string& name, const std::string& command) {
    std::ofstream(term.dir / "maildir" / "new" / name)
        << "Authentication-Results: mx.umich.edu; dkim=pass header.d=umich.edu; dmarc=pass "
           "header.from=umich.edu\r\n"
           "From: Prof Kay <kay@umich.edu>\r\nTo: cse585-staff@umich.edu\r\n"
           "Subject: " +
               command + "\r\nDate: Mon, 13 Oct 2025 09:00:00 -0400\r\nMessage-ID: <" + name +
               "@umich.edu>\r\n\r\n" + command + "\r\n";
  };
  const auto receipts = [&] {
    int count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(term.dir / "outbox")) {
      if (!entry.is_regular_file())
        continue;
      std::ifstream in(entry.path());
      const std::string text{std::istreambuf_iterator<char>(in), {}};
      if (text.find("fnasser@students.example.edu") != std::string::npos &&
          text.find("Message-ID: <receipt.") != std::string::npos &&
          text.find(".staff.") != std::string::npos)
        ++count;
    }
    return count;
  };
  const auto command =
      "reclassify " + std::to_string(unclear) + " as slides@2025-10-09 reason deck";
  command_mail("1760360400.cmd1.test", command);
  auto ran = term.run("run --once");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  // One copy per member of group 2 (Farid and his two partners), of one receipt.
  EXPECT_EQ(receipts(), 3) << ran.err;
  const auto row = term.ledger("--now 2025-12-31T00:00:00Z").at("slides@2025-10-09/2");
  EXPECT_EQ(text_of(row, "status"), "on-time");
  // The answer to Prof Kay says so.
  const auto answered =
      test::run_shell("grep -rl 'Queued a receipt to fnasser@students.example.edu' " +
                      test::quoted(term.dir / "outbox"));
  EXPECT_EQ(answered.exit_code, 0) << answered.out << answered.err;

  command_mail("1760360460.cmd2.test", command + " again");
  ran = term.run("run --once");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto again = term.run("reclassify " + std::to_string(unclear) +
                              " --as slides@2025-10-09 --reason 'said twice'");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("No reply: this decision was answered already."), std::string::npos)
      << again.out;
  ran = term.run("run --once");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(receipts(), 3);
}

TEST(StaffQueue, ReclassifyQuietSendsNothing) {
  RecordedTerm term;
  const auto id = std::to_string(term.queued_mail_from("fnasser@students.example.edu"));
  const auto ran =
      term.run("reclassify " + id + " --as slides@2025-10-09 --quiet --reason 'told in class'");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("No reply: --quiet"), std::string::npos) << ran.out;
  EXPECT_EQ(term.run("ledger --status reply-queued --json").out, "");
}

TEST(StaffQueue, StatusAfterTheDaemonStopped) {
  RecordedTerm term;
  const auto ran = term.run("status --json --now 2025-11-03T12:00:00Z");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto status = json_lines(ran.out).at(0);
  EXPECT_EQ(text_of(status, "daemon"), "stopped");
  EXPECT_EQ(text_of(status, "last_poll_outcome"), "ok");
  EXPECT_EQ(text_of(status, "connection"), "ok");
  EXPECT_EQ(status->getValue<long>("mails_term"), 14); // Nov 3 15:31Z and Dec 15 come later
  EXPECT_EQ(status->getValue<long>("mails_today"), 0);
  EXPECT_EQ(status->getValue<long>("review_queue"), 4);
  const auto next = status->getArray("next_deadlines");
  ASSERT_EQ(next->size(), 5u);
  EXPECT_EQ(next->getObject(0)->getValue<std::string>("deliverable"), "slides");
  EXPECT_EQ(next->getObject(0)->getValue<std::string>("lecture"), "2025-11-04");
  EXPECT_EQ(next->getObject(0)->getValue<std::string>("due"), "2025-11-03T15:30:00Z");

  const auto people = term.run("status --now 2025-11-03T12:00:00Z");
  EXPECT_NE(people.out.find("daemon       stopped"), std::string::npos) << people.out;
  EXPECT_NE(people.out.find("review       4 mail(s) need a person (`mailroom review`)"),
            std::string::npos)
      << people.out;
}

TEST(StaffQueue, StatusWhileTheDaemonRunsThenAfterItStops) {
  RecordedTerm term;
  const auto log = term.dir / "daemon.log";
  const pid_t pid = test::start_daemon_detached(term.dir / "term.toml", log);
  // Wait (bounded) until the daemon's status file names it and a next poll.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  std::string daemon;
  while (daemon != "running" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    const auto ran = term.run("status --json");
    if (ran.exit_code == 0 && !ran.out.empty())
      daemon = text_of(json_lines(ran.out).at(0), "daemon");
  }
  EXPECT_EQ(daemon, "running");
  const auto shown = term.run("status");
  EXPECT_NE(shown.out.find("daemon       running (pid " + std::to_string(pid) + ")"),
            std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("connection   ok, next poll "), std::string::npos) << shown.out;
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  const auto stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (daemon != "stopped" && std::chrono::steady_clock::now() < stop_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    daemon = text_of(json_lines(term.run("status --json").out).at(0), "daemon");
  }
  EXPECT_EQ(daemon, "stopped");
}

TEST(StaffQueue, AMistypedCommandOrOptionNamesTheClosestValidOne) {
  const auto command = test::mailroom("ledgr --json");
  EXPECT_NE(command.exit_code, 0);
  EXPECT_NE(command.err.find("mailroom: 'ledgr' is not a command; did you mean 'ledger'?"),
            std::string::npos)
      << command.err;
  const auto option = test::mailroom("ledger --grup 3 --config x.toml");
  EXPECT_NE(option.exit_code, 0);
  EXPECT_NE(
      option.err.find("mailroom: '--grup' is not an option of ledger; did you mean '--group'?"),
      std::string::npos)
      << option.err;
}

TEST(StaffQueue, BackupToAFolderThatDoesNotExistSaysSo) {
  RecordedTerm term;
  const auto missing = term.dir / "no-such-folder";
  const auto ran = term.run("backup " + test::quoted(missing / "ledger.db"));
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_TRUE(ran.err.starts_with((missing / "ledger.db").string() + ": the folder " +
                                  missing.string() + " does not exist; create it first (mkdir -p " +
                                  missing.string() + "), or back up into an existing folder\n"))
      << ran.err;
}
