#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

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

// `ENVIRONMENT mailroom ARGS`: `environment` is the shell's "NAME=VALUE ..." prefix (the
// fault hooks of core/fault.hpp, a time zone).
inline Ran mailroom_with_environment(const std::string& environment, const std::string& args) {
  return run_shell(environment + " '" + MAILROOM_BINARY + "' " + args);
}

// Starts the daemon, `mailroom run --config CONFIG`, from a shell that leaves it to init, so
// that once it ends it is gone rather than a zombie of the test (`kill -0` then fails). Its
// stdin and stdout are /dev/null, its stderr goes to `log`. Returns its pid.
inline pid_t start_daemon_detached(const std::filesystem::path& config,
                                   const std::filesystem::path& log) {
  const auto started =
      run_shell(std::string("'") + MAILROOM_BINARY + "' run --config " + quoted(config) +
                " </dev/null >/dev/null 2>" + quoted(log) + " & echo $!");
  return std::stoi(started.out);
}

// Starts `mailroom ARGS --config CONFIG` as a child of the test, with `environment` set
// (the fault hooks of core/fault.hpp) and its stdout and stderr in `log`. Returns its pid,
// for exit_status() or waitpid.
inline pid_t
start_mailroom(const std::vector<std::string>& args, const std::filesystem::path& config,
               const std::filesystem::path& log,
               const std::vector<std::pair<std::string, std::string>>& environment = {}) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [name, value] : environment)
      ::setenv(name.c_str(), value.c_str(), 1);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<std::string> argv{"mailroom"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--config", config.string()});
    std::vector<char*> pointers;
    for (auto& arg : argv)
      pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    ::execv(MAILROOM_BINARY, pointers.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for the child `pid` to end; its exit code, or 128 + the signal that ended it.
inline int exit_status(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace mailroom::test
