#include "cli/state_recording.hpp"

#include "cli/output.hpp"

namespace mailroom::cli {

int record_into_state(const std::string& state_dir, const rules::Course&,
                      const std::vector<std::pair<mailbox::RawMail, pipeline::Decision>>&) {
  return print_problem({state_dir, "recording into a state folder is not built yet", ""});
}

} // namespace mailroom::cli
