#pragma once

#include "content/reading.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

// The content checks' FileReader: each file is read by a fresh child process (the helper
// mailroom-read-file, run as `mailroom-read-file pdf|zip`) under CPU, memory and time
// limits, so that a PDF whose page tree loops or a zip bomb costs a check_failed finding,
// never the daemon. A helper of its own, not the mailroom binary: poppler and libzip load
// only there.
//
// fork + exec rather than a bare fork: the daemon has a second thread (the IMAP fetch), and
// a forked child of a threaded process may only make async-signal-safe calls until it
// execs, while poppler allocates and takes locks. A fresh image also starts with its own
// address space under the memory limit, and nothing of the parent's (passwords, the open
// ledger) mapped in it.
namespace mailroom::sandbox {

struct Limits {
  std::chrono::seconds cpu{10};
  std::chrono::seconds wall{30};      // a child blocked without using CPU is killed at this
  std::uint64_t memory = 1ull << 30;  // address space (RLIMIT_AS)
  std::size_t max_answer = 16u << 20; // bytes the parent reads back
};

class SandboxedReader : public content::FileReader {
public:
  // `executable` must accept `FORMAT` (mailroom-read-file does).
  explicit SandboxedReader(std::string executable, Limits limits = {})
      : m_executable(std::move(executable)), m_limits(limits) {}

  // A reader whose every reading fails with `why`: the helper could not be found.
  [[nodiscard]] static SandboxedReader unavailable(std::string why);

  // Never throws: every way the child can fail (not started, killed at a limit, crashed,
  // a broken answer) is a reading with `failure` saying which, for the ledger.
  [[nodiscard]] content::FileReading read(content::FileFormat format,
                                          std::string_view bytes) const override;

private:
  std::string m_executable;
  Limits m_limits;
  std::string m_unavailable; // not empty: why no child can be started
};

// The reader of the helper installed with this binary (installed::beside_binary), with the
// default limits, for the fronts. The helper is opened on the first call and run through
// that descriptor from then on: after a package upgrade replaced the file, a daemon still
// runs the helper of its own version, whose answers it reads.
[[nodiscard]] const content::FileReader& default_reader();

} // namespace mailroom::sandbox
