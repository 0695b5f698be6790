#include "imap/protocol.hpp"

#include <date/date.h>

#include <sstream>

// Apart from imap_protocol.cpp because g++ 12 at -O2 sees a false "may be used
// uninitialized" inside date::parse there (date.h's seconds parser), depending on what
// else the translation unit inlines; alone it compiles cleanly.

namespace mailroom::imap {

std::optional<core::Instant> parse_internaldate(std::string_view text) {
  // date-day-fixed = (SP DIGIT) / 2DIGIT (RFC 3501 section 9).
  while (text.starts_with(' '))
    text.remove_prefix(1);
  std::istringstream in{std::string(text)};
  date::local_seconds local;
  std::chrono::minutes offset{};
  // date::parse fails on impossible days (31-Feb, 29-Feb-2023) and a missing zone.
  in >> date::parse("%d-%b-%Y %T %z", local, offset);
  if (in.fail() || in.peek() != std::char_traits<char>::eof())
    return std::nullopt;
  return core::Instant{local.time_since_epoch() - offset};
}

std::string format_internaldate(core::Instant instant) {
  return date::format("%d-%b-%Y %H:%M:%S +0000", instant);
}

} // namespace mailroom::imap
