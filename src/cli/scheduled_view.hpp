#pragma once

#include "ledger/sqlite_ledger.hpp"

#include <functional>
#include <string>

namespace mailroom::cli {

// `mailroom show --scheduled`: every digest and reminder queued so far, oldest first,
// with its outbox rows' states; JSON lines with `json`. `when` formats an instant for
// people. Returns the exit code.
int print_scheduled(ledger::SqliteLedger& ledger,
                    const std::function<std::string(core::Instant)>& when, bool json);

} // namespace mailroom::cli
