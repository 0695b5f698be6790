#include "support/example_term.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

using namespace mailroom;

namespace {

struct Expected {
  std::string kind, lecture, group, verdict, reply;
  long late_by = -1; // -1: null
};

// The bundled example Maildir, judged as a course's staff would judge it.
const std::map<std::string, Expected> k_expected{
    {"1757880720.01.example", {"slides", "2025-09-16", "2", "on-time", "receipt", 0}},
    {"1758132000.02.example", {"summary", "2025-09-16", "3", "late", "late-notice", 7200}},
    {"1757991600.03.example", {"slides", "2025-09-18", "3", "on-time", "receipt", 0}},
    {"1758254399.04.example", {"proposal", "", "1", "on-time", "receipt", 0}},
    {"1758254401.05.example", {"proposal", "", "4", "late", "late-notice", 2}},
    {"1758362400.06.example", {"not-a-submission", "", "", "", "none"}},
    {"1758445200.07.example", {"unknown-sender", "", "", "", "none"}},
    {"1757516400.08.example", {"not-a-submission", "", "5", "", "none"}},
    {"1759665600.09.example", {"needs-review", "2025-10-07", "2", "", "clarify"}},
    {"1765821600.10.example", {"final-report", "", "1", "on-time", "receipt", 0}},
    {"1758283200.11.example", {"summary", "2025-09-18", "4", "on-time", "receipt", 0}},
    {"1762183860.12.example", {"slides", "2025-11-04", "3", "late", "late-notice", 60}},
    {"1757520000.13.example", {"not-a-submission", "", "", "", "none"}},
    {"1759875300.14.example", {"slides", "2025-10-09", "2", "on-time", "receipt", 0}},
    {"1758726000.15.example", {"summary", "2025-09-23", "5", "on-time", "receipt", 0}},
    {"1757923200.16.example", {"unknown-sender", "", "", "", "none"}},
};

// `--rules` and `--maildir` of the bundled example.
std::string example_args(const test::ExampleFolders& example) {
  return "--rules " + test::quoted(example.rules) + " --maildir " + test::quoted(example.maildir);
}

} // namespace

TEST(ReplayCommand, ExampleMaildirGetsTheRightRecordForEveryMail) {
  test::ExampleFolders example;
  const auto ran = test::mailroom("replay --json " + example_args(example));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  std::istringstream lines(ran.out);
  std::size_t seen = 0;
  std::string previous_received;
  for (std::string line; std::getline(lines, line);) {
    const auto record = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
    const auto file = record->getValue<std::string>("file");
    SCOPED_TRACE(file + ": " + line);
    const auto it = k_expected.find(file);
    ASSERT_NE(it, k_expected.end());
    const auto& expected = it->second;
    EXPECT_EQ(record->getValue<std::string>("kind"), expected.kind);
    EXPECT_EQ(test::text_of(record, "lecture"), expected.lecture);
    EXPECT_EQ(test::text_of(record, "group"), expected.group);
    EXPECT_EQ(test::text_of(record, "verdict"), expected.verdict);
    EXPECT_EQ(record->getValue<std::string>("reply"), expected.reply);
    if (expected.late_by < 0)
      EXPECT_TRUE(record->isNull("late_by_seconds"));
    else
      EXPECT_EQ(record->getValue<long>("late_by_seconds"), expected.late_by);
    const auto received = record->getValue<std::string>("received_at");
    EXPECT_EQ(received.size(), 20u);
    EXPECT_GE(received, previous_received) << "records come in order of arrival";
    previous_received = received;
    for (const char* key : {"message_id", "from", "received_at", "due", "signals"})
      EXPECT_TRUE(record->has(key)) << key;
    ++seen;
  }
  EXPECT_EQ(seen, k_expected.size());
}

TEST(ReplayCommand, ArrivalIsTheFileModificationTime) {
  test::ExampleFolders example;
  const auto ran = test::mailroom("replay --json " + example_args(example));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("\"file\":\"1758254399.04.example\""), std::string::npos);
  EXPECT_NE(ran.out.find("\"received_at\":\"2025-09-19T03:59:59Z\""), std::string::npos) << ran.out;
}

TEST(ReplayCommand, WritesNothing) {
  test::ExampleFolders example;
  const auto before = test::run_shell("cd " + test::quoted(example.dir.path()) +
                                      " && find . -printf '%p %T@ %s\\n' | sort");
  const auto ran = test::mailroom("replay " + example_args(example));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto after = test::run_shell("cd " + test::quoted(example.dir.path()) +
                                     " && find . -printf '%p %T@ %s\\n' | sort");
  EXPECT_EQ(before.out, after.out);
}

TEST(ReplayCommand, NotAMaildirIsAClearError) {
  test::TempDir dir;
  const auto ran = test::mailroom("replay --rules '" + std::string(MAILROOM_SOURCE_DIR) +
                                  "/rules/cse585-f25' --maildir " + test::quoted(dir / "nothing"));
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.err.find("not a Maildir (no new/ or cur/ folder)"), std::string::npos) << ran.err;
}
