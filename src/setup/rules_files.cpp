#include "setup/rules_files.hpp"

#include "archive/archive.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

namespace mailroom::setup {

core::Result<std::string> read_file(const std::filesystem::path& path) {
  return archive::read_all(path);
}

namespace {

// staff.csv, checked against the roster; none when the folder has no staff.csv.
rules::Checked<std::vector<rules::StaffMember>>
load_staff(const std::filesystem::path& dir, const std::vector<rules::Student>& roster) {
  const auto path = dir / "staff.csv";
  if (!std::filesystem::exists(path))
    return std::vector<rules::StaffMember>{};
  auto text = read_file(path);
  if (!text)
    return std::unexpected(core::Problems{text.error()});
  return rules::parse_staff({std::move(*text), path.string()}, roster);
}

} // namespace

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
  if (auto staff = load_staff(dir, course ? course->roster : std::vector<rules::Student>{})) {
    if (course)
      course->staff = std::move(*staff);
  } else {
    if (course)
      course = std::unexpected(core::Problems{});
    course.error().insert(course.error().end(), staff.error().begin(), staff.error().end());
  }
  if (course && course->id.empty())
    course->id = dir.filename().string();
  return course;
}

reply::Templates load_templates(const std::vector<std::filesystem::path>& dirs) {
  reply::Templates templates;
  for (const auto& dir : dirs)
    for (const char* name : reply::k_template_names)
      if (auto text = read_file(dir / (std::string(name) + ".mustache")))
        templates[name] = std::move(*text);
  return templates;
}

// The templates a rules folder may override besides the replies' (reply::k_template_names):
// the daily digest and reminders (daemon/scheduled_mail.cpp) and the term's page
// (daemon/report_file.cpp). Their variables are their own; they are checked to parse.
constexpr std::array<std::string_view, 3> k_scheduled_and_page_templates{"digest", "reminder",
                                                                         "report"};

core::Problems check_rules_templates(const std::filesystem::path& dir,
                                     const rules::Course& course) {
  core::Problems problems;
  const auto folder = dir / "templates";
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error))
    return problems;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error))
    files.push_back(entry.path());
  std::ranges::sort(files);
  for (const auto& path : files) {
    const auto file_name = path.filename().string();
    constexpr std::string_view suffix = ".mustache";
    if (!file_name.ends_with(suffix)) {
      problems.push_back({path.string(), "not a template (no .mustache ending)",
                          "remove it, or name it like receipt.mustache"});
      continue;
    }
    auto text = read_file(path);
    if (!text) {
      problems.push_back(text.error());
      continue;
    }
    const auto name = file_name.substr(0, file_name.size() - suffix.size());
    auto found = std::ranges::find(k_scheduled_and_page_templates, name) !=
                         k_scheduled_and_page_templates.end()
                     ? reply::check_template_syntax(*text, path.string())
                     : reply::check_template(name, *text, path.string(), course);
    problems.insert(problems.end(), found.begin(), found.end());
  }
  return problems;
}

} // namespace mailroom::setup
