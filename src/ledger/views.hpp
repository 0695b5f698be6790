#pragma once

#include "ledger/ledger.hpp"
#include "pipeline/ledger_view.hpp"

#include <vector>

namespace mailroom::ledger {

// The versions the ledger holds, for pipeline::ledger_status: every mail whose
// decision in force (a staff reclassification first, else the classifier's) names a
// deliverable and a group, with its sender's trust from its signals. A needs-review mail
// that was judged all the same (held: an arrival mismatch, an unverified sender) is a held
// version; other needs-review mails, non-submissions and unknown senders are not versions
// of anything.
[[nodiscard]] std::vector<pipeline::Version> versions_of(const std::vector<MailRow>& mails,
                                                         const rules::Course& course);
[[nodiscard]] std::vector<pipeline::Extension> extensions_of(const std::vector<ExtensionRow>& rows);
[[nodiscard]] std::vector<pipeline::Excusal> excusals_of(const std::vector<ExcusalRow>& rows);

} // namespace mailroom::ledger
