// The digest through the real daemon (`mailroom run --once`, a directory outbox), its
// preview (`mailroom digest --dry-run`), what `show --scheduled` lists, and a bad
// [digest] key.
#include "ledger/sqlite_ledger.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

// A term on an empty Maildir with slides reminded 48 h ahead, replies into outbox/, and
// `digest` as its [digest] table.
void write_term(const test::TempDir& dir, const std::string& digest) {
  auto toml = test::k_course_toml;
  const std::string slides = "[deliverable.slides]\n";
  toml.insert(toml.find(slides) + slides.size(), "remind = \"48h\"\n");
  test::write_demo_rules(dir / "rules", toml);
  test::make_maildir(dir / "maildir");
  fs::create_directories(dir / "outbox");
  test::write_file(dir / "term.toml",
                   "rules = \"rules\"\nstate_dir = \"state\"\n"
                   "[mailbox]\nurl = \"maildir:maildir\"\n"
                   "[outbox]\nurl = \"dir:outbox\"\nfrom = \"staff@example.edu\"\n"
                   "[digest]\n" +
                       digest);
}

std::vector<std::string> outbox_files(const test::TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir / "outbox"))
    out.push_back(test::read_text(entry.path()));
  return out;
}

} // namespace

TEST(DigestCommand, TheDaemonSendsTodaysDigestOnceAcrossTwoRuns) {
  // The desk started two days ago (its first poll planned a digest then), so at midnight
  // course time today's digest is always due: the first run sends it, the second (a
  // restart) sends nothing more.
  test::TempDir dir;
  write_term(dir, "to = [\"staff@example.edu\"]\nat = \"00:00\"\n");
  {
    auto ledger = ledger::SqliteLedger::open(dir / "state", ledger::OpenMode::create);
    ASSERT_TRUE(ledger) << ledger.error().to_string();
    const auto started = std::chrono::time_point_cast<std::chrono::seconds>(
        std::chrono::system_clock::now() - std::chrono::hours{48});
    ASSERT_TRUE(ledger->digest_since(started));
  }
  const auto config = test::quoted(dir / "term.toml");
  for (int run = 0; run < 2; ++run) {
    const auto ran = test::mailroom("run --once --config " + config);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
  }
  const auto sent = outbox_files(dir);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent.front().find("To: <staff@example.edu>"), std::string::npos) << sent.front();
  EXPECT_NE(sent.front().find("Digest "), std::string::npos);
  EXPECT_NE(sent.front().find("Content-Disposition: attachment; filename=ledger.csv"),
            std::string::npos);
  EXPECT_NE(sent.front().find("Content-Disposition: attachment; filename=term.html"),
            std::string::npos);

  const auto shown = test::mailroom("show --scheduled --json --config " + config);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("\"kind\":\"digest\""), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("\"states\":[\"sent\"]"), std::string::npos) << shown.out;
  EXPECT_EQ(std::count(shown.out.begin(), shown.out.end(), '\n'), 1);
}

TEST(DigestCommand, DryRunPrintsTheDigestAndTheRemindersDueAndSendsNothing) {
  test::TempDir dir;
  write_term(dir, "to = [\"staff@example.edu\"]\nat = \"08:00\"\n");
  const auto config = test::quoted(dir / "term.toml");
  // A ledger for the preview to read: the state folder the daemon would make.
  ASSERT_EQ(test::mailroom("replay --rules " + test::quoted(dir / "rules") + " --maildir " +
                           test::quoted(dir / "maildir") + " --state " +
                           test::quoted(dir / "state"))
                .exit_code,
            0);
  const auto ran = test::mailroom("digest --dry-run --now '2025-10-05 08:00' --config " + config);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("Subject: Digest Sun Oct 5: 0 arrived"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("Due in the next 48 hours:\n  - Slides for Tue Oct 7, due Mon Oct 6, "
                         "10:30 AM EDT: owed by 1;\n    nothing yet from 1\n"),
            std::string::npos)
      << ran.out;
  EXPECT_NE(ran.out.find("2 reminder(s) due at Sun Oct 5, 8:00 AM EDT and not sent yet."),
            std::string::npos)
      << ran.out;
  EXPECT_NE(ran.out.find("-> ada@example.edu"), std::string::npos) << ran.out;
  EXPECT_TRUE(outbox_files(dir).empty());
  const auto shown = test::mailroom("show --scheduled --config " + config);
  EXPECT_EQ(shown.out, "No digest or reminder queued yet.\n") << shown.err;
}

TEST(DigestCommand, ABadDigestTimeIsRefusedWithItsLineAndTheFix) {
  test::TempDir dir;
  write_term(dir, "to = [\"staff@example.edu\"]\nat = \"25:00\"\n");
  const auto ran = test::mailroom("digest --dry-run --config " + test::quoted(dir / "term.toml"));
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.err.find("term.toml:10: bad digest time '25:00'; write the course's local time "
                         "of day, e.g. at = \"08:00\""),
            std::string::npos)
      << ran.err;
}
