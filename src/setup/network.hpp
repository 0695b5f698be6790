#pragma once

#include "network/stack.hpp"
#include "setup/settings.hpp"

namespace mailroom::setup {

// The network module (network/stack.hpp), loaded on the first call and kept for the
// life of the process, from where this binary's package put it (installed::beside_binary).
// Problems: the module is missing, does not load (dlerror()'s words), or is of another
// version. Thread-safe.
[[nodiscard]] core::Result<const network::Stack*> network();

// Whether a daemon with `settings` talks to a server, and so loads the network module: an
// IMAP mailbox or an SMTP outbox (a Maildir and an outbox folder need none).
[[nodiscard]] bool needs_network(const Settings& settings);

} // namespace mailroom::setup
