#include "classify/mentions.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <array>
#include <regex>

namespace mailroom::classify {

namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

constexpr std::array<const char*, 12> k_months{"jan", "feb", "mar", "apr", "may", "jun",
                                               "jul", "aug", "sep", "oct", "nov", "dec"};

std::optional<unsigned> month_number(std::string_view word) {
  const auto prefix = util::lower(word.substr(0, 3));
  for (unsigned i = 0; i < k_months.size(); ++i)
    if (prefix == k_months[i])
      return i + 1;
  return std::nullopt;
}

// Whether lower-case `text` holds any of `words` (three-letter prefixes of months or days).
template <std::size_t N>
bool contains_any(std::string_view text, const std::array<const char*, N>& words) {
  return std::ranges::any_of(
      words, [&](const char* word) { return text.find(word) != std::string_view::npos; });
}

// File names join words with '_', '-' and '.'; read them as spaces.
std::string words_of(std::string_view text) {
  std::string out(text);
  std::ranges::replace(out, '_', ' ');
  return out;
}

void add_date(std::vector<DateMention>& out, int y, unsigned m, unsigned d, std::string written) {
  const rules::Date date{year{y}, month{m}, day{d}};
  if (!date.ok())
    return;
  if (std::ranges::find(out, date, &DateMention::date) == out.end())
    out.push_back({date, std::move(written)});
}

int full_year(const std::string& text, int fallback) {
  if (text.empty())
    return fallback;
  const int value = std::stoi(text);
  return value < 100 ? 2000 + value : value;
}

} // namespace

std::vector<DateMention> find_dates(std::string_view raw_text, int course_year) {
  const std::string text = words_of(raw_text);
  std::vector<DateMention> out;
  // Month names: "Oct 7", "October 7th", "Oct. 7", "Oct7", "Sept 18, 2025".
  static const std::regex month_first(
      R"(\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s*(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?)",
      std::regex::icase);
  // "7 Oct", "7th of October".
  static const std::regex day_first(
      R"(\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b)",
      std::regex::icase);
  static const std::regex iso(R"(\b(\d{4})-(\d{2})-(\d{2})\b)");
  // US numeric "10/7", "10/07/2025"; not "1/2" in "1/2 page" style fractions of size 1.
  static const std::regex numeric(R"(\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b)");
  // std::regex is slow (a locale lookup per word boundary), so each pattern runs only on
  // text that holds what it cannot match without: a '-', a month's name, a '/'.
  if (text.find('-') != std::string::npos)
    for (auto it = std::sregex_iterator(text.begin(), text.end(), iso);
         it != std::sregex_iterator(); ++it)
      add_date(out, std::stoi((*it)[1]), std::stoul((*it)[2]), std::stoul((*it)[3]), it->str());
  if (contains_any(util::lower(text), k_months)) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), month_first);
         it != std::sregex_iterator(); ++it)
      add_date(out, full_year((*it)[3].str(), course_year), *month_number((*it)[1].str()),
               std::stoul((*it)[2]), it->str());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), day_first);
         it != std::sregex_iterator(); ++it)
      add_date(out, course_year, *month_number((*it)[2].str()), std::stoul((*it)[1]), it->str());
  }
  if (text.find('/') != std::string::npos)
    for (auto it = std::sregex_iterator(text.begin(), text.end(), numeric);
         it != std::sregex_iterator(); ++it)
      add_date(out, full_year((*it)[3].str(), course_year), std::stoul((*it)[1]),
               std::stoul((*it)[2]), it->str());
  return out;
}

std::vector<WeekdayMention> find_weekdays(std::string_view raw_text) {
  static const std::regex pattern(
      R"(\b(mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)(?:'s)?\b)",
      std::regex::icase);
  static const std::array<const char*, 7> names{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  const std::string text = words_of(raw_text);
  std::vector<WeekdayMention> out;
  if (!contains_any(util::lower(text), names))
    return out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    const auto prefix = util::lower((*it)[1].str().substr(0, 3));
    for (unsigned i = 0; i < names.size(); ++i)
      if (prefix == names[i])
        out.push_back({std::chrono::weekday{i}, it->str()});
  }
  return out;
}

bool has_phrase(std::string_view text, std::string_view phrase) {
  if (phrase.empty())
    return false;
  const auto haystack = util::lower(text);
  const auto needle = util::lower(phrase);
  const auto is_word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    const bool starts = at == 0 || !is_word(haystack[at - 1]) || !is_word(needle.front());
    const auto end = at + needle.size();
    const bool ends = end == haystack.size() || !is_word(haystack[end]) || !is_word(needle.back());
    if (starts && ends)
      return true;
  }
  return false;
}

std::string strip_reply_prefixes(std::string_view subject) {
  static const std::regex prefix(
      R"(^\s*(?:(?:re|fwd?|fw|aw|sv|tr)\s*(?:\[\d+\])?\s*:|\[[^\]]*\])\s*)", std::regex::icase);
  std::string out(subject);
  for (std::smatch match; std::regex_search(out, match, prefix);)
    out.erase(0, static_cast<std::size_t>(match.length(0)));
  return util::trim(out);
}

std::string own_words(std::string_view body) {
  std::string out;
  bool in_forwarded_header = false;
  for (const auto& line : util::split(body, '\n')) {
    const auto trimmed = util::trim(line);
    if (trimmed.starts_with('>'))
      continue;
    if (trimmed.find("Forwarded message") != std::string::npos ||
        trimmed.find("Original Message") != std::string::npos) {
      in_forwarded_header = true;
      continue;
    }
    if (in_forwarded_header) {
      if (trimmed.empty())
        in_forwarded_header = false;
      continue;
    }
    static const std::regex attribution(R"(^On .{4,120}wrote:\s*$)");
    static const std::regex header_line(R"(^(Date|Sent|From|To|Cc|Subject):\s)", std::regex::icase);
    // The patterns only where they can match: "On ... wrote:", and a ':' after a word
    // of at most 7 letters.
    const auto colon = trimmed.find(':');
    if (colon != std::string::npos &&
        ((trimmed.starts_with("On ") && std::regex_match(trimmed, attribution)) ||
         (colon <= 7 && std::regex_search(trimmed, header_line))))
      continue;
    out += line;
    out += '\n';
  }
  return out;
}

std::string short_title(std::string_view title) {
  auto name = util::trim(title.substr(0, title.find(':')));
  // Only a distinctive one-or-two-word name ("DistServe", "Zero Bubble"); a whole
  // sentence-like title is matched in full by the caller.
  if (title.find(':') == std::string_view::npos || name.size() < 4 ||
      std::ranges::count(name, ' ') > 2)
    return {};
  return name;
}

} // namespace mailroom::classify
