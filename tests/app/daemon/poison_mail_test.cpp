// No poison mail: a mail that was being worked on when the daemon died
// twice is recorded as failed (archived as it came, in `mailroom review`) and skipped, and
// the next mails go through; one death alone is retried as usual. The deaths come from the
// fault hook (core/fault.hpp): MAILROOM_FAULT_KILL_AT=after-archive:1 kills the process at
// the first new mail it archives, the oldest one of the example Maildir each time.

#include "support/example_term.hpp"
#include "support/process.hpp"
#include "support/text.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace mailroom;

namespace {

// The example term with senders unauthenticated (the site writes no
// Authentication-Results), run once at a time, killed or not.
struct PoisonTerm : test::ExampleTerm {
  PoisonTerm()
      : ExampleTerm("rules = \"rules\"\nstate_dir = \"state\"\n[mailbox]\nurl = "
                    "\"maildir:maildir\"\n[trust]\nauthentication = \"none\"\n") {}
  [[nodiscard]] test::Ran run_once() const { return run("run --once"); }
  [[nodiscard]] test::Ran run_killed(const std::string& at = "after-archive:1") const {
    return test::mailroom_with_environment("MAILROOM_FAULT_KILL_AT=" + at,
                                           "run --once --config " + config());
  }
  [[nodiscard]] std::filesystem::path working() const { return dir / "state" / "working"; }
};

} // namespace

TEST(PoisonMail, AMailThatStopsTheDaemonTwiceIsRecordedAsFailedAndTheRestGoThrough) {
  PoisonTerm term;
  for (int death = 1; death <= 2; ++death) {
    const auto killed = term.run_killed();
    ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
    // The note of the mail being worked on is what the next start finds.
    ASSERT_TRUE(std::filesystem::exists(term.working())) << "death " << death;
  }
  const auto third = term.run_once();
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_NE(third.err.find("stopped the daemon twice: recorded as mail 1 without reading it"),
            std::string::npos)
      << third.err;
  // Every mail is recorded, the poison one among them, and the note is gone.
  EXPECT_NE(third.err.find("16 new, 0 known, 0 failed"), std::string::npos) << third.err;
  EXPECT_FALSE(std::filesystem::exists(term.working()));

  const auto review = test::mailroom("review --json --config " + term.config());
  ASSERT_EQ(review.exit_code, 0) << review.err;
  EXPECT_EQ(test::count_of(review.out, "\"reason\":\"failed\""), 1) << review.out;
  EXPECT_NE(review.out.find("\"mail\":1,"), std::string::npos) << review.out;
  EXPECT_NE(review.out.find("stopped the daemon twice: mailroom died 2 times while working on "
                            "this mail"),
            std::string::npos)
      << review.out;
  const auto text = test::mailroom("review --config " + term.config());
  EXPECT_NE(text.out.find("why:    failed: stopped the daemon twice"), std::string::npos)
      << text.out;

  // Archived as it came: the raw file is there; the ledger says where.
  const auto shown = test::mailroom("show 1 --config " + term.config());
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("archive/"), std::string::npos) << shown.out;

  // A later run, and reprocess, leave it alone.
  const auto fourth = term.run_once();
  ASSERT_EQ(fourth.exit_code, 0) << fourth.err;
  EXPECT_EQ(fourth.err.find("stopped the daemon twice"), std::string::npos) << fourth.err;
  const auto reprocess = test::mailroom("reprocess --config " + term.config());
  ASSERT_EQ(reprocess.exit_code, 0) << reprocess.err;
  EXPECT_EQ(test::count_of(test::mailroom("review --json --config " + term.config()).out,
                           "\"reason\":\"failed\""),
            1);
}

TEST(PoisonMail, OneDeathAloneIsRetriedNormally) {
  PoisonTerm term;
  const auto killed = term.run_killed();
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  const auto again = term.run_once();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err.find("stopped the daemon twice"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("16 new, 0 known, 0 failed"), std::string::npos) << again.err;
  EXPECT_FALSE(std::filesystem::exists(term.working()));
  const auto review = test::mailroom("review --json --config " + term.config());
  EXPECT_EQ(review.out.find("\"reason\":\"failed\""), std::string::npos) << review.out;
}

// Group commit: the mails of the example Maildir are one batch (unless it closes by its age
// first), so a death at the third drops the first two with it, and the next start works on
// them again before it reaches the third. The note still counts the third one's deaths.
TEST(PoisonMail, AMailInTheMiddleOfABatchThatStopsTheDaemonTwiceIsRecordedAsFailed) {
  PoisonTerm term;
  for (int death = 1; death <= 2; ++death) {
    const auto killed = term.run_killed("after-archive:3");
    ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  }
  const auto third = term.run_once();
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_NE(third.err.find("stopped the daemon twice: recorded as mail 3 without reading it"),
            std::string::npos)
      << third.err;
  EXPECT_NE(third.err.find("16 new, 0 known, 0 failed"), std::string::npos) << third.err;
  EXPECT_FALSE(std::filesystem::exists(term.working()));
  const auto review = test::mailroom("review --json --config " + term.config());
  EXPECT_EQ(test::count_of(review.out, "\"reason\":\"failed\""), 1) << review.out;
}

// Kills in the middle of a batch and between its archive sync and its ledger commit (the 16
// mails of the example Maildir are one batch, or a few when they close by their age): the
// next run records every mail once, nothing is left half-placed in the archive, and
// reconcile finds no difference.
TEST(GroupCommit, AKillInABatchOrBeforeItsCommitRecordsEveryMailOnceAfterTheRestart) {
  for (const std::string at : {"after-record:1", "after-record:9", "after-batch-sync:4",
                               "after-batch-sync:16", "after-commit:16"}) {
    SCOPED_TRACE(at);
    PoisonTerm term;
    const auto killed = term.run_killed(at);
    ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
    const auto again = term.run_once();
    ASSERT_EQ(again.exit_code, 0) << again.err;
    // A kill after the last commit leaves nothing to do; any other, the killed batch (the
    // batches before it, closed by their age on a slow machine, are known).
    if (at.starts_with("after-commit")) {
      EXPECT_EQ(again.err.find(" recorded "), std::string::npos) << again.err;
    } else {
      EXPECT_NE(again.err.find(" known, 0 failed"), std::string::npos) << again.err;
      EXPECT_EQ(again.err.find(" 0 new,"), std::string::npos) << again.err;
    }
    EXPECT_EQ(again.err.find("stopped the daemon"), std::string::npos) << again.err;
    EXPECT_TRUE(std::filesystem::is_empty(term.dir / "state" / "archive" / ".tmp"));
    const auto reconciled = test::mailroom("reconcile --config " + term.config());
    EXPECT_EQ(reconciled.exit_code, 0) << reconciled.out << reconciled.err;
    EXPECT_NE(reconciled.out.find("16 in the ledger; 0 differences"), std::string::npos)
        << reconciled.out;
  }
}
