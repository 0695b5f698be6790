#include "cli/staff_view.hpp"

#include <algorithm>
#include <cctype>

namespace mailroom::cli {

std::string shell_quoted(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("/._-+:@=,").find(c) != std::string_view::npos;
  });
  if (plain)
    return text;
  std::string quoted = "'";
  for (char c : text)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string Location::args() const {
  if (!config.empty())
    return " --config " + shell_quoted(config);
  std::string out;
  if (!state_dir.empty())
    out += " --state " + shell_quoted(state_dir);
  if (!rules_dir.empty())
    out += " --rules " + shell_quoted(rules_dir);
  return out;
}

std::vector<pipeline::ReviewItem>
review_queue_at(const StaffRecords& records, const rules::Course& course, const Location& where) {
  auto queue = pipeline::review_queue(records.mails, records.replies, records.dismissed, course);
  const std::string args = where.args();
  for (auto& item : queue)
    for (auto& command : item.settle)
      if (command.find("mailroom ") != std::string::npos)
        command += args;
  return queue;
}

} // namespace mailroom::cli
