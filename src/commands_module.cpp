// The entry of mailroom-commands.so, the module that holds every command. The executable
// (main.cpp) answers `--version` and `--help` on its own and loads this module for any other
// command line, so that those two load the C++ runtime alone, not Poco, SQLite, mimetic and
// the rest (issue 21: at most 10 ms as a process).
#include "cli/cli.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace {

// A command returns when its work is done: the ledger committed and closed, the state
// files renamed into place, its threads joined. What exit() would run after that is the
// clean-up of the 60 libraries loaded (OpenSSL's tables, Poco's and libcurl's statics),
// which nobody sees and which took 0.6 ms of every command (a no-op `run --once`, README,
// Benchmarks). So the log and the standard streams are flushed, and the process ends.
// A sanitizer build links the commands into the executable and exits as usual, so that
// its leak check still runs.
[[noreturn]] void finish(int exit_code) {
  spdlog::shutdown();
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(exit_code);
}

} // namespace

extern "C" {

// The executable refuses a module of another version (a half-done upgrade).
const char* mailroom_commands_version() {
  return MAILROOM_VERSION;
}

int mailroom_commands_main(int argc, char** argv) {
  finish(mailroom::cli::run(argc, argv));
}
}
