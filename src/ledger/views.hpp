#pragma once

#include "ledger/ledger.hpp"
#include "pipeline/ledger_view.hpp"

#include <vector>

namespace mailroom::ledger {

// The versions the ledger holds, for pipeline::ledger_status: every mail whose
// decision in force (a staff reclassification first, else the classifier's) names a
// deliverable and a group. Mails that are not submissions, need review or came from
// unknown senders are not versions of anything.
[[nodiscard]] std::vector<pipeline::Version> versions_of(const std::vector<MailRow>& mails,
                                                         const rules::Course& course);
[[nodiscard]] std::vector<pipeline::Extension> extensions_of(const std::vector<ExtensionRow>& rows);
[[nodiscard]] std::vector<pipeline::Excusal> excusals_of(const std::vector<ExcusalRow>& rows);

} // namespace mailroom::ledger
