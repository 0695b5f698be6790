#include "daemon/state_lock.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace mailroom::daemon {

namespace {

namespace fs = std::filesystem;

// The pid the holder wrote into the lock file, or "" when it has not written it yet.
std::string holder_pid(int fd) {
  char text[32] = {};
  const auto read = ::pread(fd, text, sizeof text - 1, 0);
  if (read <= 0)
    return "";
  std::string pid(text, static_cast<std::size_t>(read));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
    pid.pop_back();
  return pid;
}

// The holder writes its pid right after flock returns: a reader that comes in between
// finds the file empty for a moment, so it asks a few times before saying "unknown".
std::string holder_pid_soon(int fd) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (auto pid = holder_pid(fd); !pid.empty())
      return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return "unknown";
}

core::Problem io_problem(const fs::path& path, const std::string& what) {
  return {path.string(), fmt::format("cannot {}: {}", what, std::strerror(errno)),
          "check the state folder's owner and permissions"};
}

} // namespace

std::expected<StateLock, StateLock::Refusal> StateLock::acquire(const fs::path& state_dir,
                                                                WhenBusy when_busy) {
  std::error_code error;
  fs::create_directories(state_dir, error);
  if (error)
    return std::unexpected(
        Refusal{{state_dir.string(), "cannot create the state folder: " + error.message(),
                 "check its parent's owner and permissions"}});
  const auto path = state_dir / "mailroom.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return std::unexpected(Refusal{io_problem(path, "open the lock file")});
  StateLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      return std::unexpected(Refusal{io_problem(path, "lock")});
    const auto pid = holder_pid_soon(fd);
    const auto what =
        fmt::format("another mailroom (pid {}) is running on {}", pid, state_dir.string());
    if (when_busy == WhenBusy::exit)
      return std::unexpected(
          Refusal{{path.string(), what,
                   "one mailroom per state folder: stop the other one first (systemctl stop "
                   "mailroom@COURSE), or give --wait to start when it ends"},
                  true});
    spdlog::info("{}: waiting until it ends (--wait)", what);
    while (::flock(fd, LOCK_EX) != 0)
      if (errno != EINTR)
        return std::unexpected(Refusal{io_problem(path, "lock")});
  }
  // Order is important: the pid is written only under the lock, so the file always names
  // the holder (or is empty for a moment).
  const auto pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    return std::unexpected(Refusal{io_problem(path, "write the pid into the lock file")});
  return lock;
}

StateLock::StateLock(StateLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

StateLock& StateLock::operator=(StateLock&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0)
      ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

StateLock::~StateLock() {
  // Closing the only descriptor drops the flock; the file stays for the next holder.
  if (m_fd >= 0)
    ::close(m_fd);
}

} // namespace mailroom::daemon
