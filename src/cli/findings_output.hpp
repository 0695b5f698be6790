#pragma once

#include "cli/output.hpp"
#include "cli/staff_view.hpp"
#include "content/findings.hpp"
#include "pipeline/versions.hpp"
#include "rules/course.hpp"

#include <ostream>
#include <vector>

// The content checks' findings as inspect, show, review and replay print them.
namespace mailroom::cli {

// One object per finding: {"check": "max_pages", "outcome": "warning", "text": "..."}.
[[nodiscard]] std::vector<JsonObject>
findings_record(const std::vector<content::Finding>& findings);

// "  warnings:" then one "    - warning: ..." line each; nothing when there are none.
void print_findings(const std::vector<content::Finding>& findings, std::ostream& out,
                    std::string_view indent = "  ");

// What the content checks found in mail `mail_id`; none for a mail not in `records`.
[[nodiscard]] std::vector<content::Finding> findings_of(const StaffRecords& records,
                                                        pipeline::Id mail_id);

// review: the recorded submissions with findings that are not in `queue` (those print
// theirs under their own entry), newest decisions as recorded, one block each.
void print_content_warnings(const StaffRecords& records,
                            const std::vector<pipeline::ReviewItem>& queue,
                            const rules::Course& course);
// review --json: one record each, "reason": "content-check", "warnings": [...].
void print_content_warnings_json(const StaffRecords& records,
                                 const std::vector<pipeline::ReviewItem>& queue);

} // namespace mailroom::cli
