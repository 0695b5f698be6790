#include "daemon/staff_desk.hpp"

#include "daemon/report_file.hpp"

namespace mailroom::daemon {

desk::LedgerDesk staff_desk(ledger::SqliteLedger& ledger, const rules::Course& course,
                            const std::filesystem::path& rules_dir) {
  return desk::LedgerDesk(
      ledger, course,
      [&ledger, &course, rules_dir](core::Instant now) -> core::Result<std::string> {
        auto text = report_template(rules_dir);
        if (!text)
          return std::unexpected(text.error());
        return report_html(ledger, course, *text, now, now);
      });
}

} // namespace mailroom::daemon
