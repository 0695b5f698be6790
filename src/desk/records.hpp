#pragma once

#include "core/problem.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/records.hpp"
#include "rules/course.hpp"

#include <cstddef>
#include <string>
#include <vector>

// What the staff views (ledger, review, status; by command line or by mail) read from one
// ledger, and what they derive from it as of an instant.
namespace mailroom::desk {

// Everything the ledger holds that the staff views need, read at once.
struct StaffRecords {
  std::vector<pipeline::MailRow> mails;
  std::vector<pipeline::ExtensionRow> extensions;
  std::vector<pipeline::ExcusalRow> excusals;
  std::vector<pipeline::Id> dismissed;
  std::vector<pipeline::ReplyRow> replies;
};

[[nodiscard]] core::Result<StaffRecords> read_staff_records(ledger::SqliteLedger& ledger);

// Every deliverable instance's status as staff would have seen it at `now`: mails
// received after `now` do not exist yet.
[[nodiscard]] std::vector<judge::InstanceStatus>
statuses_as_of(const StaffRecords& records, const rules::Course& course, core::Instant now);

// Mail received today (course time) and this term, and replies by state.
struct MailCounts {
  std::size_t today = 0;
  std::size_t term = 0;
  std::size_t queued = 0;
  std::size_t failed = 0;
  std::size_t bounced = 0;
};
[[nodiscard]] core::Result<MailCounts>
count_mail_and_replies(const StaffRecords& records, const rules::Course& course, core::Instant now);

// The next `count` instances due after `now` that a group owes, soonest first.
[[nodiscard]] std::vector<judge::InstanceStatus> next_due(const StaffRecords& records,
                                                          const rules::Course& course,
                                                          core::Instant now, std::size_t count);

// `mailroom ledger --csv [--group G]` as it would print at `now`: RFC 4180, CRLF.
[[nodiscard]] std::string ledger_csv(const StaffRecords& records, const rules::Course& course,
                                     core::Instant now, const std::string& group);

} // namespace mailroom::desk
