#pragma once

namespace mailroom::cli {

// The `mailroom` command line: parses argv, runs one subcommand, returns the exit code.
int run(int argc, char** argv);

} // namespace mailroom::cli
