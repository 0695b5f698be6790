#include "rules/load.hpp"
#include "util/text.hpp"
#include "util/toml_reader.hpp"

#include <date/tz.h>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mailroom::rules {

namespace {

using core::Problem;
using core::Problems;
using util::check_keys;
using util::get_string;
using util::get_strings;
using util::Reporter;

std::optional<Date> to_date(const toml::date& value) {
  const Date date{std::chrono::year{value.year}, std::chrono::month{value.month},
                  std::chrono::day{value.day}};
  if (!date.ok())
    return std::nullopt;
  return date;
}

std::optional<Date> parse_date_text(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return std::nullopt;
  if (std::from_chars(text.data(), text.data() + 4, y).ec != std::errc{} ||
      std::from_chars(text.data() + 5, text.data() + 7, m).ec != std::errc{} ||
      std::from_chars(text.data() + 8, text.data() + 10, d).ec != std::errc{})
    return std::nullopt;
  const Date date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!date.ok())
    return std::nullopt;
  return date;
}

// A cursor over a rule's text, for the small grammars of times, durations and due rules
// (parse_time_of_day, parse_duration, parse_due). They were std::regex patterns, which
// are compiled at every start: 0.6 ms of each `mailroom ledger` (issue 21, start-up).
// Spaces are what the patterns' \s was: space, tab, and the line and page breaks.
struct RuleScanner {
  std::string_view text;
  std::size_t at = 0;

  static bool is_space(char c) { return std::string_view(" \t\n\v\f\r").contains(c); }
  [[nodiscard]] bool done() const { return at == text.size(); }
  void skip_spaces() {
    while (at < text.size() && is_space(text[at]))
      ++at;
  }
  // The ASCII digits from here on, taken; empty when there are none.
  std::string_view digits() {
    const auto from = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9')
      ++at;
    return text.substr(from, at - from);
  }
  // Everything up to the next space or the end, taken.
  std::string_view word() {
    const auto from = at;
    while (at < text.size() && !is_space(text[at]))
      ++at;
    return text.substr(from, at - from);
  }
  // H[H]:MM, taken: the hour's and the minute's digits.
  std::optional<std::pair<std::string_view, std::string_view>> clock() {
    const auto hour = digits();
    if (hour.empty() || hour.size() > 2 || !take(':'))
      return std::nullopt;
    const auto minute = digits();
    if (minute.size() != 2)
      return std::nullopt;
    return std::pair{hour, minute};
  }
  bool take(char c) {
    if (at >= text.size() || text[at] != c)
      return false;
    ++at;
    return true;
  }
  bool take(std::string_view word) {
    if (!text.substr(at).starts_with(word))
      return false;
    at += word.size();
    return true;
  }
};

// The value of a run of digits; nullopt when it does not fit.
template <typename Number = int> std::optional<Number> rule_number(std::string_view digits) {
  Number value{};
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc{} || end != digits.data() + digits.size())
    return std::nullopt;
  return value;
}

std::optional<Date> get_date(const toml::node& node) {
  if (const auto* value = node.as_date())
    return to_date(value->get());
  if (const auto* text = node.as_string())
    return parse_date_text(text->get());
  return std::nullopt;
}

std::optional<std::chrono::weekday> parse_weekday(std::string_view text) {
  static const std::vector<std::pair<std::string, unsigned>> names{
      {"sun", 0}, {"mon", 1}, {"tue", 2}, {"wed", 3}, {"thu", 4}, {"fri", 5}, {"sat", 6}};
  const auto key = util::lower(text).substr(0, 3);
  for (const auto& [name, index] : names)
    if (key == name)
      return std::chrono::weekday{index};
  return std::nullopt;
}

const std::vector<std::string> k_top_keys{"course",      "class",   "classify",
                                          "deliverable", "lecture", "no_lecture"};
const std::vector<std::string> k_course_keys{"id",   "name", "term",          "year",
                                             "zone", "code", "staff_address", "group_size"};
