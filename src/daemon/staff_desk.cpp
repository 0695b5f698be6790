#include "daemon/staff_desk.hpp"

#include "daemon/report_file.hpp"
#include "daemon/staff_reply.hpp"

namespace mailroom::daemon {

desk::LedgerDesk staff_desk(ledger::SqliteLedger& ledger, const rules::Course& course,
                            const setup::Settings& settings, const pipeline::ReplyPlan& plan) {
  return desk::LedgerDesk(
      ledger, course,
      [&ledger, &course,
       rules_dir = settings.rules_dir](core::Instant now) -> core::Result<std::string> {
        auto text = report_template(rules_dir);
        if (!text)
          return std::unexpected(text.error());
        return report_html(ledger, course, *text, now, now);
      },
      [&ledger, &course, &plan,
       state_dir = settings.state_dir](const pipeline::MailRow& mail, const judge::Target& target,
                                       const std::string& group, core::Instant now) {
        return staff_decision_reply(ledger, course, plan, state_dir, mail, target, group, now);
      });
}

} // namespace mailroom::daemon
