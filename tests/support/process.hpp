#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace mailroom::test {

struct Ran {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Run a shell command line and collect its exit code, stdout and stderr.
inline Ran run_shell(const std::string& command) {
  const auto err_path = std::filesystem::temp_directory_path() /
                        ("mailroom-stderr-" + std::to_string(::getpid()) + ".txt");
  Ran ran;
  FILE* pipe = ::popen((command + " 2>" + err_path.string()).c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return ran;
  }
  std::array<char, 65536> buffer{};
  while (const auto n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    ran.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream err(err_path);
  std::ostringstream text;
  text << err.rdbuf();
  ran.err = text.str();
  std::filesystem::remove(err_path);
  return ran;
}

inline std::string quoted(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

// `mailroom ARGS` with the binary this build made.
inline Ran mailroom(const std::string& args) {
  return run_shell(std::string("'") + MAILROOM_BINARY + "' " + args);
}

} // namespace mailroom::test
