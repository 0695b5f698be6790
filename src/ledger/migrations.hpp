#pragma once

#include <string>
#include <vector>

namespace mailroom::ledger {

// Migration N (1-based) brings user_version from N-1 to N. Each is a list of single
// SQL statements run in one transaction. Never edit a released migration: add one.
[[nodiscard]] const std::vector<std::vector<std::string>>& migrations();

} // namespace mailroom::ledger