const std::vector<std::string> k_class_keys{"days", "start", "end"};
const std::vector<std::string> k_classify_keys{"confidence_bar", "question_words",
                                               "own_reply_prefixes"};
const std::vector<std::string> k_deliverable_keys{"title",  "owner",       "per",        "due",
                                                  "grace",  "file_types",  "link_kinds", "keywords",
                                                  "checks", "late_policy", "late_note",  "remind"};
const std::vector<std::string> k_checks_keys{"max_pages",       "min_pages",     "git_link",
                                             "zip_with_readme", "member_emails", "file_or_link",
                                             "max_size_mb"};
const std::vector<std::string> k_lecture_keys{"date", "topic", "section", "presenter", "readings"};
const std::vector<std::string> k_no_lecture_keys{"date", "reason"};
const std::vector<std::string> k_link_kinds{"google-slides", "google-docs", "google-drive",
                                            "github",        "gitlab",      "other"};

void read_course_table(const toml::table& root, Course& course, Reporter& report) {
  const auto* table = root["course"].as_table();
  if (!table) {
    report.add_file("missing table [course]", "add [course] with id, name, term, year and zone");
    return;
  }
  check_keys(*table, "course", k_course_keys, report);
  course.id = get_string(*table, "id", "course", report, true).value_or("");
  course.name = get_string(*table, "name", "course", report, true).value_or("");
  course.term = get_string(*table, "term", "course", report, false).value_or("");
  course.code = get_string(*table, "code", "course", report, false)
                    .value_or(course.name.substr(0, course.name.find(':')));
  course.staff_address = get_string(*table, "staff_address", "course", report, false).value_or("");
  if (const auto* year = table->get("year"); year && year->as_integer())
    course.year = static_cast<int>(year->as_integer()->get());
  else
    report.add(table->source(), "missing or non-integer 'year' in [course]", "add year = 2025");
  if (auto zone = get_string(*table, "zone", "course", report, true)) {
    course.zone = *zone;
    try {
      (void)date::locate_zone(*zone);
    } catch (const std::exception&) {
      report.add(table->get("zone")->source(), fmt::format("unknown time zone '{}'", *zone),
                 "use a tz database name such as \"America/Detroit\"");
    }
  }
  if (const auto* sizes = table->get_as<toml::array>("group_size")) {
    if (sizes->size() == 2 && sizes->get(0)->is_integer() && sizes->get(1)->is_integer()) {
      course.min_group_size = static_cast<int>(sizes->get(0)->as_integer()->get());
      course.max_group_size = static_cast<int>(sizes->get(1)->as_integer()->get());
    } else {
      report.add(sizes->source(), "'group_size' must be [smallest, largest]", "e.g. [3, 4]");
    }
  }
}

void read_class_table(const toml::table& root, Course& course, Reporter& report) {
  const auto* table = root["class"].as_table();
  if (!table) {
    report.add_file("missing table [class]", "add [class] with days, start and end");
    return;
  }
  check_keys(*table, "class", k_class_keys, report);
  for (const auto& day : get_strings(*table, "days", "class", report)) {
    if (auto weekday = parse_weekday(day))
      course.class_days.push_back(*weekday);
    else
      report.add(table->get("days")->source(), fmt::format("unknown weekday '{}'", day),
                 "use Mon, Tue, Wed, Thu, Fri, Sat or Sun");
  }
  for (auto [key, target] : {std::pair{"start", &course.class_start}, {"end", &course.class_end}}) {
    if (auto text = get_string(*table, key, "class", report, true)) {
      if (auto time = parse_time_of_day(*text))
        *target = *time;
      else
        report.add(table->get(key)->source(), fmt::format("bad time '{}' for {}", *text, key),
                   "write it as \"10:30\" or \"10:30 AM\"");
    }
  }
  if (course.class_end <= course.class_start && table->get("end"))
    report.add(table->get("end")->source(), "class ends before it starts", "check start and end");
}

