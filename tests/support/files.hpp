#pragma once

#include "rules/load.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/time.h>

namespace mailroom::test {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether the file `path` exists and holds `text` (a log that may not be written yet).
inline bool file_contains(const std::filesystem::path& path, const std::string& text) {
  std::error_code ignored;
  return std::filesystem::exists(path, ignored) && read_text(path).find(text) != std::string::npos;
}

// Writes `text` to `path`, making its folder first.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// An empty Maildir at `folder`: its new/, cur/ and tmp/ folders.
inline void make_maildir(const std::filesystem::path& folder) {
  for (const char* sub : {"new", "cur", "tmp"})
    std::filesystem::create_directories(folder / sub);
}

// Sets the modification time of `file`, a Maildir mail's arrival, to `seconds` since the
// epoch.
inline void set_mtime(const std::filesystem::path& file, std::int64_t seconds) {
  const timeval times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(::utimes(file.c_str(), times), 0) << file;
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

// The course `text` describes; each of its problems a test failure, and then an empty
// course.
inline rules::Course course_of(const rules::RulesText& text) {
  auto course = rules::parse_rules(text);
  if (!course) {
    for (const auto& problem : course.error())
      ADD_FAILURE() << problem.to_string();
    return {};
  }
  return *course;
}

// The real F'25 course file with the made-up roster and assignments of examples/.
inline rules::Course example_course() {
  const auto course_path = source_dir() / "rules/cse585-f25/course.toml";
  const auto example = source_dir() / "examples/cse585-f25";
  return course_of({{read_text(course_path), course_path.string()},
                    {read_text(example / "roster.csv"), "roster.csv"},
                    {read_text(example / "assignments.csv"), "assignments.csv"}});
}

} // namespace mailroom::test
