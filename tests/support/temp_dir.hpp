#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace mailroom::test {

// A fresh directory for one test. Removed when the test passes; kept, with its path
// printed, when it fails, so the evidence can be read.
class TempDir {
public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mailroom-test.XXXXXX").string();
    m_path = ::mkdtemp(pattern.data());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (testing::Test::HasFailure()) {
      std::cerr << "Note: test data has been left in " << m_path << "\n";
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return m_path / name;
  }

private:
  std::filesystem::path m_path;
};

} // namespace mailroom::test
