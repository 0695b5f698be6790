#pragma once

#include "daemon/state_lock.hpp"
#include "setup/settings.hpp"

#include <memory>

namespace mailroom::daemon {

enum class RunMode { forever, once };

// `mailroom run`: opens the rules, the ledger and the mailbox named by `settings`, then
// polls. Each new mail is archived, judged and recorded exactly once, and marked
// processed in the mailbox only after the ledger committed it. SIGTERM/SIGINT finish
// the current mail and return 0; SIGHUP reloads rules, roster and assignments (a broken
// reload keeps the old ones and logs why). Under systemd it reports READY=1, STATUS=
// and WATCHDOG=1. Server failures back off exponentially (5 s to 5 min). Returns the
// exit code: 0, or 1 when it cannot start (or, with --once, when the poll failed).
//
// One run per state folder (StateLock): when another holds it, `when_busy` says whether
// to return k_exit_busy (75) at once or to wait until it ends. Claims on outbox rows left
// by a process that died are released before the first poll.
int run(const setup::Settings& settings, RunMode mode, WhenBusy when_busy = WhenBusy::exit);

} // namespace mailroom::daemon
