#include "rules/syllabus_import.hpp"

#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <set>
#include <utility>

namespace mailroom::rules {

namespace {

// ---- UTF-8 and Windows-1252 ----

struct CodePoint {
  char32_t value = 0;
  std::string_view raw; // the bytes it came from
  bool valid = false;
};

std::vector<CodePoint> decode_utf8(std::string_view text) {
  std::vector<CodePoint> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    char32_t value = lead;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      value = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      value = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      value = lead & 0x07;
    } else if (lead >= 0x80) {
      out.push_back({0xFFFD, text.substr(i, 1), false});
      ++i;
      continue;
    }
    bool valid = i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80)
        valid = false;
      else
        value = (value << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if (valid && ((length == 3 && value < 0x800) || (length == 4 && value < 0x10000) ||
                  (value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF))
      valid = false;
    if (!valid) {
      out.push_back({0xFFFD, text.substr(i, 1), false});
      ++i;
      continue;
    }
    out.push_back({value, text.substr(i, length), true});
    i += length;
  }
  return out;
}

// Windows-1252 bytes 0x80-0x9F. The five bytes it leaves undefined come back from
// decoders as the C1 control with the same number, so those map to themselves.
constexpr std::array<char32_t, 32> k_cp1252_high{
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::optional<unsigned char> cp1252_byte(const CodePoint& point) {
  if (!point.valid || point.value < 0x80)
    return std::nullopt;
  if (point.value >= 0xA0 && point.value <= 0xFF)
    return static_cast<unsigned char>(point.value);
  for (std::size_t k = 0; k < k_cp1252_high.size(); ++k)
    if (k_cp1252_high[k] == point.value)
      return static_cast<unsigned char>(0x80 + k);
  return std::nullopt;
}

std::size_t utf8_length_of_lead(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF)
    return 2;
  if (lead >= 0xE0 && lead <= 0xEF)
    return 3;
  if (lead >= 0xF0 && lead <= 0xF4)
    return 4;
  return 0;
}

// ---- Markdown cells ----

std::string collapse_spaces(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty())
      out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Backslash escapes ("\)", "\*") are the character itself.
std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() &&
        std::ispunct(static_cast<unsigned char>(text[i + 1])))
      ++i;
    out += text[i];
  }
  return out;
}

std::string clean(std::string_view text) {
  return collapse_spaces(unescape(text));
}

