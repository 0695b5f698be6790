// mailroom-read-file FORMAT: the content checks' reader, run by sandbox::SandboxedReader
// in a child process under limits. A program of its own so that poppler and libzip (and
// their two dozen libraries) load only where a file is read, not in every command.
#include "sandbox/child.hpp"

#include <string_view>

int main(int argc, char** argv) {
  if (argc != 2)
    return 2;
  return mailroom::sandbox::child_main(argv[1]);
}
