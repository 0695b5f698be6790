#pragma once

#include "rules/load.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mailroom::test {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to `path`, making its folder first.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Writes a password file as an admin would (mode 0600): mailroom refuses wider ones.
inline void write_secret(const std::filesystem::path& path, const std::string& text) {
  write_file(path, text);
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
}

inline std::filesystem::path source_dir() {
  return MAILROOM_SOURCE_DIR;
}
inline std::filesystem::path test_data() {
  return MAILROOM_TEST_DATA;
}

// The real F'25 course file with the made-up roster and assignments of examples/.
inline rules::Course example_course() {
  const auto course_path = source_dir() / "rules/cse585-f25/course.toml";
  const auto example = source_dir() / "examples/cse585-f25";
  auto course = rules::parse_rules({{read_text(course_path), course_path.string()},
                                    {read_text(example / "roster.csv"), "roster.csv"},
                                    {read_text(example / "assignments.csv"), "assignments.csv"}});
  if (!course) {
    for (const auto& problem : course.error())
      ADD_FAILURE() << problem.to_string();
    return {};
  }
  return *course;
}

} // namespace mailroom::test