// "<br>", "<br/>", "<BR />" become a newline.
std::string break_lines(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '<' && i + 3 < text.size() && util::starts_with_icase(text.substr(i), "<br")) {
      const auto close = text.find('>', i);
      const auto inner = util::trim(text.substr(
          i + 3, close == std::string_view::npos ? std::string_view::npos : close - i - 3));
      if (close != std::string_view::npos && (inner.empty() || inner == "/")) {
        out += '\n';
        i = close + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

struct Link {
  std::string text;
  std::size_t begin = 0; // offsets of the whole "[text](url)"
  std::size_t end = 0;
};

// Inline links "[text](url)"; a URL may hold balanced parentheses.
std::vector<Link> find_links(std::string_view text) {
  std::vector<Link> links;
  std::size_t i = 0;
  while ((i = text.find('[', i)) != std::string_view::npos) {
    if (i > 0 && text[i - 1] == '\\') {
      ++i;
      continue;
    }
    int depth = 0;
    std::size_t close = std::string_view::npos;
    for (std::size_t k = i; k < text.size(); ++k) {
      if (text[k] == '\\') {
        ++k;
        continue;
      }
      if (text[k] == '[')
        ++depth;
      else if (text[k] == ']' && --depth == 0) {
        close = k;
        break;
      }
    }
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != '(') {
      ++i;
      continue;
    }
    depth = 0;
    std::size_t end = std::string_view::npos;
    for (std::size_t k = close + 1; k < text.size(); ++k) {
      if (text[k] == '(')
        ++depth;
      else if (text[k] == ')' && --depth == 0) {
        end = k + 1;
        break;
      }
    }
    if (end == std::string_view::npos) {
      ++i;
      continue;
    }
    links.push_back({std::string(text.substr(i + 1, close - i - 1)), i, end});
    i = end;
  }
  return links;
}

// Links replaced by their text.
std::string strip_links(std::string_view text) {
  std::string out;
  std::size_t at = 0;
  for (const auto& link : find_links(text)) {
    out += text.substr(at, link.begin - at);
    out += link.text;
    at = link.end;
  }
  out += text.substr(at);
  return out;
}

struct Emphasis {
  std::vector<std::string> bold; // text of each **bold** or __bold__ span
  std::string rest;              // what is left outside them
};

Emphasis split_bold(std::string_view text) {
  Emphasis out;
  std::size_t i = 0;
  while (i < text.size()) {
    const bool marker = i + 1 < text.size() && (text[i] == '*' || text[i] == '_') &&
                        text[i + 1] == text[i] && (i == 0 || text[i - 1] != '\\');
    if (marker) {
      const std::string_view delimiter = text.substr(i, 2);
      const auto close = text.find(delimiter, i + 2);
      if (close != std::string_view::npos) {
        out.bold.push_back(clean(strip_links(text.substr(i + 2, close - i - 2))));
        out.rest += ' ';
        i = close + 2;
        continue;
      }
    }
    out.rest += text[i++];
  }
  return out;
}

bool is_placeholder(std::string_view text) {
  const auto word = util::lower(util::trim(text));
  return word.empty() || word == "tba" || word == "tbd" || word == "-" || word == "\u2013" ||
         word == "\u2014" || word == "n/a";
}

// A reading's title without the page's "(Required)"/"(Optional)" note.
std::string strip_reading_note(std::string title) {
  for (const std::string_view note : {"(required)", "(optional)"}) {
    const auto lowered = util::lower(title);
    if (const auto at = lowered.rfind(note); at != std::string::npos)
      title.erase(at, note.size());
  }
  return collapse_spaces(title);
}

struct ReadingsCell {
  std::vector<std::string> bold;
  std::vector<std::string> readings;
};

ReadingsCell read_readings_cell(std::string_view cell) {
  ReadingsCell out;
  for (const auto& segment : util::split(break_lines(cell), '\n')) {
    auto emphasis = split_bold(segment);
    for (auto& label : emphasis.bold)
      if (!label.empty())
        out.bold.push_back(std::move(label));
    const auto links = find_links(emphasis.rest);
    if (!links.empty()) {
      // The first link is the paper; later ones ("[slides](...)") are about it.
      if (auto title = clean(links.front().text); !title.empty())
        out.readings.push_back(std::move(title));
      continue;
    }
    if (auto title = strip_reading_note(clean(emphasis.rest)); !is_placeholder(title))
      out.readings.push_back(std::move(title));
  }
  return out;
}

// The text of a Presenter/Summary/Reviewer cell: links by their text, no emphasis.
std::string plain_cell(std::string_view cell) {
  auto text = strip_links(break_lines(cell));
  std::erase_if(text, [](char c) { return c == '*'; });
  std::ranges::replace(text, '\n', ',');
  return clean(text);
}

// ---- groups ----

// "Group 3", "group3", "G3", "G 3" or "3" -> "3".
std::optional<std::string> group_number(std::string_view token) {
  auto text = util::lower(util::trim(token));
  if (text.starts_with("group"))
    text = util::trim(text.substr(5));
  else if (text.starts_with("g"))
    text = util::trim(text.substr(1));
  if (text.empty() || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const auto first = text.find_first_not_of('0');
  return first == std::string::npos ? "0" : text.substr(first);
}

std::vector<std::string> group_tokens(std::string_view text) {
  std::string spaced;
  for (const char c : text)
    spaced += (c == '&' || c == '/' || c == ';') ? ',' : c;
  std::vector<std::string> tokens;
  for (const auto& part : util::split(spaced, ',')) {
    // " and " separates too: "Group 3 and Group 4".
    std::string rest = part;
    for (;;) {
      const auto at = util::lower(rest).find(" and ");
      if (at == std::string::npos)
        break;
      tokens.push_back(util::trim(rest.substr(0, at)));
      rest = rest.substr(at + 5);
    }
    tokens.push_back(util::trim(rest));
  }
  std::erase_if(tokens, [](const std::string& token) { return is_placeholder(token); });
  return tokens;
}

// The groups a cell names when every part of it is a group number; nullopt otherwise.
std::optional<std::vector<std::string>> numbered_groups(std::string_view text) {
  std::vector<std::string> groups;
  for (const auto& token : group_tokens(text)) {
    auto number = group_number(token);
    if (!number)
      return std::nullopt;
    groups.push_back(std::move(*number));
  }
  return groups;
}

// Summary and Reviewer cells hold only groups: numbers are normalised, other labels kept.
std::vector<std::string> any_groups(std::string_view text) {
  std::vector<std::string> groups;
  for (const auto& token : group_tokens(text))
    groups.push_back(group_number(token).value_or(token));
  return groups;
}

// ---- dates ----

std::optional<unsigned> month_number(std::string_view word) {
  static constexpr std::array<std::string_view, 12> k_months{
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  auto lowered = util::lower(word);
  if (lowered.ends_with('.'))
    lowered.pop_back();
  if (lowered.size() < 3)
    return std::nullopt;
  for (std::size_t k = 0; k < k_months.size(); ++k)
    if (k_months[k].starts_with(lowered))
      return static_cast<unsigned>(k + 1);
  return std::nullopt;
}

bool is_weekday_word(std::string_view word) {
  auto lowered = util::lower(word);
  while (!lowered.empty() && (lowered.back() == ',' || lowered.back() == '.'))
    lowered.pop_back();
  static constexpr std::array<std::string_view, 7> k_days{
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  return lowered.size() >= 3 && std::ranges::any_of(k_days, [&](std::string_view day) {
           return day.starts_with(lowered);
         });
}

struct MonthDay {
  unsigned month = 0;
  unsigned day = 0;
  std::optional<int> year;
};

// "Sep 2", "Sep  2", "September 2", "Tue, Sep 2", "Sep 2, 2025", "Sep. 2nd".
std::optional<MonthDay> parse_month_day(std::string_view cell) {
  std::string text;
  for (const char c : cell)
    text += (c == '*' || c == ',') ? ' ' : c;
  std::vector<std::string> words;
  for (const auto& word : util::split(collapse_spaces(text), ' '))
    if (!word.empty())
      words.push_back(word);
  if (!words.empty() && is_weekday_word(words.front()) && !month_number(words.front()))
    words.erase(words.begin());
  if (words.size() < 2 || words.size() > 3)
    return std::nullopt;
  const auto month = month_number(words[0]);
  if (!month)
    return std::nullopt;
  auto day_text = words[1];
  for (const std::string_view suffix : {"st", "nd", "rd", "th"})
    if (day_text.size() > suffix.size() && util::lower(day_text).ends_with(suffix))
      day_text.resize(day_text.size() - suffix.size());
  MonthDay out{*month, 0, std::nullopt};
  const auto* end = day_text.data() + day_text.size();
  if (auto [ptr, ec] = std::from_chars(day_text.data(), end, out.day);
      ec != std::errc{} || ptr != end || out.day == 0 || out.day > 31)
    return std::nullopt;
  if (words.size() == 3) {
    int year = 0;
    const auto& year_text = words[2];
    const auto* year_end = year_text.data() + year_text.size();
    if (auto [ptr, ec] = std::from_chars(year_text.data(), year_end, year);
        ec != std::errc{} || ptr != year_end || year < 1000)
      return std::nullopt;
    out.year = year;
  }
  return out;
}

// ---- days without lecture ----

bool is_no_lecture_label(std::string_view label) {
  const auto lowered = util::lower(label);
  if (lowered.starts_with("no lecture") || lowered.starts_with("no class"))
    return true;
  static constexpr std::array<std::string_view, 8> k_words{
      "break", "recess", "holiday", "buffer", "presentations", "exam", "cancel", "no class"};
  return std::ranges::any_of(k_words,
                             [&](std::string_view word) { return lowered.contains(word); });
}

// ---- the table ----

struct Columns {
  std::size_t date = 0;
  std::size_t readings = 1;
  std::optional<std::size_t> presenter;
  std::optional<std::size_t> summary;
  std::optional<std::size_t> reviewer;
};

std::vector<std::string> split_row(std::string_view line) {
  auto text = util::trim(line);
  if (text.starts_with('|'))
    text.erase(0, 1);
  if (text.ends_with('|') && !text.ends_with("\\|"))
    text.pop_back();
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (text[i] == '|') {
      cells.push_back(util::trim(cell));
      cell.clear();
    } else {
      cell += text[i];
    }
  }
  cells.push_back(util::trim(cell));
  return cells;
}

bool is_delimiter_row(const std::vector<std::string>& cells) {
  return std::ranges::all_of(cells, [](const std::string& cell) {
    return cell.empty() || cell.find_first_not_of(":- ") == std::string::npos;
  });
}

std::optional<Columns> read_header(const std::vector<std::string>& cells) {
  Columns columns;
  bool date = false;
  for (std::size_t k = 0; k < cells.size(); ++k) {
    const auto name = util::lower(plain_cell(cells[k]));
    if (name == "date" || name == "dates" || name == "day") {
      columns.date = k;
      date = true;
    } else if (name.starts_with("reading") || name == "topic" || name == "topics" ||
               name == "papers") {
      columns.readings = k;
    } else if (name.starts_with("presenter") || name == "lecturer" || name == "speaker") {
      columns.presenter = k;
    } else if (name.starts_with("summar")) {
      columns.summary = k;
    } else if (name.starts_with("reviewer")) {
      columns.reviewer = k;
    }
  }
  if (!date)
    return std::nullopt;
  return columns;
}

std::string cell_at(const std::vector<std::string>& cells, std::optional<std::size_t> column) {
  return column && *column < cells.size() ? cells[*column] : std::string{};
}

class Importer {
public:
  Importer(std::string_view origin, int year) : m_origin(origin), m_year(year) {}

  void row(const std::vector<std::string>& cells, const Columns& columns, int line) {
    m_line = line;
    const auto date_cell = cell_at(cells, columns.date);
    const auto readings = read_readings_cell(cell_at(cells, columns.readings));
    const auto presenter = plain_cell(cell_at(cells, columns.presenter));
    const auto summary = plain_cell(cell_at(cells, columns.summary));
    const auto reviewer = plain_cell(cell_at(cells, columns.reviewer));

    if (plain_cell(date_cell).empty()) {
      continuation(readings, presenter, summary, reviewer);
      return;
    }
    const auto month_day = parse_month_day(date_cell);
    if (!month_day) {
      // A heading written in the date column: "| **Inference** | | |".
      if (const auto heading = split_bold(date_cell);
          !heading.bold.empty() && clean(heading.rest).empty()) {
        section(heading.bold);
        return;
      }
      problem(fmt::format("cannot read the date '{}'", plain_cell(date_cell)),
              "write it as \"Sep 2\" (month and day)");
      m_current = Current::none;
      return;
    }
    const auto date = resolve(*month_day);
    if (!date.ok()) {
      problem(fmt::format("'{}' is not a date in {}", plain_cell(date_cell),
                          static_cast<int>(date.year())),
              "check the day of the month");
      m_current = Current::none;
      return;
    }
    if (m_seen.contains(sys(date))) {
      problem(fmt::format("{} is listed twice", iso_date(date)),
              "give each day one dated row; put more readings on rows without a date");
      m_current = Current::none;
      return;
    }
    m_seen.insert(sys(date));
    dated(date, readings, presenter, summary, reviewer);
  }

  ImportedSchedule finish() { return std::move(m_out); }

private:
  enum class Current { none, lecture, no_lecture };

  static std::chrono::sys_days sys(Date date) { return std::chrono::sys_days{date}; }

  Date resolve(const MonthDay& month_day) {
    if (month_day.year) {
      m_year = *month_day.year;
    } else if (m_last_month && month_day.month < *m_last_month) {
      // Dates run forward: a term that crosses New Year goes on in the next year.
      ++m_year;
    }
    m_last_month = month_day.month;
    return Date{std::chrono::year{m_year}, std::chrono::month{month_day.month},
                std::chrono::day{month_day.day}};
  }

  void section(const std::vector<std::string>& bold) {
    m_section.clear();
    for (const auto& label : bold)
      m_section += (m_section.empty() ? "" : " ") + label;
    m_current = Current::none;
  }

  void continuation(const ReadingsCell& readings, const std::string& presenter,
                    const std::string& summary, const std::string& reviewer) {
    if (!readings.bold.empty() && readings.readings.empty() && presenter.empty() &&
        summary.empty() && reviewer.empty()) {
      section(readings.bold);
      return;
    }
    for (const auto& label : readings.bold)
      note(
          fmt::format("bold text '{}' beside other text is not a section heading; left out", label),
          "put a section heading on a row of its own");
    switch (m_current) {
    case Current::none:
      for (const auto& reading : readings.readings)
        problem(fmt::format("reading '{}' is not under any dated lecture", reading),
                "give the row a date, or move it under the lecture it belongs to");
      if (!presenter.empty() || !summary.empty() || !reviewer.empty())
        problem("presenter, summary or reviewer without a dated lecture",
                "put them on the lecture's dated row");
      return;
    case Current::no_lecture:
      for (const auto& reading : readings.readings)
        note(fmt::format("reading '{}' is listed under {} ({}), a day without lecture; left out",
                         reading, iso_date(m_out.no_lectures.back().date),
                         m_out.no_lectures.back().reason));
      return;
    case Current::lecture:
      break;
    }
    auto& lecture = m_out.lectures.back();
    for (const auto& reading : readings.readings)
      lecture.readings.push_back(reading);
    assign(lecture, presenter, summary, reviewer);
  }

  void dated(Date date, const ReadingsCell& readings, const std::string& presenter,
             const std::string& summary, const std::string& reviewer) {
    const auto no_lecture = std::ranges::find_if(readings.bold, is_no_lecture_label);
    if (no_lecture != readings.bold.end()) {
      m_out.no_lectures.push_back(NoLecture{date, *no_lecture});
      m_current = Current::no_lecture;
      for (const auto& reading : readings.readings)
        if (!is_placeholder(reading))
          note(fmt::format("'{}' on {} ({}), a day without lecture, is left out", reading,
                           iso_date(date), *no_lecture));
      for (const auto& cell : {presenter, summary, reviewer})
        if (!cell.empty())
          note(fmt::format("'{}' beside {} ({}), a day without lecture, is left out", cell,
                           iso_date(date), *no_lecture));
      return;
    }
    Lecture lecture;
    lecture.date = date;
    lecture.section = m_section;
    for (const auto& label : readings.bold)
      lecture.topic += (lecture.topic.empty() ? "" : " ") + label;
    lecture.readings = readings.readings;
    if (!presenter.empty() && !numbered_groups(presenter)) {
      lecture.students_present = false;
      lecture.presenter = presenter;
    } else if (!lecture.topic.empty()) {
      note(fmt::format("{} has the topic '{}' but no staff presenter; taken as presented by "
                       "students",
                       iso_date(date), lecture.topic),
           "name the staff member in the Presenter column if staff give it");
    }
    if (lecture.topic.empty())
      lecture.topic = m_section;
    m_out.lectures.push_back(std::move(lecture));
    m_current = Current::lecture;
    assign(m_out.lectures.back(), presenter, summary, reviewer);
  }

  void assign(const Lecture& lecture, const std::string& presenter, const std::string& summary,
              const std::string& reviewer) {
    std::vector<std::pair<Role, std::vector<std::string>>> cells;
    if (lecture.students_present)
      cells.emplace_back(Role::presenter,
                         numbered_groups(presenter).value_or(std::vector<std::string>{}));
    cells.emplace_back(Role::summary, any_groups(summary));
    cells.emplace_back(Role::reviewer, any_groups(reviewer));
    for (const auto& [role, groups] : cells) {
      for (const auto& group : groups) {
        if (!lecture.students_present) {
          problem(fmt::format("group '{}' has the {} role on {}, a lecture given by {}", group,
                              to_string(role), iso_date(lecture.date), lecture.presenter),
                  "assign groups only to lectures that students present");
          continue;
        }
        m_out.assignments.push_back(Assignment{lecture.date, role, group, m_line});
      }
    }
  }

  [[nodiscard]] std::string where() const { return fmt::format("{}:{}", m_origin, m_line); }
  void problem(std::string what, std::string fix = {}) {
    m_out.problems.push_back({where(), std::move(what), std::move(fix)});
  }
  void note(std::string what, std::string fix = {}) {
    m_out.notes.push_back({where(), std::move(what), std::move(fix)});
  }

  std::string m_origin;
  int m_year;
  std::optional<unsigned> m_last_month;
  int m_line = 0;
  std::string m_section;
  Current m_current = Current::none;
  std::set<std::chrono::sys_days> m_seen;
  ImportedSchedule m_out;
};

void csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
}

std::string toml_string_array(const std::vector<std::string>& items) {
  if (items.size() == 1)
    return "[" + toml_quote(items.front()) + "]";
  std::string out = "[\n";
  for (const auto& item : items)
    out += "  " + toml_quote(item) + ",\n";
  return out + "]";
}

// The day by which the page says groups are formed: "declare your group's membership ...
// by **September 5**". Lectures up to that day have no group to give them.
struct GroupsFormed {
  Date date;
  int line = 0;
};

std::optional<GroupsFormed> groups_formed_by(std::string_view text, int year) {
  int line_number = 0;
  for (const auto& line : util::split(text, '\n')) {
    ++line_number;
    const auto lowered = util::lower(line);
    if (lowered.starts_with('|') || lowered.find("group") == std::string::npos ||
        !(lowered.contains("declare") || lowered.contains("form a group") ||
          lowered.contains("sign up") || lowered.contains("membership")))
      continue;
    const auto by = lowered.find(" by ");
    if (by == std::string::npos)
      continue;
    // The date right after "by", up to the sentence's end: "**September 5**. After ...".
    auto rest = line.substr(by + 4);
    rest = rest.substr(0, rest.find_first_of(".;("));
    if (const auto month_day = parse_month_day(rest)) {
      const Date date{std::chrono::year{month_day->year.value_or(year)},
                      std::chrono::month{month_day->month}, std::chrono::day{month_day->day}};
      if (date.ok())
        return GroupsFormed{date, line_number};
    }
  }
  return std::nullopt;
}

} // namespace

std::string repair_cp1252_mojibake(std::string_view text) {
  const auto points = decode_utf8(text);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < points.size()) {
    if (const auto lead = cp1252_byte(points[i])) {
      const auto length = utf8_length_of_lead(*lead);
      if (length > 0 && i + length <= points.size()) {
        std::string bytes(1, static_cast<char>(*lead));
        for (std::size_t k = 1; k < length; ++k) {
          const auto next = cp1252_byte(points[i + k]);
          if (!next || (*next & 0xC0) != 0x80)
            break;
          bytes += static_cast<char>(*next);
        }
        if (bytes.size() == length) {
          if (const auto decoded = decode_utf8(bytes); decoded.size() == 1 && decoded[0].valid) {
            out += bytes;
            i += length;
            continue;
          }
        }
      }
    }
    out += points[i].raw;
    ++i;
  }
  return out;
}

