#pragma once

#include "judge/ledger_view.hpp"
#include "pipeline/records.hpp"

#include <vector>

namespace mailroom::pipeline {

// The versions the recorded mails hold, for judge::ledger_status: every mail whose
// decision in force (a staff reclassification first, else the classifier's) names a
// deliverable and a group, with its sender's trust from its signals. A needs-review mail
// that was judged all the same (held: an arrival mismatch, an unverified sender) is a held
// version; other needs-review mails, non-submissions and unknown senders are not versions
// of anything.
[[nodiscard]] std::vector<judge::Version> versions_of(const std::vector<MailRow>& mails,
                                                      const rules::Course& course);
[[nodiscard]] std::vector<judge::Extension> extensions_of(const std::vector<ExtensionRow>& rows);
[[nodiscard]] std::vector<judge::Excusal> excusals_of(const std::vector<ExcusalRow>& rows);

} // namespace mailroom::pipeline
