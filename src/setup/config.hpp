#pragma once

#include "core/problem.hpp"

#include <filesystem>
#include <string>

namespace mailroom::setup {

// The two paths every staff command needs. The full config file is defined by the
// daemon's issue; this reads only `rules` and `state_dir`.
struct StatePaths {
  std::filesystem::path rules_dir; // empty when not asked for
  std::filesystem::path state_dir;
};

// Reads `rules` and `state_dir` from a TOML config file; both relative to the file's
// folder when not absolute. Problems name the file and line.
[[nodiscard]] core::Result<StatePaths> read_config_paths(const std::filesystem::path& config_file);

enum class NeedRules { yes, no };

// The paths of a staff command given `--config FILE` or `--state DIR [--rules DIR]`.
[[nodiscard]] core::Result<StatePaths> staff_paths(const std::string& config_file,
                                                   const std::string& state_dir,
                                                   const std::string& rules_dir, NeedRules need);

} // namespace mailroom::setup
