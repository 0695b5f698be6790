#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace mailroom::cli {

int run_config_check(const std::string& config_file) {
  return print_problem(
      {config_file, "config files are not supported yet", "check a rules folder with --rules DIR"});
}

} // namespace mailroom::cli
