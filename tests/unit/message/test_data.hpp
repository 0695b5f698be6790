#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mailroom::message::testing {

inline std::filesystem::path data_dir() {
  return MAILROOM_TEST_DATA;
}

// The bytes of a file under tests/data; empty when it is missing.
inline std::string read_data(const std::filesystem::path& relative) {
  std::ifstream in(data_dir() / relative, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

} // namespace mailroom::message::testing
