#pragma once

#include "rules/load.hpp"

#include <filesystem>

namespace mailroom::daemon {

// Read course.toml, roster.csv and assignments.csv from `dir` and check them
// together. A missing file is a problem naming it.
[[nodiscard]] rules::Checked<rules::Course> load_rules(const std::filesystem::path& dir);

// The whole file, or a Problem naming it.
[[nodiscard]] core::Result<std::string> read_file(const std::filesystem::path& path);

} // namespace mailroom::daemon
