#pragma once

#include <cctype>
#include <ctime>
#include <sstream>
#include <string>
#include <strings.h>

// Dates and header fields as mail carries them, for mails a test writes and replies it reads.
namespace mailroom::test {

// `at` in UTC by strftime's `format` (an INTERNALDATE, a Date header).
inline std::string format_utc(std::time_t at, const char* format) {
  std::tm utc{};
  ::gmtime_r(&at, &utc);
  char text[64];
  std::strftime(text, sizeof text, format, &utc);
  return text;
}

// Now as an RFC 5322 date in UTC: "Mon, 23 Nov 2026 09:00:00 +0000".
inline std::string rfc5322_now() {
  return format_utc(std::time(nullptr), "%a, %d %b %Y %H:%M:%S +0000");
}

// The value of the first header field `name` (any case) in `message`, its folded lines
// joined, or "<none>".
inline std::string header(const std::string& message, const std::string& name) {
  std::istringstream lines(message.substr(0, message.find("\r\n\r\n")));
  std::string value;
  bool in = false;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (in && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      value += line;
      continue;
    }
    if (in)
      return value;
    if (line.size() > name.size() && line[name.size()] == ':' &&
        ::strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
      in = true;
      value = line.substr(name.size() + 1);
      value.erase(0, value.find_first_not_of(" \t"));
    }
  }
  return in ? value : "<none>";
}

} // namespace mailroom::test
