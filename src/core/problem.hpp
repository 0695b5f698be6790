#pragma once

#include <expected>
#include <string>
#include <vector>

namespace mailroom::core {

// What went wrong, where, and what to do about it. `where` is a place a person can
// open: "rules/cse585-f25/course.toml:14" or "message <id> (file ...)".
struct Problem {
  std::string where;
  std::string what;
  std::string fix;

  // "where: what; fix" — the one line shown to people.
  [[nodiscard]] std::string to_string() const;
};

template <class T> using Result = std::expected<T, Problem>;

// Validation reports every problem in one pass, not only the first.
using Problems = std::vector<Problem>;

[[nodiscard]] inline std::unexpected<Problem> fail(std::string where, std::string what,
                                                   std::string fix = {}) {
  return std::unexpected(Problem{std::move(where), std::move(what), std::move(fix)});
}

} // namespace mailroom::core
