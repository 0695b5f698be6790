#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "report/page.hpp"
#include "rules/course.hpp"

#include <filesystem>
#include <string>

namespace mailroom::daemon {

// The page's template: `rules_dir`/templates/report.mustache when the course has its
// own, else the one mailroom ships. A Problem names the file that cannot be read.
[[nodiscard]] core::Result<std::string> report_template(const std::filesystem::path& rules_dir);

// What the page is made of: every mail, the attachments of every version, extensions,
// excusals and the audit trail, with the statuses of judge::ledger_status as of
// `as_of` (the view `mailroom ledger` shows). `course` must outlive the result.
[[nodiscard]] core::Result<report::Term> read_term(ledger::SqliteLedger& ledger,
                                                   const rules::Course& course,
                                                   core::Instant made_at, core::Instant as_of);

// The term at a glance (report/page.hpp) from everything `ledger` holds, its statuses
// judged as of `as_of` with the same view as `mailroom ledger`, made at `made_at`.
// Problems: the ledger cannot be read, the template does not parse.
[[nodiscard]] core::Result<std::string> report_html(ledger::SqliteLedger& ledger,
                                                    const rules::Course& course,
                                                    const std::string& template_text,
                                                    core::Instant made_at, core::Instant as_of);

// report_html as of `now`, written with archive::write_durably to `path`.
[[nodiscard]] core::Result<void> write_report(ledger::SqliteLedger& ledger,
                                              const rules::Course& course,
                                              const std::filesystem::path& rules_dir,
                                              const std::filesystem::path& path, core::Instant now);

} // namespace mailroom::daemon
