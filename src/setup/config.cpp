#include "setup/config.hpp"

#include "setup/rules_files.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

namespace mailroom::setup {

namespace fs = std::filesystem;

core::Result<StatePaths> read_config_paths(const fs::path& config_file) {
  auto text = read_file(config_file);
  if (!text)
    return std::unexpected(text.error());
  toml::table table;
  try {
    table = toml::parse(*text, config_file.string());
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return core::fail(fmt::format("{}:{}:{}", config_file.string(), where.line, where.column),
                      std::string(error.description()));
  }
  const fs::path base = config_file.parent_path();
  StatePaths paths;
  for (auto [key, target] :
       {std::pair{"rules", &paths.rules_dir}, {"state_dir", &paths.state_dir}}) {
    const auto* node = table.get(key);
    if (!node)
      return core::fail(config_file.string(), fmt::format("missing key '{}'", key),
                        fmt::format("add {} = \"PATH\" at the top of the file", key));
    const auto* value = node->as_string();
    if (!value)
      return core::fail(fmt::format("{}:{}", config_file.string(), node->source().begin.line),
                        fmt::format("'{}' must be a string (a path)", key));
    fs::path path(value->get());
    *target = path.is_absolute() ? path : base / path;
  }
  return paths;
}

core::Result<StatePaths> staff_paths(const std::string& config_file, const std::string& state_dir,
                                     const std::string& rules_dir, NeedRules need) {
  if (!config_file.empty()) {
    if (!state_dir.empty() || !rules_dir.empty())
      return core::fail("command line", "--config cannot be combined with --state or --rules",
                        "give either --config FILE or --state DIR --rules DIR");
    return read_config_paths(config_file);
  }
  if (state_dir.empty())
    return core::fail("command line", "no state folder given", "give --config FILE or --state DIR");
  if (need == NeedRules::yes && rules_dir.empty())
    return core::fail("command line", "no rules folder given",
                      "give --rules DIR (or --config FILE)");
  return StatePaths{rules_dir, state_dir};
}

} // namespace mailroom::setup
