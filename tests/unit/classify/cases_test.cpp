#include "judge/decision.hpp"
#include "message/parse.hpp"
#include "support/files.hpp"
#include "util/text.hpp"

#include <gtest/gtest.h>

using namespace mailroom;

namespace {

struct Case {
  std::string file, received_at, kind, lecture, group, verdict, reply;
};

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  const auto rows = util::parse_csv(test::read_text(test::test_data() / "classify/cases.csv"));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& f = rows[i].fields;
    cases.push_back({f.at(0), f.at(1), f.at(2), f.at(3), f.at(4), f.at(5), f.at(6)});
  }
  return cases;
}

class ClassifyCases : public testing::TestWithParam<Case> {};

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string name = "m" + info.param.file.substr(0, info.param.file.find('.'));
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return name;
}

} // namespace

// Each mail of tests/data/classify is judged as cases.csv says: kind, lecture, group,
// verdict and the reply a student would get.
TEST_P(ClassifyCases, JudgedAsAStaffMemberWould) {
  static const auto course = test::example_course();
  const auto& expected = GetParam();
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
}

INSTANTIATE_TEST_SUITE_P(Mail, ClassifyCases, testing::ValuesIn(load_cases()), case_name);
