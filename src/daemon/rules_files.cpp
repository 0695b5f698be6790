#include "daemon/rules_files.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mailroom::daemon {

core::Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return core::fail(path.string(), fmt::format("cannot read: {}", std::strerror(error)),
                      error == EACCES
                          ? "staff read a course's config, rules and ledger through the "
                            "`mailroom` group: ask an admin for `adduser YOUR-USER mailroom`, "
                            "then log in again"
                          : "check that the file exists and is readable");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

rules::Checked<rules::Course> load_rules(const std::filesystem::path& dir) {
  core::Problems problems;
  rules::RulesText text;
  for (auto [name, target] : {std::pair{"course.toml", &text.course},
                              {"roster.csv", &text.roster},
                              {"assignments.csv", &text.assignments}}) {
    const auto path = dir / name;
    target->origin = path.string();
    if (auto content = read_file(path))
      target->text = std::move(*content);
    else
      problems.push_back(content.error());
  }
  if (!problems.empty())
    return std::unexpected(problems);
  auto course = rules::parse_rules(text);
  if (course && course->id.empty())
    course->id = dir.filename().string();
  return course;
}

} // namespace mailroom::daemon
