#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace mailroom;

namespace {

const std::string k_f25 = std::string(MAILROOM_SOURCE_DIR) + "/rules/cse585-f25";
const std::string k_f24 = std::string(MAILROOM_SOURCE_DIR) + "/rules/cse585-f24";

} // namespace

TEST(DeadlinesCommand, BothTermsPassCheck) {
  for (const auto& dir : {k_f25, k_f24}) {
    const auto ran = test::mailroom("check --rules '" + dir + "'");
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_NE(ran.out.find(": ok"), std::string::npos) << ran.out;
  }
}

TEST(DeadlinesCommand, F25JsonHasEveryInstanceWithUnassignedGroupsNull) {
  // 17 student lectures x (slides + summary), plus the proposal and the final report
  // with nobody on the roster yet.
  const auto ran = test::mailroom("deadlines --json --rules '" + k_f25 + "'");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto records = test::json_lines(ran.out);
  ASSERT_EQ(records.size(), 36u);
  bool found_nov4 = false;
  for (const auto& record : records) {
    EXPECT_TRUE(record->isNull("group"));
    if (record->getValue<std::string>("deliverable") == "slides" &&
        record->getValue<std::string>("lecture") == "2025-11-04") {
      found_nov4 = true;
      EXPECT_EQ(record->getValue<std::string>("due"), "2025-11-03T15:30:00Z");
      EXPECT_EQ(record->getValue<std::string>("due_local"), "2025-11-03T10:30:00-05:00");
    }
  }
  EXPECT_TRUE(found_nov4);
  EXPECT_EQ(records.front()->getValue<std::string>("deliverable"), "slides");
  EXPECT_EQ(records.front()->getValue<std::string>("lecture"), "2025-09-11");
  EXPECT_EQ(records.back()->getValue<std::string>("deliverable"), "final-report");
  EXPECT_EQ(records.back()->getValue<std::string>("due"), "2025-12-15T18:00:00Z");
}

TEST(DeadlinesCommand, TableForPeopleShowsLocalTimes) {
  const auto ran = test::mailroom("deadlines --rules '" + k_f25 + "'");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  std::istringstream lines(ran.out);
  bool found = false;
  for (std::string line; std::getline(lines, line);)
    found = found || (line.starts_with("Mon Nov 3, 10:30 AM EST ") &&
                      line.find(" slides ") != std::string::npos &&
                      line.find(" 2025-11-04 ") != std::string::npos);
  EXPECT_TRUE(found) << ran.out;
}

TEST(CheckCommand, BrokenRulesFolderIsRefusedWithEveryProblem) {
  test::TempDir dir;
  test::run_shell("cp -r '" + k_f25 + "/.' " + test::quoted(dir.path()));
  test::run_shell("printf 'group,name,uniqname,email\\n1,Ada,ada,\\n' > " +
                  test::quoted(dir / "roster.csv"));
  test::run_shell("printf 'lecture,role,group\\n2025-10-08,presenter,1\\n' > " +
                  test::quoted(dir / "assignments.csv"));
  const auto ran = test::mailroom("check --rules " + test::quoted(dir.path()));
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.err.find("roster.csv:2: 'Ada' has no email"), std::string::npos) << ran.err;
}

TEST(CheckCommand, KnowsTheDigestReminderAndReportTemplatesAndChecksTheyParse) {
  // A rules folder's own digest, reminder and page templates (copies of the shipped ones)
  // are templates mailroom uses, not unused files.
  test::TempDir dir;
  test::run_shell("cp -r '" + k_f25 + "/.' " + test::quoted(dir.path()));
  test::run_shell("mkdir -p " + test::quoted(dir / "templates"));
  const std::string shipped = std::string(MAILROOM_SOURCE_DIR) + "/templates/";
  for (const auto* name : {"digest", "reminder", "report"})
    test::run_shell("cp '" + shipped + name + ".mustache' " +
                    test::quoted(dir / "templates" / (std::string(name) + ".mustache")));
  auto ran = test::mailroom("check --rules " + test::quoted(dir.path()));
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  EXPECT_EQ(ran.err.find("not a template mailroom uses"), std::string::npos) << ran.err;
  // One that does not parse is named, with the fix.
  test::run_shell("printf 'Digest {{#late}}unclosed\\n' > " +
                  test::quoted(dir / "templates" / "digest.mustache"));
  ran = test::mailroom("check --rules " + test::quoted(dir.path()));
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.err.find("templates/digest.mustache: "), std::string::npos) << ran.err;
  EXPECT_NE(ran.err.find("fix the template"), std::string::npos) << ran.err;
  EXPECT_EQ(ran.err.find("reminder.mustache"), std::string::npos) << ran.err;
}

TEST(CheckCommand, MissingRulesFolderNamesTheFile) {
  const auto ran = test::mailroom("check --rules /nonexistent/rules");
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.err.find("/nonexistent/rules/course.toml: cannot read"), std::string::npos)
      << ran.err;
}