void read_classify_table(const toml::table& root, Course& course, Reporter& report) {
  const auto* table = root["classify"].as_table();
  if (!table)
    return;
  check_keys(*table, "classify", k_classify_keys, report);
  if (const auto* bar = table->get("confidence_bar")) {
    if (auto value = bar->value<double>(); value && *value >= 0 && *value <= 1)
      course.classify.confidence_bar = *value;
    else
      report.add(bar->source(), "'confidence_bar' must be a number from 0 to 1");
  }
  course.classify.question_words = get_strings(*table, "question_words", "classify", report);
  course.classify.own_reply_prefixes =
      get_strings(*table, "own_reply_prefixes", "classify", report);
}

void read_checks(const toml::table& table, std::string_view name, ContentChecks& checks,
                 Reporter& report) {
  check_keys(table, name, k_checks_keys, report);
  for (auto [key, target] :
       {std::pair{"max_pages", &checks.max_pages}, {"min_pages", &checks.min_pages}}) {
    if (const auto* node = table.get(key)) {
      if (auto value = node->value<int64_t>(); value && *value > 0)
        *target = static_cast<int>(*value);
      else
        report.add(node->source(),
                   fmt::format("'{}' in [{}] must be a positive number", key, name));
    }
  }
  if (const auto* node = table.get("max_size_mb")) {
    if (auto value = node->value<int64_t>(); value && *value > 0 && *value < (1 << 20))
      checks.max_size_bytes = static_cast<std::uint64_t>(*value) << 20;
    else
      report.add(node->source(),
                 fmt::format("'max_size_mb' in [{}] must be a positive number of MB", name));
  }
  for (auto [key, target] : {std::pair{"git_link", &checks.git_link},
                             {"zip_with_readme", &checks.zip_with_readme},
                             {"member_emails", &checks.member_emails},
                             {"file_or_link", &checks.file_or_link}}) {
    if (const auto* node = table.get(key)) {
      if (auto value = node->value<bool>())
        *target = *value;
      else
        report.add(node->source(), fmt::format("'{}' in [{}] must be true or false", key, name));
    }
  }
}

