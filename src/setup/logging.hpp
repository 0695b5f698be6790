#pragma once

#include "core/problem.hpp"

#include <string>

namespace mailroom::setup {

// Sets up spdlog for the process. Under systemd (JOURNAL_STREAM set) lines carry an
// sd-daemon priority prefix ("<4>") and no timestamp, so `journalctl -p warning` shows
// what needs a person; otherwise spdlog's usual format on stderr. `level` is one of
// trace, debug, info, warning, error, critical, off.
[[nodiscard]] core::Result<void> setup_logging(const std::string& level);

} // namespace mailroom::setup
