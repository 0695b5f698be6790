#include "sandbox/sandboxed_reader.hpp"

#include "installed/files.hpp"
#include "sandbox/child.hpp"
#include "sandbox/readers.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mailroom::sandbox {

namespace {

content::FileReading failed(std::string why) {
  content::FileReading reading;
  reading.failure = std::move(why);
  return reading;
}

class Fd {
public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (m_fd >= 0)
      ::close(m_fd);
    m_fd = -1;
  }
  [[nodiscard]] int get() const { return m_fd; }

private:
  int m_fd;
};

// In the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const char* executable, char* const argv[], int input, int output,
                             const Limits& limits) {
  if (::dup2(input, STDIN_FILENO) < 0 || ::dup2(output, STDOUT_FILENO) < 0)
    ::_exit(126);
  if (const int null = ::open("/dev/null", O_WRONLY); null >= 0)
    ::dup2(null, STDERR_FILENO);
  const auto cpu = static_cast<rlim_t>(limits.cpu.count());
  // glibc makes setrlimit a prlimit64 call, which the unit's SystemCallFilter allows.
  const rlimit cpu_limit{cpu, cpu + 1};
  const rlimit no_files{0, 0};
  ::setrlimit(RLIMIT_CPU, &cpu_limit);
  ::setrlimit(RLIMIT_FSIZE, &no_files);
  ::setrlimit(RLIMIT_CORE, &no_files);
  // AddressSanitizer reserves terabytes of shadow address space at start: under it the
  // memory limit would stop every child before it reads a byte.
#if !defined(__SANITIZE_ADDRESS__)
  const rlimit memory{static_cast<rlim_t>(limits.memory), static_cast<rlim_t>(limits.memory)};
  ::setrlimit(RLIMIT_AS, &memory);
#endif
  ::execv(executable, argv);
  ::_exit(127);
}

std::string why_it_stopped(int status, bool killed_at_wall, const Limits& limits) {
  if (killed_at_wall)
    return fmt::format("did not finish within {} s and was stopped", limits.wall.count());
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    if (signal == SIGXCPU || signal == SIGKILL)
      return fmt::format("used up its {} s of CPU time and was stopped", limits.cpu.count());
    return fmt::format("crashed (signal {}, {})", signal, ::strsignal(signal));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == k_exit_out_of_memory)
    return fmt::format("ran out of its {} MB of memory", limits.memory >> 20);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return "could not be started";
  return fmt::format("failed (exit status {})", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

} // namespace

SandboxedReader SandboxedReader::unavailable(std::string why) {
  SandboxedReader reader{""};
  reader.m_unavailable = std::move(why);
  return reader;
}

content::FileReading SandboxedReader::read(content::FileFormat format,
                                           std::string_view bytes) const {
  if (!m_unavailable.empty())
    return failed(m_unavailable);
  // The file goes to the child as a sealed-off memory file on its standard input: no
  // name on disk, and the parent never blocks writing to a child that stopped reading.
  Fd input(::memfd_create("mailroom-content-check", MFD_CLOEXEC));
  if (input.get() < 0 || !write_all(input.get(), bytes) || ::lseek(input.get(), 0, SEEK_SET) != 0)
    return failed(fmt::format("could not be given the file ({})", std::strerror(errno)));
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0)
    return failed(fmt::format("could not be started ({})", std::strerror(errno)));
  Fd from_child(pipe_ends[0]);
  Fd to_parent(pipe_ends[1]);
  std::string format_name = content::to_string(format);
  std::string executable = m_executable;
  char* argv[] = {executable.data(), format_name.data(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0)
    return failed(fmt::format("could not be started ({})", std::strerror(errno)));
  if (pid == 0)
    exec_child(executable.c_str(), argv, input.get(), to_parent.get(), m_limits);
  to_parent.reset();
  input.reset();

  std::string answer;
  bool killed_at_wall = false;
  const auto deadline = std::chrono::steady_clock::now() + m_limits.wall;
  char buffer[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      killed_at_wall = true;
      break;
    }
    pollfd waiting{from_child.get(), POLLIN, 0};
    const int ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      continue; // the deadline is checked at the top
    const auto got = ::read(from_child.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    answer.append(buffer, static_cast<std::size_t>(got));
    if (answer.size() > m_limits.max_answer) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return failed(fmt::format("answered with more than {} MB", m_limits.max_answer >> 20));
    }
  }
  if (killed_at_wall)
    ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (killed_at_wall || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return failed(why_it_stopped(status, killed_at_wall, m_limits));
  return decode(answer);
}

const content::FileReader& default_reader() {
  static const SandboxedReader reader = [] {
    const auto helper = installed::beside_binary("mailroom-read-file");
    // Never closed: the reader lives as long as the process. An exec of
    // /proc/self/fd/N runs the file the descriptor holds (close-on-exec closes it only
    // once the image is loaded).
    const int fd = ::open(helper.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0)
      return SandboxedReader::unavailable(
          fmt::format("could not be started ({}: {})", helper.string(), std::strerror(errno)));
    return SandboxedReader(fmt::format("/proc/self/fd/{}", fd));
  }();
  return reader;
}

} // namespace mailroom::sandbox