void read_deliverable(std::string_view name, const toml::table& table, Course& course,
                      Reporter& report) {
  const std::string where = fmt::format("deliverable.{}", name);
  check_keys(table, where, k_deliverable_keys, report);
  Deliverable deliverable;
  deliverable.name = std::string(name);
  // Without a title, the name read as words ("final-report" -> "Final report"): replies
  // name deliverables for people, never by their identifier.
  std::string words(name);
  std::ranges::replace(words, '-', ' ');
  if (!words.empty())
    words[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(words[0])));
  deliverable.title = get_string(table, "title", where, report, false).value_or(words);
  if (auto owner = get_string(table, "owner", where, report, true)) {
    static const std::vector<std::pair<std::string, Owner>> owners{
        {"presenter", Owner::presenter},
        {"summary", Owner::summary},
        {"reviewer", Owner::reviewer},
        {"every-group", Owner::every_group}};
    auto it = std::ranges::find(owners, *owner, &std::pair<std::string, Owner>::first);
    if (it != owners.end())
      deliverable.owner = it->second;
    else
      report.add(table.get("owner")->source(), fmt::format("unknown owner '{}'", *owner),
                 "use presenter, summary, reviewer or every-group");
  }
  if (auto per = get_string(table, "per", where, report, false)) {
    if (*per == "lecture" || *per == "group")
      deliverable.per_lecture = *per == "lecture";
    else
      report.add(table.get("per")->source(), fmt::format("unknown 'per' value '{}'", *per),
                 "use \"lecture\" or \"group\"");
  } else {
    deliverable.per_lecture = deliverable.owner != Owner::every_group;
  }
  if (deliverable.per_lecture && deliverable.owner == Owner::every_group)
    report.add(table.source(), fmt::format("[{}] is per lecture but owed by every group", where),
               "set owner to presenter, summary or reviewer, or per = \"group\"");
  if (const auto* due = table.get("due")) {
    std::optional<DueRule> rule;
    if (const auto* text = due->as_string())
      rule = parse_due(text->get());
    else if (const auto* day = due->as_date())
      rule = to_date(day->get()).and_then([](Date d) { return parse_due(iso_date(d)); });
    if (!rule)
      report.add(due->source(), fmt::format("bad due expression in [{}]", where),
                 "write \"class_start - 24h\", \"class_end + 24h\", \"2025-12-15 13:00\" or "
                 "\"2025-09-18\"");
    else if (rule->anchor != Anchor::local_time && !deliverable.per_lecture)
      report.add(due->source(),
                 fmt::format("[{}] is due relative to a class but is not per lecture", where),
                 "give a date, or set per = \"lecture\"");
    else
      deliverable.due = *rule;
  } else {
    report.add(table.source(), fmt::format("missing key 'due' in [{}]", where),
               "add due = \"class_start - 24h\" or a date");
  }
  if (auto grace = get_string(table, "grace", where, report, false)) {
    if (auto value = parse_duration(*grace); value && value->count() >= 0)
      deliverable.grace = *value;
    else
      report.add(table.get("grace")->source(), fmt::format("bad grace period '{}'", *grace),
                 "write it as \"15m\", \"2h\" or \"0\"");
  }
  deliverable.file_types = get_strings(table, "file_types", where, report);
  for (auto& type : deliverable.file_types)
    type = util::lower(type.starts_with('.') ? type.substr(1) : type);
  deliverable.link_kinds = get_strings(table, "link_kinds", where, report);
  for (const auto& kind : deliverable.link_kinds)
    if (std::ranges::find(k_link_kinds, kind) == k_link_kinds.end())
      report.add(table.get("link_kinds")->source(), fmt::format("unknown link kind '{}'", kind),
                 "use google-slides, google-docs, google-drive, github, gitlab or other");
  deliverable.keywords = get_strings(table, "keywords", where, report);
  for (auto& keyword : deliverable.keywords)
    keyword = util::lower(keyword);
  if (const auto* checks = table.get("checks")) {
    if (const auto* checks_table = checks->as_table())
      read_checks(*checks_table, where + ".checks", deliverable.checks, report);
    else
      report.add(checks->source(), fmt::format("[{}.checks] must be a table", where));
  }
  if (auto policy = get_string(table, "late_policy", where, report, false)) {
    if (*policy == "accept-flag")
      deliverable.late_policy = LatePolicy::accept_flag;
    else if (*policy == "not-counted")
      deliverable.late_policy = LatePolicy::not_counted;
    else
      report.add(table.get("late_policy")->source(),
                 fmt::format("unknown late_policy '{}'", *policy),
                 "use \"accept-flag\" or \"not-counted\"");
  }
  deliverable.late_note = get_string(table, "late_note", where, report, false).value_or("");
  if (auto remind = get_string(table, "remind", where, report, false)) {
    if (auto value = parse_duration(*remind); value && value->count() > 0)
      deliverable.remind = *value;
    else
      report.add(table.get("remind")->source(), fmt::format("bad reminder time '{}'", *remind),
                 "write how long before the deadline, e.g. \"48h\" or \"2d\"");
  }
  course.deliverables.push_back(std::move(deliverable));
}

void read_deliverables(const toml::table& root, Course& course, Reporter& report) {
  const auto* table = root["deliverable"].as_table();
  if (!table) {
    report.add_file("no [deliverable.NAME] tables", "declare at least one deliverable");
    return;
  }
  for (const auto& [name, node] : *table) {
    if (const auto* deliverable = node.as_table())
      read_deliverable(name.str(), *deliverable, course, report);
    else
      report.add(name.source(), fmt::format("[deliverable.{}] must be a table", name.str()));
  }
}

std::optional<Date> read_entry_date(const toml::table& entry, std::string_view what,
                                    Reporter& report) {
  const auto* node = entry.get("date");
  if (!node) {
    report.add(entry.source(), fmt::format("[[{}]] without a date", what), "add date = 2025-09-11");
    return std::nullopt;
  }
  auto date = get_date(*node);
  if (!date)
    report.add(node->source(), fmt::format("bad date in [[{}]]", what),
               "write it as 2025-09-11 (year-month-day)");
  return date;
}

