// The entry of mailroom-commands.so, the module that holds every command. The executable
// (main.cpp) answers `--version` and `--help` on its own and loads this module for any other
// command line, so that those two load the C++ runtime alone, not Poco, SQLite, mimetic and
// the rest (issue 21: at most 10 ms as a process).
#include "cli/cli.hpp"

extern "C" {

// The executable refuses a module of another version (a half-done upgrade).
const char* mailroom_commands_version() {
  return MAILROOM_VERSION;
}

int mailroom_commands_main(int argc, char** argv) {
  return mailroom::cli::run(argc, argv);
}
}
