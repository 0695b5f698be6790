#include "cli/cli.hpp"

#include <CLI/CLI.hpp>

namespace mailroom::cli {

int run(int argc, char** argv) {
  CLI::App app{"mailroom: a course's submission desk over email"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

} // namespace mailroom::cli