std::string toml_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (byte < 0x20 || byte == 0x7F)
        out += fmt::format("\\u{:04X}", static_cast<unsigned>(byte));
      else
        out += c;
    }
  }
  return out + "\"";
}

ImportedSchedule parse_syllabus(std::string_view text, std::string_view origin, int year) {
  const auto repaired = repair_cp1252_mojibake(text);
  Importer importer(origin, year);
  std::optional<Columns> columns;
  bool found_table = false;
  int line_number = 0;
  for (const auto& raw_line : util::split(repaired, '\n')) {
    ++line_number;
    const auto line = util::trim(raw_line);
    if (!line.starts_with('|')) {
      if (columns) // the schedule is the first table with a Date column, and it ended
        break;
      continue;
    }
    const auto cells = split_row(line);
    if (!columns) {
      columns = read_header(cells);
      found_table = columns.has_value();
      continue;
    }
    if (is_delimiter_row(cells))
      continue;
    importer.row(cells, *columns, line_number);
  }
  auto out = importer.finish();
  if (const auto formed = groups_formed_by(repaired, year)) {
    for (auto& lecture : out.lectures) {
      const bool has_presenter_group =
          std::ranges::any_of(out.assignments, [&](const Assignment& assignment) {
            return assignment.lecture == lecture.date && assignment.role == Role::presenter;
          });
      if (!lecture.students_present || has_presenter_group || lecture.date > formed->date)
        continue;
      lecture.students_present = false;
      lecture.presenter = "staff";
      out.notes.push_back(
          {fmt::format("{}:{}", origin, formed->line),
           fmt::format("{} is on or before {}, the day by which groups are declared: staff give it",
                       iso_date(lecture.date), iso_date(formed->date)),
           "name the presenter in the Presenter column if students give it"});
    }
  }
  if (!found_table)
    out.problems.push_back({std::string(origin),
                            "no schedule table: no Markdown table has a 'Date' column",
                            "give the table a header row such as | Date | Readings | Presenter |"});
  return out;
}

