#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace mailroom::daemon {

// What the daemon last said about itself, for `mailroom status`: written to
// `state_dir/daemon-status` (JSON) after each poll and when it stops, the way it reports
// STATUS= to systemd. Staff read it without signalling the daemon.
struct DaemonStatus {
  long pid = 0;
  std::string mailbox; // the [mailbox] url
  core::Instant started_at;
  std::optional<core::Instant> last_poll_at;
  std::string outcome; // "ok", or the failure that ended the last poll
  std::size_t recorded = 0;
  std::size_t known = 0;
  std::size_t failed = 0;
  // "ok" (the last poll reached the mailbox), "retrying" (backing off after a server
  // failure), "blocked" (a person must fix the config; no polling until reload), or
  // "stopped" (the daemon exited).
  std::string connection = "ok";
  int failures_in_a_row = 0;
  std::optional<core::Instant> next_poll_at;
  std::optional<core::Instant> stopped_at;
};

// The status file of a state folder.
[[nodiscard]] std::filesystem::path status_path(const std::filesystem::path& state_dir);

// Writes `status` to `path` atomically (temporary name, rename), so a reader sees the old
// file or the new one, never half of one. Not fsync'ed (archive::replace_atomically): it is
// written again after every poll, and two waits for the disk were a tenth of a no-op poll.
[[nodiscard]] core::Result<void> write_status(const std::filesystem::path& path,
                                              const DaemonStatus& status);

// The status the daemon last wrote; nullopt when it never ran with this state folder.
// Problem: the file cannot be read or is not a status file.
[[nodiscard]] core::Result<std::optional<DaemonStatus>>
read_status(const std::filesystem::path& path);

} // namespace mailroom::daemon
