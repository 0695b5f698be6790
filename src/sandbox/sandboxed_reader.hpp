#pragma once

#include "content/reading.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

// The content checks' FileReader: each file is read by a fresh child process (the mailroom
// binary itself, run as `mailroom __read-file pdf|zip`) under CPU, memory and time limits,
// so that a PDF whose page tree loops or a zip bomb costs a check_failed finding, never the
// daemon.
//
// fork + exec rather than a bare fork: the daemon has a second thread (the IMAP fetch), and
// a forked child of a threaded process may only make async-signal-safe calls until it
// execs, while poppler allocates and takes locks. A fresh image also starts with its own
// address space under the memory limit, and nothing of the parent's (passwords, the open
// ledger) mapped in it. /proc/self/exe names the running binary even after a package
// upgrade replaced the file.
namespace mailroom::sandbox {

struct Limits {
  std::chrono::seconds cpu{10};
  std::chrono::seconds wall{30};      // a child blocked without using CPU is killed at this
  std::uint64_t memory = 1ull << 30;  // address space (RLIMIT_AS)
  std::size_t max_answer = 16u << 20; // bytes the parent reads back
};

class SandboxedReader : public content::FileReader {
public:
  // `executable` must accept `__read-file FORMAT` (cli::run does).
  explicit SandboxedReader(std::string executable = "/proc/self/exe", Limits limits = {})
      : m_executable(std::move(executable)), m_limits(limits) {}

  // Never throws: every way the child can fail (not started, killed at a limit, crashed,
  // a broken answer) is a reading with `failure` saying which, for the ledger.
  [[nodiscard]] content::FileReading read(content::FileFormat format,
                                          std::string_view bytes) const override;

private:
  std::string m_executable;
  Limits m_limits;
};

// The reader of this process's own binary with the default limits, for the fronts.
[[nodiscard]] const content::FileReader& default_reader();

// The child's side: reads the file from standard input, writes the encoded reading to
// standard output; exit 0 when it wrote one. `format` is "pdf" or "zip".
int child_main(std::string_view format);

} // namespace mailroom::sandbox