bool is_class_day(const Course& course, Date date) {
  const std::chrono::weekday day{std::chrono::sys_days{date}};
  return std::ranges::find(course.class_days, day) != course.class_days.end();
}

void read_schedule(const toml::table& root, Course& course, Reporter& report) {
  if (const auto* lectures = root["lecture"].as_array()) {
    for (const auto& node : *lectures) {
      const auto* entry = node.as_table();
      if (!entry)
        continue;
      check_keys(*entry, "lecture", k_lecture_keys, report);
      auto date = read_entry_date(*entry, "lecture", report);
      if (!date)
        continue;
      Lecture lecture;
      lecture.date = *date;
      lecture.topic = get_string(*entry, "topic", "lecture", report, false).value_or("");
      lecture.section = get_string(*entry, "section", "lecture", report, false).value_or("");
      lecture.presenter = get_string(*entry, "presenter", "lecture", report, false).value_or("");
      lecture.students_present = lecture.presenter.empty();
      lecture.readings = get_strings(*entry, "readings", "lecture", report);
      if (!course.class_days.empty() && !is_class_day(course, *date))
        report.add(entry->get("date")->source(),
                   fmt::format("lecture on {} falls on a day without class", iso_date(*date)),
                   "check the date against [class] days");
      if (course.lecture(*date))
        report.add(entry->get("date")->source(), fmt::format("two lectures on {}", iso_date(*date)),
                   "keep one");
      course.lectures.push_back(std::move(lecture));
    }
  }
  if (const auto* days = root["no_lecture"].as_array()) {
    for (const auto& node : *days) {
      const auto* entry = node.as_table();
      if (!entry)
        continue;
      check_keys(*entry, "no_lecture", k_no_lecture_keys, report);
      auto date = read_entry_date(*entry, "no_lecture", report);
      if (!date)
        continue;
      if (course.lecture(*date))
        report.add(entry->get("date")->source(),
                   fmt::format("{} is both a lecture and a day without lecture", iso_date(*date)),
                   "remove one of them");
      course.no_lectures.push_back(
          NoLecture{*date, get_string(*entry, "reason", "no_lecture", report, false).value_or("")});
    }
  }
  std::ranges::sort(course.lectures, {}, &Lecture::date);
}

} // namespace

std::optional<TimeOfDay> parse_time_of_day(std::string_view text) {
  // \s* H[H] : MM \s* [AM|PM|am|pm] \s*
  RuleScanner scan{text};
  scan.skip_spaces();
  const auto clock = scan.clock();
  if (!clock)
    return std::nullopt;
  const auto [hour_digits, minute_digits] = *clock;
  scan.skip_spaces();
  std::optional<bool> pm;
  for (const auto& [word, is_pm] :
       {std::pair{"AM", false}, {"PM", true}, {"am", false}, {"pm", true}})
    if (!pm && scan.take(word))
      pm = is_pm;
  scan.skip_spaces();
  if (!scan.done())
    return std::nullopt;
  int hour = rule_number(hour_digits).value_or(0);
  const int minute = rule_number(minute_digits).value_or(0);
  if (pm) {
    if (hour < 1 || hour > 12)
      return std::nullopt;
    hour = hour % 12 + (*pm ? 12 : 0);
  }
  if (hour > 23 || minute > 59)
    return std::nullopt;
  return std::chrono::hours{hour} + std::chrono::minutes{minute};
}

