#pragma once

#include "core/problem.hpp"

#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Reading staff-written TOML files (course.toml, the config file) the same way: every
// problem with its file and line, unknown keys refused with the closest known key.
namespace mailroom::util {

// Collects problems against one file, each with the line toml++ reports.
class Reporter {
public:
  explicit Reporter(std::string origin) : m_origin(std::move(origin)) {}

  void add(const toml::source_region& where, std::string what, std::string fix = {});
  void add_file(std::string what, std::string fix = {});
  [[nodiscard]] core::Problems take() { return std::move(m_problems); }
  [[nodiscard]] bool empty() const { return m_problems.empty(); }
  [[nodiscard]] const std::string& origin() const { return m_origin; }

private:
  std::string m_origin;
  core::Problems m_problems;
};

// Every key a table may hold; anything else is refused with the closest known key.
void check_keys(const toml::table& table, std::string_view table_name,
                const std::vector<std::string>& known, Reporter& report);

// The string at `key`; a problem when it is missing (and `required`) or not a string.
std::optional<std::string> get_string(const toml::table& table, std::string_view key,
                                      std::string_view table_name, Reporter& report, bool required);

// The list of strings at `key` (empty when absent); a problem for anything else.
std::vector<std::string> get_strings(const toml::table& table, std::string_view key,
                                     std::string_view table_name, Reporter& report);

} // namespace mailroom::util
