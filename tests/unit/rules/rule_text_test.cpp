// The small grammars of a rule's times, durations and due expressions, read by hand since
// std::regex's compiling cost every start 0.6 ms (issue 21). The patterns they replaced are
// kept here as the specification: every text of many thousand, made from the pieces rules
// are written with, must read the same by both.

#include "rules/load.hpp"
#include "util/text.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace mailroom::rules {
namespace {

// What parse_time_of_day, parse_duration and parse_due returned with the patterns.
std::optional<TimeOfDay> time_by_pattern(const std::string& text) {
  static const std::regex pattern(R"(^\s*(\d{1,2}):(\d{2})\s*(AM|PM|am|pm)?\s*$)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern))
    return std::nullopt;
  int hour = std::stoi(match[1].str());
  const int minute = std::stoi(match[2].str());
  if (match[3].matched) {
    if (hour < 1 || hour > 12)
      return std::nullopt;
    hour = hour % 12 + (match[3].str() == "pm" || match[3].str() == "PM" ? 12 : 0);
  }
  if (hour > 23 || minute > 59)
    return std::nullopt;
  return std::chrono::hours{hour} + std::chrono::minutes{minute};
}

std::optional<core::Seconds> duration_by_pattern(const std::string& text) {
  const auto trimmed_text = util::trim(text);
  if (trimmed_text == "0")
    return core::Seconds{0};
  static const std::regex pattern(
      R"(^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$)");
  std::smatch match;
  if (trimmed_text.empty() || !std::regex_match(trimmed_text, match, pattern))
    return std::nullopt;
  long long seconds = 0;
  const long long unit[] = {86400, 3600, 60, 1};
  for (int i = 0; i < 4; ++i) {
    long long part = 0;
    if (match[i + 1].matched &&
        (__builtin_mul_overflow(std::stoll(match[i + 1].str()), unit[i], &part) ||
         __builtin_add_overflow(seconds, part, &seconds)))
      throw std::out_of_range("a duration longer than any clock counts");
  }
  return core::Seconds{seconds};
}

std::optional<DueRule> due_by_pattern(const std::string& text) {
  DueRule rule;
  rule.text = util::trim(text);
  static const std::regex relative(R"(^(class_start|class_end)\s*(?:([+-])\s*(\S+))?$)");
  static const std::regex absolute(R"(^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}(?::\d{2})?))?$)");
  std::smatch match;
  if (std::regex_match(rule.text, match, relative)) {
    rule.anchor = match[1] == "class_start" ? Anchor::class_start : Anchor::class_end;
    if (match[2].matched) {
      auto offset = duration_by_pattern(match[3].str());
      if (!offset)
        return std::nullopt;
      rule.offset = match[2] == "-" ? -*offset : *offset;
    }
    return rule;
  }
  if (!std::regex_match(rule.text, match, absolute))
    return std::nullopt;
  const auto date_text = match[1].str();
  const Date date{std::chrono::year{std::stoi(date_text.substr(0, 4))},
                  std::chrono::month{static_cast<unsigned>(std::stoi(date_text.substr(5, 2)))},
                  std::chrono::day{static_cast<unsigned>(std::stoi(date_text.substr(8, 2)))}};
  if (!date.ok())
    return std::nullopt;
  rule.anchor = Anchor::local_time;
  rule.date = date;
  if (!match[2].matched) {
    rule.time_of_day = std::chrono::seconds{23 * 3600 + 59 * 60 + 59};
    return rule;
  }
  const auto time = match[2].str();
  const auto colon = time.find(':');
  const int hour = std::stoi(time.substr(0, colon));
  const int minute = std::stoi(time.substr(colon + 1, 2));
  const int second = time.size() > colon + 3 ? std::stoi(time.substr(colon + 4)) : 0;
  if (hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  rule.time_of_day = std::chrono::seconds{hour * 3600 + minute * 60 + second};
  return rule;
}

// Texts made of the pieces rules are written with, some of them glued wrongly.
std::vector<std::string> generated_texts() {
  static const std::array<std::string, 30> pieces = {
      "0",  "1",  "7",  "12", "23", "30",          "2025", "09",        "-",  "+",
      ":",  " ",  "  ", "\t", "d",  "h",           "m",    "min",       "s",  "AM",
      "pm", "Am", "T",  "x",  "in", "class_start", "-18",  "class_end", "60", "99999999"};
  std::mt19937 random(20261205);
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 7);
  std::vector<std::string> texts;
  for (int i = 0; i < 40000; ++i) {
    std::string text;
    for (int n = length(random); n > 0; --n)
      text += pieces[piece(random)];
    texts.push_back(text);
  }
  for (const char* text : {"9:30",
                           "09:30 AM",
                           " 1:00 PM ",
                           "12:00am",
                           "13:00 pm",
                           "24:00",
                           "7:5",
                           "7:055",
                           "1h30m",
                           "2d",
                           "1d 2h 30min 10s",
                           "30 min",
                           "90m",
                           "5",
                           "soon",
                           "1mins",
                           "2h 1d",
                           " 0 ",
                           "class_end + 24h",
                           "class_start - 18h",
                           "class_start-1d",
                           "class_start +",
                           "class_startx",
                           "class_end + 1d 2h",
                           "2025-09-18",
                           "2025-12-15 13:00",
                           "2025-12-15T13:00:30",
                           "2025-12-15 9:30",
                           "2025-12-15 9:30:0",
                           "2025-02-30",
                           "12025-01-01",
                           "2025-1-01"})
    texts.emplace_back(text);
  return texts;
}

TEST(RuleText, TimesReadAsTheirPatternReadThem) {
  for (const auto& text : generated_texts())
    EXPECT_EQ(parse_time_of_day(text), time_by_pattern(text)) << '"' << text << '"';
}

TEST(RuleText, DurationsReadAsTheirPatternReadThem) {
  for (const auto& text : generated_texts()) {
    // A count past 2^63, or seconds past it: the pattern's std::stoll threw, or its sum
    // overflowed; the reader says "not a duration".
    bool too_long = false;
    try {
      (void)duration_by_pattern(text);
    } catch (const std::out_of_range&) {
      too_long = true;
    }
    if (too_long)
      EXPECT_FALSE(parse_duration(text)) << '"' << text << '"';
    else
      EXPECT_EQ(parse_duration(text), duration_by_pattern(text)) << '"' << text << '"';
  }
}

TEST(RuleText, DueRulesReadAsTheirPatternsReadThem) {
  for (const auto& text : generated_texts()) {
    std::optional<DueRule> expected;
    try {
      expected = due_by_pattern(text);
    } catch (const std::out_of_range&) {
      EXPECT_FALSE(parse_due(text)) << '"' << text << '"';
      continue;
    }
    const auto due = parse_due(text);
    ASSERT_EQ(due.has_value(), expected.has_value()) << '"' << text << '"';
    if (!due)
      continue;
    EXPECT_EQ(due->anchor, expected->anchor) << '"' << text << '"';
    EXPECT_EQ(due->offset, expected->offset) << '"' << text << '"';
    EXPECT_EQ(due->date, expected->date) << '"' << text << '"';
    EXPECT_EQ(due->time_of_day, expected->time_of_day) << '"' << text << '"';
  }
}

TEST(RuleText, WhatRulesAreWrittenWithReads) {
  EXPECT_EQ(parse_time_of_day("1:00 PM"), std::chrono::hours{13});
  EXPECT_EQ(parse_time_of_day("12:00 am"), std::chrono::hours{0});
  EXPECT_EQ(parse_duration("1d 2h 30min 10s"), std::chrono::seconds{86400 + 7200 + 1800 + 10});
  EXPECT_FALSE(parse_duration("99999999999999999999d")) << "too long a count is no duration";
  EXPECT_FALSE(parse_duration("3030090999999999d")) << "nor is a count of too many seconds";
  const auto due = parse_due("class_start - 24h");
  ASSERT_TRUE(due);
  EXPECT_EQ(due->anchor, Anchor::class_start);
  EXPECT_EQ(due->offset, -std::chrono::hours{24});
  const auto absolute = parse_due("2025-12-15 13:00");
  ASSERT_TRUE(absolute);
  EXPECT_EQ(absolute->anchor, Anchor::local_time);
  EXPECT_EQ(absolute->time_of_day, std::chrono::hours{13});
}

} // namespace
} // namespace mailroom::rules
