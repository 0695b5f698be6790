#pragma once

#include "desk/actions.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/staff_commands.hpp"
#include "rules/course.hpp"

#include <functional>
#include <string>

namespace mailroom::desk {

// Carries out staff commands by mail on one ledger, with the same actions as the command
// line (desk/actions.hpp, desk/records.hpp). Every command carried out is audited with the
// staff address, the command mail's Message-ID and its SHA-256: a change by its own audit
// row, a command that only reads (ledger, review, status, help) by a "mail-command" row,
// so that a replay is known either way.
class LedgerDesk final : public pipeline::StaffDesk {
public:
  // The term's HTML page as of an instant (daemon::report_html with the rules' template).
  using PageMaker = std::function<core::Result<std::string>(core::Instant now)>;

  // `ledger` and `course` must outlive the desk. `reply_for` makes the receipt or late
  // notice a `reclassify` owes the student (none without it).
  LedgerDesk(ledger::SqliteLedger& ledger, const rules::Course& course, PageMaker page,
             ReplyForDecision reply_for = {})
      : m_ledger(ledger), m_course(course), m_page(std::move(page)),
        m_reply_for(std::move(reply_for)) {}

  [[nodiscard]] core::Result<std::optional<pipeline::Id>>
  already_run(const pipeline::StaffCaller& caller) override;
  [[nodiscard]] core::Result<pipeline::StaffAnswer>
  run(const pipeline::StaffCommand& command, const pipeline::StaffCaller& caller) override;

private:
  [[nodiscard]] core::Result<pipeline::StaffAnswer> read_only(const pipeline::StaffCommand& command,
                                                              const pipeline::Actor& actor);

  ledger::SqliteLedger& m_ledger;
  const rules::Course& m_course;
  PageMaker m_page;
  ReplyForDecision m_reply_for;
};

// The group `name` means: itself when the roster has it, else without a leading "G"
// ("G3" -> "3"), as staff often write it in mail. Pure.
[[nodiscard]] std::string group_named(const rules::Course& course, const std::string& name);

// A settling command of the review queue ("mailroom dismiss 4 --reason \"...\"") as a
// command by mail ("dismiss 4 reason ..."). Pure.
[[nodiscard]] std::string as_mail_command(const std::string& command_line);

} // namespace mailroom::desk
