#include "core/instant.hpp"

#include <date/date.h>

#include <sstream>

namespace mailroom::core {

std::string to_iso_utc(Instant instant) {
  return date::format("%FT%TZ", instant);
}

std::optional<Instant> parse_iso(std::string_view text) {
  std::string s(text);
  for (const char* fmt : {"%FT%TZ", "%FT%T%Ez", "%FT%T%z", "%F %TZ", "%F %T%Ez"}) {
    std::istringstream in(s);
    Instant instant;
    in >> date::parse(fmt, instant);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof())
      return instant;
  }
  return std::nullopt;
}

} // namespace mailroom::core
