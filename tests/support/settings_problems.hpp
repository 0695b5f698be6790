#pragma once

#include "setup/settings.hpp"

#include <string>
#include <vector>

namespace mailroom::test {

// What setup::parse_settings says of `text` read as /etc/mailroom/term.toml, one line a
// problem (file, line, fault and fix); none when it parses.
inline std::vector<std::string> settings_problems(const std::string& text) {
  std::vector<std::string> lines;
  const auto parsed = setup::parse_settings(text, "/etc/mailroom/term.toml");
  if (!parsed)
    for (const auto& problem : parsed.error())
      lines.push_back(problem.to_string());
  return lines;
}

} // namespace mailroom::test
