#include "util/toml_reader.hpp"

#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mailroom::util {

void Reporter::add(const toml::source_region& where, std::string what, std::string fix) {
  std::string place = m_origin;
  if (where.begin.line > 0)
    place += fmt::format(":{}", where.begin.line);
  m_problems.push_back(core::Problem{place, std::move(what), std::move(fix)});
}

void Reporter::add_file(std::string what, std::string fix) {
  m_problems.push_back(core::Problem{m_origin, std::move(what), std::move(fix)});
}

void check_keys(const toml::table& table, std::string_view table_name,
                const std::vector<std::string>& known, Reporter& report) {
  for (const auto& [key, value] : table) {
    if (std::ranges::find(known, key.str()) != known.end())
      continue;
    std::string fix = "remove it";
    if (const auto guess = util::closest(key.str(), known); !guess.empty())
      fix = fmt::format("did you mean '{}'?", guess);
    report.add(key.source(), fmt::format("unknown key '{}' in [{}]", key.str(), table_name), fix);
  }
}

std::optional<std::string> get_string(const toml::table& table, std::string_view key,
                                      std::string_view table_name, Reporter& report,
                                      bool required) {
  const toml::node* node = table.get(key);
  if (!node) {
    if (required)
      report.add(table.source(), fmt::format("missing key '{}' in [{}]", key, table_name),
                 fmt::format("add {} = \"...\"", key));
    return std::nullopt;
  }
  if (const auto* value = node->as_string())
    return value->get();
  report.add(node->source(), fmt::format("'{}' in [{}] must be a string", key, table_name));
  return std::nullopt;
}

std::vector<std::string> get_strings(const toml::table& table, std::string_view key,
                                     std::string_view table_name, Reporter& report) {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (!node)
    return out;
  const auto* array = node->as_array();
  if (!array) {
    report.add(node->source(),
               fmt::format("'{}' in [{}] must be a list of strings", key, table_name),
               fmt::format("write {} = [\"...\"]", key));
    return out;
  }
  for (const auto& item : *array) {
    if (const auto* text = item.as_string())
      out.push_back(text->get());
    else
      report.add(item.source(),
                 fmt::format("'{}' in [{}] must hold strings only", key, table_name));
  }
  return out;
}

} // namespace mailroom::util
