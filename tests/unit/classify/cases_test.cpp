#include "judge/decision.hpp"
#include "message/parse.hpp"
#include "support/files.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>

using namespace mailroom;

namespace {

struct ClassifyCase {
  std::string file, received_at, kind, lecture, group, verdict, reply, rule, course;
};

std::vector<ClassifyCase> load_cases() {
  std::vector<ClassifyCase> cases;
  const auto rows = util::parse_csv(test::read_text(test::test_data() / "classify/cases.csv"));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& f = rows[i].fields;
    cases.push_back(
        {f.at(0), f.at(1), f.at(2), f.at(3), f.at(4), f.at(5), f.at(6), f.at(7), f.at(8)});
  }
  return cases;
}

class ClassifyCases : public testing::TestWithParam<ClassifyCase> {};

std::string case_name(const testing::TestParamInfo<ClassifyCase>& info) {
  std::string name = "m" + info.param.file.substr(0, info.param.file.find('.'));
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return name;
}

// The course a case is judged against: the F'25 example course, or a rules folder of
// the repository with the roster and assignments of tests/data/classify/<course>/.
const rules::Course& course_of(const std::string& id) {
  static const auto f25 = test::example_course();
  static std::map<std::string, rules::Course> others;
  if (id.empty())
    return f25;
  if (auto found = others.find(id); found != others.end())
    return found->second;
  const auto course_path = test::source_dir() / "rules" / id / "course.toml";
  const auto people = test::test_data() / "classify" / id;
  auto course =
      rules::parse_rules({{test::read_text(course_path), course_path.string()},
                          {test::read_text(people / "roster.csv"), "roster.csv"},
                          {test::read_text(people / "assignments.csv"), "assignments.csv"}});
  if (!course)
    for (const auto& problem : course.error())
      ADD_FAILURE() << problem.to_string();
  return others.emplace(id, course ? *course : rules::Course{}).first->second;
}

} // namespace

// Each mail of tests/data/classify is judged as cases.csv says: kind, lecture, group,
// verdict and the reply a student would get.
TEST_P(ClassifyCases, JudgedAsAStaffMemberWould) {
  const auto& expected = GetParam();
  const auto& course = course_of(expected.course);
  const auto raw = test::read_text(test::test_data() / "classify" / expected.file);
  const auto received_at = core::parse_iso(expected.received_at);
  ASSERT_TRUE(received_at);
  const auto decision = judge::decide(expected.file, expected.file, *received_at,
                                      message::parse(raw, expected.file), course);
  const auto& c = decision.classification;
  std::string signals;
  for (const auto& s : c.signals)
    signals += "\n  signal: " + s;
  for (const auto& s : c.review_reasons)
    signals += "\n  review: " + s;
  SCOPED_TRACE(signals);
  EXPECT_EQ(c.kind, expected.kind);
  EXPECT_EQ(c.lecture ? rules::iso_date(*c.lecture) : "", expected.lecture);
  EXPECT_EQ(c.group.value_or(""), expected.group);
  EXPECT_EQ(decision.judgement ? deadline::to_string(decision.judgement->verdict) : "",
            expected.verdict);
  EXPECT_EQ(judge::to_string(decision.reply), expected.reply);
  EXPECT_EQ(c.rule, expected.rule);
  // Where a lecture was decided, the signals say whether the mail's words or the
  // schedule's guess decided it.
  if (c.lecture && c.is_deliverable()) {
    EXPECT_TRUE(std::ranges::any_of(
        c.signals, [](const std::string& signal) { return signal.starts_with("lecture from "); }));
  }
}

// The table is the corpus: it must hold cases of every rule that decides a mail.
TEST(ClassifyCases, CorpusCoversEveryDecidingRule) {
  std::map<std::string, int> by_rule;
  for (const auto& c : load_cases())
    ++by_rule[c.rule];
  std::string tally;
  for (const auto& [rule, count] : by_rule)
    tally += fmt::format("\n  {:<20} {}", rule, count);
  RecordProperty("by_rule", tally);
  std::cout << "classification cases by deciding rule:" << tally << "\n";
  for (const auto* rule :
       {"lecture-named", "lecture-weekday", "schedule-guess", "unmatched-day", "several-lectures",
        "revised-after-talk", "not-assigned", "names-but-no-work", "nothing-accepted",
        "question-with-link", "out-of-office", "reply-to-mailroom", "automated", "no-work",
        "unknown-sender", "deliverable-named", "body-unread"})
    EXPECT_GE(by_rule[rule], 1) << rule;
}

INSTANTIATE_TEST_SUITE_P(Mail, ClassifyCases, testing::ValuesIn(load_cases()), case_name);
