#pragma once

#include "judge/ledger_view.hpp"

#include <string>
#include <vector>

// The ledger as CSV, one writer for `mailroom ledger --csv`, the staff desk's `ledger`
// command and the digest's attachment, so the three never differ in a column.
namespace mailroom::report {

// The columns, and one instance's fields under them (`owed`: an instance of the rules,
// not a review row of its own, so it always has a due time).
[[nodiscard]] std::vector<std::string> ledger_csv_header();
[[nodiscard]] std::vector<std::string> ledger_csv_fields(const judge::InstanceStatus& row,
                                                         bool owed);

// The instances a group owes (only `group`'s when it is not empty) as RFC 4180 with CRLF.
// A lecture slot no group is assigned to owes nothing yet and is not a row.
[[nodiscard]] std::string ledger_csv(const std::vector<judge::InstanceStatus>& statuses,
                                     const std::string& group = {});

} // namespace mailroom::report
