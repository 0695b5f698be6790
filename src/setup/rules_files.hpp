#pragma once

#include "reply/compose.hpp"
#include "rules/load.hpp"

#include <filesystem>

namespace mailroom::setup {

// Read course.toml, roster.csv, assignments.csv and (when there is one) staff.csv from
// `dir` and check them together. A missing file is a problem naming it.
[[nodiscard]] rules::Checked<rules::Course> load_rules(const std::filesystem::path& dir);

// The whole file, or a Problem naming it (archive::read_all, under the name the setup code
// reads its files by).
[[nodiscard]] core::Result<std::string> read_file(const std::filesystem::path& path);

// The reply templates found in `dirs` (NAME.mustache for each of reply::k_template_names),
// a later folder's overriding an earlier one's name by name.
[[nodiscard]] reply::Templates load_templates(const std::vector<std::filesystem::path>& dirs);

// Every problem of the templates a rules folder overrides (DIR/templates/*.mustache): a
// file that is no template, one that does not parse, a variable no reply defines. The
// digest, reminder and report templates are known and checked to parse.
[[nodiscard]] core::Problems check_rules_templates(const std::filesystem::path& dir,
                                                   const rules::Course& course);

} // namespace mailroom::setup