std::optional<core::Seconds> parse_duration(std::string_view text) {
  const auto trimmed = util::trim(text);
  if (trimmed == "0")
    return core::Seconds{0};
  if (trimmed.empty())
    return std::nullopt;
  // [N d] [N h] [N m|min] [N s], each part optional, in this order, spaces anywhere between.
  RuleScanner scan{trimmed};
  struct Unit {
    char letter;
    long long seconds;
  };
  long long seconds = 0;
  for (const auto unit : {Unit{'d', 86400}, Unit{'h', 3600}, Unit{'m', 60}, Unit{'s', 1}}) {
    scan.skip_spaces();
    const auto part = scan.at;
    const auto digits = scan.digits();
    scan.skip_spaces();
    if (digits.empty() || !scan.take(unit.letter)) {
      scan.at = part; // this part is absent: what is here must be a later one
      continue;
    }
    if (unit.letter == 'm')
      (void)scan.take("in");
    const auto count = rule_number<long long>(digits);
    long long part_seconds = 0;
    if (!count || __builtin_mul_overflow(*count, unit.seconds, &part_seconds) ||
        __builtin_add_overflow(seconds, part_seconds, &seconds))
      return std::nullopt; // longer than any clock counts
  }
  scan.skip_spaces();
  if (!scan.done())
    return std::nullopt;
  return core::Seconds{seconds};
}

std::optional<DueRule> parse_due(std::string_view text) {
  DueRule rule;
  rule.text = util::trim(text);
  // class_start|class_end [+|- DURATION], or YYYY-MM-DD[( |T)H[H]:MM[:SS]].
  RuleScanner scan{rule.text};
  const bool at_start = scan.take("class_start");
  if (at_start || scan.take("class_end")) {
    rule.anchor = at_start ? Anchor::class_start : Anchor::class_end;
    scan.skip_spaces();
    if (scan.done())
      return rule;
    const bool minus = scan.take('-');
    if (!minus && !scan.take('+'))
      return std::nullopt;
    scan.skip_spaces();
    const auto offset_text = scan.word();
    if (offset_text.empty() || !scan.done())
      return std::nullopt;
    auto offset = parse_duration(offset_text);
    if (!offset)
      return std::nullopt;
    rule.offset = minus ? -*offset : *offset;
    return rule;
  }
  if (scan.digits().size() != 4 || !scan.take('-') || scan.digits().size() != 2 ||
      !scan.take('-') || scan.digits().size() != 2)
    return std::nullopt;
  rule.anchor = Anchor::local_time;
  rule.date = parse_date_text(std::string_view(rule.text).substr(0, 10));
  if (!rule.date)
    return std::nullopt;
  if (scan.done()) {
    // A date without a time means the end of that day, inclusive (DESIGN.md).
    rule.time_of_day = std::chrono::seconds{23 * 3600 + 59 * 60 + 59};
    return rule;
  }
  if (!scan.take(' ') && !scan.take('T'))
    return std::nullopt;
  const auto clock = scan.clock();
  if (!clock)
    return std::nullopt;
  const auto [hour, minute] = *clock;
  std::string_view second = "0";
  if (scan.take(':')) {
    second = scan.digits();
    if (second.size() != 2)
      return std::nullopt;
  }
  if (!scan.done())
    return std::nullopt;
  const int h = rule_number(hour).value_or(0);
  const int m = rule_number(minute).value_or(0);
  const int sec = rule_number(second).value_or(0);
  if (h > 23 || m > 59 || sec > 59)
    return std::nullopt;
  rule.time_of_day = std::chrono::seconds{h * 3600 + m * 60 + sec};
  return rule;
}

Checked<Course> parse_course_file(const SourceText& source) {
  Reporter report(source.origin);
  toml::table root;
  try {
    root = toml::parse(source.text, source.origin);
  } catch (const toml::parse_error& error) {
    report.add(error.source(), std::string(error.description()), "fix the TOML syntax");
    return std::unexpected(report.take());
  }
  check_keys(root, "top level", k_top_keys, report);
  Course course;
  read_course_table(root, course, report);
  read_class_table(root, course, report);
  read_classify_table(root, course, report);
  read_deliverables(root, course, report);
  read_schedule(root, course, report);
  if (!report.empty())
    return std::unexpected(report.take());
  return course;
}

} // namespace mailroom::rules
