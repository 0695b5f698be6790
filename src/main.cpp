// mailroom's executable: answers `mailroom --version` and `mailroom --help` from what it was
// built with, and hands any other command line to the commands' module,
// mailroom-commands.so, found from the binary's own folder as the network module is.
// Those two then load no library but the C++ runtime: about 5 ms as a process, where
// loading the module's 19 libraries takes 13 ms before main() (issue 21). A sanitizer
// build links the commands in instead (MAILROOM_COMMANDS_LINKED; src/CMakeLists.txt says why).
#ifdef MAILROOM_COMMANDS_LINKED
#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return mailroom::cli::run(argc, argv);
}
#else
#include "installed/files.hpp"

#include <cstdio>
#include <cstring>
#include <dlfcn.h>

#ifdef MAILROOM_BAKED_HELP
#include "help.inc" // k_help: what the module prints for `mailroom --help`, taken at build time
#endif

namespace {

using Entry = int (*)(int, char**);
using Version = const char* (*)();

constexpr const char* k_reinstall =
    "reinstall the mailroom package (the module comes with the binary)";

Entry load_commands() {
  const auto path = mailroom::installed::beside_binary("mailroom-commands.so");
  // RTLD_LOCAL: neither the network module, which a command loads later, nor the libraries
  // it brings bind to anything of this one (network/stack.hpp), and its own libraries stay
  // out of the scope their symbols are looked up in: libcurl's some 9,000 lookups at load
  // would each pass Poco's, SQLite's and mimetic's tables first (0.9 ms).
  void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!module) {
    std::fprintf(stderr, "mailroom: %s: cannot load the commands module: %s; %s\n", path.c_str(),
                 ::dlerror(), k_reinstall);
    return nullptr;
  }
  const auto version = reinterpret_cast<Version>(::dlsym(module, "mailroom_commands_version"));
  const auto entry = reinterpret_cast<Entry>(::dlsym(module, "mailroom_commands_main"));
  if (!version || !entry) {
    std::fprintf(stderr, "mailroom: %s: not mailroom's commands module; %s\n", path.c_str(),
                 k_reinstall);
    return nullptr;
  }
  if (std::strcmp(version(), MAILROOM_VERSION) != 0) {
    std::fprintf(stderr,
                 "mailroom: %s: the commands module is of mailroom %s, this binary of %s; %s\n",
                 path.c_str(), version(), MAILROOM_VERSION, k_reinstall);
    return nullptr;
  }
  return entry;
}

bool only_argument(int argc, char** argv, const char* word) {
  return argc == 2 && std::strcmp(argv[1], word) == 0;
}

} // namespace

int main(int argc, char** argv) {
  // As CLI11's version flag prints it in the module (the app's set_version_flag).
  if (only_argument(argc, argv, "--version"))
    return std::fputs("mailroom " MAILROOM_VERSION "\n", stdout) < 0 ? 1 : 0;
#ifdef MAILROOM_BAKED_HELP
  if (only_argument(argc, argv, "--help"))
    return std::fputs(k_help, stdout) < 0 ? 1 : 0;
#endif
  const Entry entry = load_commands();
  // The module ends the process itself once the command is done (commands_module.cpp).
  return entry ? entry(argc, argv) : 1;
}
#endif
