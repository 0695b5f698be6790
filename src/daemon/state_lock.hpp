#pragma once

#include "core/problem.hpp"

#include <filesystem>

namespace mailroom::daemon {

// What `run` does when another process holds the state folder.
enum class WhenBusy {
  exit, // give up at once (exit status 75, EX_TEMPFAIL)
  wait, // block until the holder ends
};

// The exit status of a `run` that found its state folder held by another mailroom.
inline constexpr int k_exit_busy = 75; // EX_TEMPFAIL (sysexits.h)

// One writer per state folder: an exclusive flock(2) on `<state_dir>/mailroom.lock`, which
// holds the holder's pid as text. The kernel drops the lock when the process ends, however
// it ends (kill -9 included), so there is no stale lock to clean up; the file stays. Staff
// commands do not take it: they go through SQLite's own locking.
class StateLock {
public:
  // Takes the lock of `state_dir` (creating the folder and the file when missing).
  // Problems: the folder or file cannot be made or opened; the lock is held by another
  // process and `when_busy` is exit ("another mailroom (pid N) is running on STATE";
  // `busy` tells this case from the others).
  struct Refusal {
    core::Problem problem;
    bool busy = false;
  };
  [[nodiscard]] static std::expected<StateLock, Refusal>
  acquire(const std::filesystem::path& state_dir, WhenBusy when_busy);

  StateLock(StateLock&& other) noexcept;
  StateLock& operator=(StateLock&& other) noexcept;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

private:
  explicit StateLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

} // namespace mailroom::daemon
