#include "message/headers.hpp"

#include <array>
#include <cctype>
#include <chrono>

namespace mailroom::message {
namespace {

class Cursor {
public:
  explicit Cursor(std::string_view s) : m_s(s) {}

  void skip_space_and_comments() {
    while (m_i < m_s.size()) {
      if (std::isspace(static_cast<unsigned char>(m_s[m_i])) || m_s[m_i] == ',') {
        ++m_i;
      } else if (m_s[m_i] == '(') {
        int depth = 0;
        do {
          if (m_s[m_i] == '(')
            ++depth;
          else if (m_s[m_i] == ')')
            --depth;
          ++m_i;
        } while (m_i < m_s.size() && depth > 0);
      } else {
        break;
      }
    }
  }
  std::optional<int> number(std::size_t max_digits) {
    skip_space_and_comments();
    std::size_t digits = 0;
    int value = 0;
    while (m_i < m_s.size() && digits < max_digits &&
           std::isdigit(static_cast<unsigned char>(m_s[m_i]))) {
      value = value * 10 + (m_s[m_i++] - '0');
      ++digits;
    }
    if (digits == 0)
      return std::nullopt;
    return value;
  }
  std::string word() {
    skip_space_and_comments();
    std::string out;
    while (m_i < m_s.size() && std::isalpha(static_cast<unsigned char>(m_s[m_i])))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(m_s[m_i++])));
    return out;
  }
  bool eat(char c) {
    skip_space_and_comments();
    if (m_i < m_s.size() && m_s[m_i] == c) {
      ++m_i;
      return true;
    }
    return false;
  }
  char peek() {
    skip_space_and_comments();
    return m_i < m_s.size() ? m_s[m_i] : '\0';
  }

private:
  std::string_view m_s;
  std::size_t m_i = 0;
};

std::optional<unsigned> month_number(std::string_view name) {
  static constexpr std::array<std::string_view, 12> k_months{
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for (unsigned i = 0; i < k_months.size(); ++i)
    if (name.starts_with(k_months[i]))
      return i + 1;
  return std::nullopt;
}

// Offset east of UTC in minutes; obsolete zone names per RFC 5322 section 4.3,
// anything unknown (military letters included) as -0000.
int zone_minutes(Cursor& cursor) {
  const char c = cursor.peek();
  if (c == '+' || c == '-') {
    cursor.eat(c);
    const auto hhmm = cursor.number(4).value_or(0);
    const int minutes = (hhmm / 100) * 60 + hhmm % 100;
    return c == '-' ? -minutes : minutes;
  }
  const auto name = cursor.word();
  struct Zone {
    std::string_view name;
    int hours;
  };
  static constexpr std::array<Zone, 8> k_zones{{{"edt", -4},
                                                {"est", -5},
                                                {"cdt", -5},
                                                {"cst", -6},
                                                {"mdt", -6},
                                                {"mst", -7},
                                                {"pdt", -7},
                                                {"pst", -8}}};
  for (const auto& zone : k_zones)
    if (name == zone.name)
      return zone.hours * 60;
  return 0;
}

} // namespace

std::optional<core::Instant> parse_date(std::string_view value) {
  Cursor cursor(value);
  if (std::isalpha(static_cast<unsigned char>(cursor.peek())))
    cursor.word(); // day of week
  const auto day = cursor.number(2);
  const auto month = month_number(cursor.word());
  auto year = cursor.number(4);
  if (!day || !month || !year)
    return std::nullopt;
  if (*year < 50)
    *year += 2000;
  else if (*year < 1000)
    *year += 1900;
  const auto hour = cursor.number(2);
  if (!hour || !cursor.eat(':'))
    return std::nullopt;
  const auto minute = cursor.number(2);
  if (!minute)
    return std::nullopt;
  int second = 0;
  if (cursor.eat(':'))
    second = cursor.number(2).value_or(0);
  const int offset = zone_minutes(cursor);
  const std::chrono::year_month_day date{std::chrono::year{*year}, std::chrono::month{*month},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || second > 60)
    return std::nullopt;
  return core::Instant{std::chrono::sys_days{date}} + std::chrono::hours{*hour} +
         std::chrono::minutes{*minute - offset} + std::chrono::seconds{second};
}

} // namespace mailroom::message
