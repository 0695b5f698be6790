#include "desk/records.hpp"

#include "deadline/deadline.hpp"
#include "pipeline/versions.hpp"
#include "report/ledger_csv.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <set>

namespace mailroom::desk {

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

core::Result<MailCounts> count_mail_and_replies(const StaffRecords& records,
                                                const rules::Course& course, core::Instant now) {
  const auto today =
      judge::parse_iso_date(deadline::format_local_iso(now, course.zone).substr(0, 10));
  auto midnight = deadline::local_instant(course, *today, std::chrono::seconds{0});
  if (!midnight)
    return std::unexpected(midnight.error());
  MailCounts counts;
  for (const auto& mail : records.mails) {
    if (mail.received_at > now)
      continue;
    ++counts.term;
    if (mail.received_at >= *midnight)
      ++counts.today;
  }
  // One row per recipient; a reply counts once, in its mail's and kind's row.
  std::set<std::pair<pipeline::Id, std::string>> queued, failed, bounced;
  for (const auto& reply : records.replies) {
    const auto key = std::pair{reply.mail_id, reply.message_id};
    if (reply.state == "queued")
      queued.insert(key);
    else if (reply.state == "failed")
      failed.insert(key);
    else if (reply.state == "bounced")
      bounced.insert(key);
  }
  counts.queued = queued.size();
  counts.failed = failed.size();
  counts.bounced = bounced.size();
  return counts;
}

std::vector<judge::InstanceStatus> next_due(const StaffRecords& records,
                                            const rules::Course& course, core::Instant now,
                                            std::size_t count) {
  std::vector<judge::InstanceStatus> next;
  for (const auto& row : statuses_as_of(records, course, now))
    if (row.instance.group && row.effective_due > now)
      next.push_back(row);
  std::ranges::stable_sort(next, {}, &judge::InstanceStatus::effective_due);
  if (next.size() > count)
    next.resize(count);
  return next;
}

std::string ledger_csv(const StaffRecords& records, const rules::Course& course, core::Instant now,
                       const std::string& group) {
  return report::ledger_csv(statuses_as_of(records, course, now), group);
}

} // namespace mailroom::desk
