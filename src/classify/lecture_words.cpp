#include "classify/lecture_words.hpp"

#include "classify/mentions.hpp"
#include "deadline/deadline.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <regex>
#include <set>

namespace mailroom::classify {

namespace {

using rules::Course;
using rules::Date;
using rules::Lecture;

// How much one signal of each kind counts, before the passage's own weight.
constexpr double k_date = 1.0;
constexpr double k_title = 0.9;
constexpr double k_relative_day = 0.8;
constexpr double k_title_word = 0.6;
constexpr double k_topic = 0.5; // shared by every lecture of the topic
constexpr double k_week = 0.5;  // shared by the lectures of the week

std::string weight_text(double weight) {
  return fmt::format("weight {:.2f}", weight);
}

std::string day_text(Date date) {
  return deadline::format_day(date);
}

// Why `date` is no student lecture, in words.
std::string why_no_lecture(const Course& course, Date date) {
  if (const auto* lecture = course.lecture(date))
    return fmt::format("{} is a lecture given by {}{}", day_text(date), lecture->presenter,
                       lecture->topic.empty() ? "" : " (" + lecture->topic + ")");
  for (const auto& day : course.no_lectures)
    if (day.date == date)
      return fmt::format("{} has no lecture ({})", day_text(date), day.reason);
  const std::chrono::weekday weekday{std::chrono::sys_days{date}};
  if (std::ranges::find(course.class_days, weekday) == course.class_days.end())
    return fmt::format("{} is not a class day", day_text(date));
  return fmt::format("{} is not in the schedule", day_text(date));
}

bool is_student_lecture(const Course& course, Date date) {
  const auto* lecture = course.lecture(date);
  return lecture && lecture->students_present;
}

// The words of a paper's title that name it alone: "PagedAttention", "Megatron-LM",
// "DeepSeek-R1", or a one-word title ("Cornserve"). A word counts when it has a capital
// after its first letter or a digit, and no other lecture's readings hold it.
std::map<std::string, Date> distinctive_title_words(const Course& course) {
  std::map<std::string, std::set<std::chrono::sys_days>> seen;
  for (const auto& lecture : course.lectures) {
    for (const auto& reading : lecture.readings) {
      std::vector<std::string> words;
      std::string word;
      for (const char c : reading + " ") {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
          word += c;
          continue;
        }
        while (!word.empty() && word.back() == '-')
          word.pop_back();
        if (!word.empty())
          words.push_back(word);
        word.clear();
      }
      for (const auto& candidate : words) {
        const bool marked =
            words.size() == 1 ||
            std::any_of(candidate.begin() + 1, candidate.end(),
                        [](char c) { return std::isupper(static_cast<unsigned char>(c)); }) ||
            std::ranges::any_of(candidate, [](char c) { return std::isdigit(c) != 0; });
        const auto letters = std::ranges::count_if(
            candidate, [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
        if (marked && letters >= 4)
          seen[util::lower(candidate)].insert(std::chrono::sys_days{lecture.date});
      }
    }
  }
  std::map<std::string, Date> out;
  for (const auto& [word, days] : seen)
    if (days.size() == 1 && is_student_lecture(course, Date{*days.begin()}))
      out.emplace(word, Date{*days.begin()});
  return out;
}

// The topic phrases of a lecture: its topic and section, and each side of a " / ".
std::vector<std::string> topic_phrases(const Lecture& lecture) {
  std::vector<std::string> out;
  for (const auto& text : {lecture.topic, lecture.section}) {
    if (text.empty())
      continue;
    out.push_back(text);
    for (const auto& part : util::split(text, '/'))
      if (auto trimmed = util::trim(part); trimmed.size() >= 4 && trimmed != text)
        out.push_back(trimmed);
  }
  return out;
}

struct Collector {
  const Course& course;
  std::chrono::sys_days term_begin;
  std::chrono::sys_days term_end;
  LectureWords out;

  void add(Date date, double weight, std::string signal, bool specific = true) {
    out.weight[date] += weight;
    out.signals.push_back(fmt::format("{} ({})", signal, weight_text(weight)));
    if (specific && std::ranges::find(out.specific, date) == out.specific.end())
      out.specific.push_back(date);
  }
  void named_day(const Passage& passage, Date date, std::string_view as_written, bool is_date) {
    // A date outside the term ("2/3 of the pages", a paper's year) names no class.
    const std::chrono::sys_days day{date};
    if (day < term_begin || day > term_end)
      return;
    if (is_student_lecture(course, date)) {
      add(date, (is_date ? k_date : k_relative_day) * passage.weight,
          fmt::format("{} names the lecture of {} (\"{}\")", passage.where, rules::iso_date(date),
                      as_written));
      if (is_date && std::ranges::find(out.by_date, date) == out.by_date.end())
        out.by_date.push_back(date);
      return;
    }
    out.unmatched.push_back(fmt::format("the {} names {} (\"{}\"), but {}", passage.where,
                                        day_text(date), as_written, why_no_lecture(course, date)));
    if (passage.where == "subject" || passage.where.starts_with("file name"))
      out.unmatched_in_subject_or_file = true;
  }
};

std::chrono::sys_days start_of_term(const Course& course) {
  std::optional<std::chrono::sys_days> first;
  for (const auto& lecture : course.lectures)
    if (!first || std::chrono::sys_days{lecture.date} < *first)
      first = std::chrono::sys_days{lecture.date};
  for (const auto& day : course.no_lectures)
    if (!first || std::chrono::sys_days{day.date} < *first)
      first = std::chrono::sys_days{day.date};
  if (!first)
    return {};
  // Weeks start on Sunday, as US term calendars count them.
  const std::chrono::weekday weekday{*first};
  return *first - std::chrono::days{weekday.c_encoding()};
}

void read_weeks(Collector& collector, const Passage& passage) {
  static const std::regex week(R"(\b(?:week|wk)\.?\s*#?\s*(\d{1,2})\b)", std::regex::icase);
  const auto lowered = util::lower(passage.text);
  if (lowered.find("week") == std::string::npos && lowered.find("wk") == std::string::npos)
    return;
  const auto& course = collector.course;
  const auto first = start_of_term(course);
  for (auto it = std::sregex_iterator(passage.text.begin(), passage.text.end(), week);
       it != std::sregex_iterator(); ++it) {
    const int number = std::stoi((*it)[1].str());
    if (number < 1)
      continue;
    const auto begin = first + std::chrono::days{7 * (number - 1)};
    std::vector<Date> dates;
    for (const auto& lecture : course.lectures) {
      const std::chrono::sys_days day{lecture.date};
      if (lecture.students_present && day >= begin && day < begin + std::chrono::days{7})
        dates.push_back(lecture.date);
    }
    if (dates.empty()) {
      collector.out.unmatched.push_back(fmt::format(
          "the {} names {} (\"{}\"), but no student lecture falls in that week of the term",
          passage.where, it->str(), it->str()));
      if (passage.where == "subject" || passage.where.starts_with("file name"))
        collector.out.unmatched_in_subject_or_file = true;
      continue;
    }
    for (const auto& date : dates)
      collector.add(date, k_week * passage.weight / static_cast<double>(dates.size()),
                    fmt::format("{} names week {} of the term, which holds {}", passage.where,
                                number, rules::iso_date(date)),
                    dates.size() == 1 || passage.where != "body");
  }
}

// "in class yesterday", "yesterday's lecture", "tomorrow's presentation", "last class".
void read_relative_days(Collector& collector, const Passage& passage, core::Instant received_at) {
  static const std::regex day_then_class(
      R"(\b(yesterday|today|this morning|tomorrow)(?:'s)?\s+(?:class|lecture|presentation|talk|session)\b)",
      std::regex::icase);
  static const std::regex class_then_day(
      R"(\b(?:class|lecture|presentation|talk|session)\s+(yesterday|today|this morning|tomorrow)\b)",
      std::regex::icase);
  static const std::regex last_or_next(
      R"(\b(last|previous|next|upcoming)\s+(?:class|lecture|presentation)\b)", std::regex::icase);
  const auto lowered = util::lower(passage.text);
  if (lowered.find("yesterday") == std::string::npos &&
      lowered.find("today") == std::string::npos && lowered.find("morning") == std::string::npos &&
      lowered.find("tomorrow") == std::string::npos && lowered.find("last") == std::string::npos &&
      lowered.find("previous") == std::string::npos && lowered.find("next") == std::string::npos &&
      lowered.find("upcoming") == std::string::npos)
    return;
  const auto& course = collector.course;
  const std::chrono::sys_days today{local_date(course, received_at)};
  for (const auto* pattern : {&day_then_class, &class_then_day})
    for (auto it = std::sregex_iterator(passage.text.begin(), passage.text.end(), *pattern);
         it != std::sregex_iterator(); ++it) {
      const auto word = util::lower((*it)[1].str());
      const auto offset = word == "yesterday" ? -1 : word == "tomorrow" ? 1 : 0;
      collector.named_day(passage, Date{today + std::chrono::days{offset}}, it->str(), false);
    }
  for (auto it = std::sregex_iterator(passage.text.begin(), passage.text.end(), last_or_next);
       it != std::sregex_iterator(); ++it) {
    const auto word = util::lower((*it)[1].str());
    const bool back = word == "last" || word == "previous";
    std::optional<Date> found;
    for (const auto& lecture : course.lectures) {
      if (!lecture.students_present)
        continue;
      auto start = deadline::local_instant(course, lecture.date, course.class_start);
      if (!start)
        continue;
      if (back ? *start <= received_at : *start > received_at) {
        if (!found || (back ? lecture.date > *found : lecture.date < *found))
          found = lecture.date;
      }
    }
    if (found)
      collector.add(*found, k_relative_day * passage.weight,
                    fmt::format("{} says \"{}\", the lecture of {}", passage.where, it->str(),
                                rules::iso_date(*found)));
  }
}

void read_titles(Collector& collector, const Passage& passage,
                 const std::map<std::string, Date>& title_words) {
  const auto& course = collector.course;
  std::set<std::chrono::sys_days> by_title;
  for (const auto& lecture : course.lectures) {
    if (!lecture.students_present)
      continue;
    for (const auto& reading : lecture.readings) {
      const auto name = short_title(reading);
      const bool named = (!name.empty() && has_phrase(passage.text, name)) ||
                         (reading.size() >= 12 && has_phrase(passage.text, reading));
      if (named && by_title.insert(std::chrono::sys_days{lecture.date}).second)
        collector.add(lecture.date, k_title * passage.weight,
                      fmt::format("{} names the paper \"{}\" of {}", passage.where,
                                  name.empty() ? reading : name, rules::iso_date(lecture.date)));
    }
  }
  for (const auto& [word, date] : title_words)
    if (!by_title.contains(std::chrono::sys_days{date}) && has_phrase(passage.text, word) &&
        by_title.insert(std::chrono::sys_days{date}).second)
      collector.add(date, k_title_word * passage.weight,
                    fmt::format("{} has \"{}\", a word of a paper title of {}", passage.where, word,
                                rules::iso_date(date)));
}

void read_topics(Collector& collector, const Passage& passage) {
  const auto& course = collector.course;
  std::map<std::string, std::vector<Date>> by_phrase;
  for (const auto& lecture : course.lectures)
    if (lecture.students_present)
      for (const auto& phrase : topic_phrases(lecture))
        if (auto& dates = by_phrase[util::lower(phrase)];
            std::ranges::find(dates, lecture.date) == dates.end())
          dates.push_back(lecture.date);
  // The longest phrase found wins: "Agentic Systems" over a section that holds it.
  std::string best;
  for (const auto& [phrase, dates] : by_phrase)
    if (phrase.size() > best.size() && has_phrase(passage.text, phrase))
      best = phrase;
  if (best.empty())
    return;
  const auto& dates = by_phrase[best];
  for (const auto& date : dates)
    collector.add(date, k_topic * passage.weight / static_cast<double>(dates.size()),
                  fmt::format("{} names the topic \"{}\" of {} lecture{}, among them {}",
                              passage.where, best, dates.size(), dates.size() == 1 ? "" : "s",
                              rules::iso_date(date)),
                  dates.size() == 1 || passage.where != "body");
}

} // namespace

Date local_date(const Course& course, core::Instant at) {
  const auto local = deadline::format_local_iso(at, course.zone);
  int y = 0;
  unsigned m = 0, d = 0;
  std::sscanf(local.c_str(), "%d-%u-%u", &y, &m, &d);
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

LectureWords find_lecture_words(const Course& course, const std::vector<Passage>& passages,
                                core::Instant received_at) {
  std::chrono::sys_days first{}, last{};
  for (const auto& lecture : course.lectures) {
    const std::chrono::sys_days day{lecture.date};
    first = first == std::chrono::sys_days{} ? day : std::min(first, day);
    last = std::max(last, day);
  }
  for (const auto& no_lecture : course.no_lectures) {
    const std::chrono::sys_days day{no_lecture.date};
    first = first == std::chrono::sys_days{} ? day : std::min(first, day);
    last = std::max(last, day);
  }
  Collector collector{course, first, last, {}};
  const auto title_words = distinctive_title_words(course);
  for (const auto& passage : passages) {
    for (const auto& mention : find_dates(passage.text, course.year))
      collector.named_day(passage, mention.date, mention.as_written, true);
    read_relative_days(collector, passage, received_at);
    read_weeks(collector, passage);
    read_titles(collector, passage, title_words);
    read_topics(collector, passage);
    if (!passage.where.starts_with("file name"))
      for (const auto& mention : find_weekdays(passage.text))
        if (std::ranges::find(collector.out.weekdays, mention.day) ==
                collector.out.weekdays.end() &&
            std::ranges::find(course.class_days, mention.day) != course.class_days.end()) {
          collector.out.weekdays.push_back(mention.day);
          collector.out.signals.push_back(
              fmt::format("{} names a weekday (\"{}\")", passage.where, mention.as_written));
        }
  }
  return std::move(collector.out);
}

} // namespace mailroom::classify
