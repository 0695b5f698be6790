#include "support/example_term.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>

using namespace mailroom;

namespace {

// A course term on the example Maildir, polled every second, with its state in the test's
// folder.
struct MaildirTerm : test::ExampleTerm {
  MaildirTerm()
      : ExampleTerm("rules = \"rules\"\nstate_dir = \"state\"\npoll_interval = \"1s\"\n"
                    "[mailbox]\nurl = \"maildir:maildir\"\n") {}
};

} // namespace

TEST(RunCommand, OnceRecordsEveryMailOnceAndASecondRunChangesNothing) {
  MaildirTerm term;
  const auto first = test::mailroom("run --once --config " + term.config());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(test::count_of(first.err, " recorded "), 16) << first.err;
  EXPECT_NE(first.err.find("16 new, 0 known, 0 failed"), std::string::npos) << first.err;
  const auto second = test::mailroom("run --once --config " + term.config());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(test::count_of(second.err, " recorded "), 0) << second.err;
  const auto ledger =
      test::mailroom("ledger --json --config " + term.config() + " --now 2025-12-31T00:00:00Z");
  ASSERT_EQ(ledger.exit_code, 0) << ledger.err;
  EXPECT_NE(ledger.out.find("\"deliverable\":\"final-report\",\"lecture\":null,\"group\":\"1\""),
            std::string::npos)
      << ledger.out;
}

TEST(RunCommand, BrokenConfigIsRefusedWithFileLineAndFix) {
  test::TempDir dir;
  std::ofstream(dir / "term.toml")
      << "rules = \"rules\"\nstate_dir = \"state\"\n[mailbox]\nurl = \"pop3://x\"\n"
         "pasword_file = \"p\"\n";
  const auto ran = test::mailroom("run --once --config " + test::quoted(dir / "term.toml"));
  EXPECT_EQ(ran.exit_code, 1);
  const auto file = (dir / "term.toml").string();
  EXPECT_NE(
      ran.err.find(file +
                   ":5: unknown key 'pasword_file' in [mailbox]; did you mean 'password_file'?"),
      std::string::npos)
      << ran.err;
  EXPECT_NE(ran.err.find(file + ":4: unsupported mailbox url 'pop3://x'"), std::string::npos)
      << ran.err;
}

TEST(RunCommand, APasswordInTheConfigIsRefused) {
  test::TempDir dir;
  std::ofstream(dir / "term.toml")
      << "rules = \"r\"\nstate_dir = \"s\"\n[mailbox]\nurl = \"imaps://h/INBOX\"\n"
         "user = \"u\"\npassword = \"hunter2\"\n";
  const auto ran = test::mailroom("run --once --config " + test::quoted(dir / "term.toml"));
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.err.find("a password in [mailbox] is not accepted"), std::string::npos) << ran.err;
  EXPECT_EQ(ran.err.find("hunter2"), std::string::npos) << "the secret must not be echoed";
}

TEST(RunCommand, SigtermEndsTheDaemonWithExitZeroWithinFiveSeconds) {
  MaildirTerm term;
  const auto log = term.dir / "daemon.log";
  const pid_t pid = test::start_daemon_detached(term.dir / "term.toml", log);
  // Wait (bounded) for the first poll to finish: its line is in the log.
  ASSERT_TRUE(test::wait_until([&] { return test::file_contains(log, "last poll"); },
                               std::chrono::seconds{20}))
      << test::read_text(log);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  const bool gone = test::wait_until(
      [&] {
        return test::run_shell("grep -q stopping " + test::quoted(log) + " && ! kill -0 " +
                               std::to_string(pid) + " 2>/dev/null")
                   .exit_code == 0;
      },
      std::chrono::seconds{5});
  EXPECT_TRUE(gone) << test::run_shell("cat " + test::quoted(log)).out;
}