std::string render_schedule_toml(const ImportedSchedule& schedule) {
  std::string out;
  auto lecture = schedule.lectures.begin();
  auto no_lecture = schedule.no_lectures.begin();
  while (lecture != schedule.lectures.end() || no_lecture != schedule.no_lectures.end()) {
    if (!out.empty())
      out += '\n';
    const bool take_lecture =
        no_lecture == schedule.no_lectures.end() ||
        (lecture != schedule.lectures.end() && lecture->date <= no_lecture->date);
    if (take_lecture) {
      out += "[[lecture]]\n";
      out += fmt::format("date = {}\n", iso_date(lecture->date));
      if (!lecture->topic.empty())
        out += fmt::format("topic = {}\n", toml_quote(lecture->topic));
      if (!lecture->section.empty())
        out += fmt::format("section = {}\n", toml_quote(lecture->section));
      if (!lecture->students_present)
        out += fmt::format("presenter = {}\n", toml_quote(lecture->presenter));
      if (!lecture->readings.empty())
        out += fmt::format("readings = {}\n", toml_string_array(lecture->readings));
      ++lecture;
    } else {
      out += "[[no_lecture]]\n";
      out += fmt::format("date = {}\n", iso_date(no_lecture->date));
      out += fmt::format("reason = {}\n", toml_quote(no_lecture->reason));
      ++no_lecture;
    }
  }
  return out;
}

std::string render_assignments_csv(const std::vector<Assignment>& assignments) {
  std::string out = "lecture,role,group\n";
  for (const auto& assignment : assignments) {
    out += iso_date(assignment.lecture);
    out += ',';
    out += to_string(assignment.role);
    out += ',';
    csv_field(out, assignment.group);
    out += '\n';
  }
  return out;
}

} // namespace mailroom::rules
