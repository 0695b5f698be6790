#pragma once

#include <string>

namespace mailroom::test {

// How often `needle` occurs in `text` (a log, a command's output), overlaps included.
inline int count_of(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

// How many lines `text` has (its newlines: a log or a listing ends each line with one).
inline int line_count(const std::string& text) {
  return count_of(text, "\n");
}

} // namespace mailroom::test
