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

core::Result<StaffRecords> read_staff_records(ledger::SqliteLedger& ledger) {
  StaffRecords records;
  auto mails = ledger.mails();
  if (!mails)
    return std::unexpected(mails.error());
  auto extensions = ledger.extensions();
  if (!extensions)
    return std::unexpected(extensions.error());
  auto excusals = ledger.excusals();
  if (!excusals)
    return std::unexpected(excusals.error());
  auto dismissed = ledger.dismissed();
  if (!dismissed)
    return std::unexpected(dismissed.error());
  auto replies = ledger.replies();
  if (!replies)
    return std::unexpected(replies.error());
  records.mails = std::move(*mails);
  records.extensions = std::move(*extensions);
  records.excusals = std::move(*excusals);
  records.dismissed = std::move(*dismissed);
  records.replies = std::move(*replies);
  return records;
}

std::vector<judge::InstanceStatus> statuses_as_of(const StaffRecords& records,
                                                  const rules::Course& course, core::Instant now) {
  std::vector<pipeline::MailRow> received;
  for (const auto& mail : records.mails)
    if (mail.received_at <= now)
      received.push_back(mail);
  return judge::ledger_status(
      deadline::instances(course), pipeline::versions_of(received, course, records.dismissed),
      pipeline::extensions_of(records.extensions), pipeline::excusals_of(records.excusals), now);
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
