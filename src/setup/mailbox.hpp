#pragma once

#include "mailbox/early_connection.hpp"
#include "mailbox/imap_mailbox.hpp"
#include "mailbox/mailbox.hpp"
#include "setup/settings.hpp"

#include <memory>

namespace mailroom::setup {

// A connection to the IMAP server `settings` name, begun now and not waited for (no
// login), for open_mailbox() to take: the server greets while the caller does other work
// (mailbox/early_connection.hpp). Null for a Maildir, a url that does not parse (the IMAP
// adapter says what is wrong with it), or when the connect cannot even begin.
[[nodiscard]] std::shared_ptr<mailbox::EarlyConnection>
begin_connection(const MailboxSettings& settings);

// The mailbox `settings` name: a Maildir (opened and checked), or an IMAP folder with
// its password read from the file or credential (not logged in yet; the IMAP adapter
// comes from the network module), whose first connection is `begun` (begin_connection();
// null: libcurl connects as always). Problems: the password cannot be read, the network
// module does not load, the url or keyword is malformed, the Maildir is missing.
[[nodiscard]] core::Result<std::unique_ptr<mailbox::Mailbox>>
open_mailbox(const MailboxSettings& settings,
             std::shared_ptr<mailbox::EarlyConnection> begun = nullptr);

// The IMAP folder `settings` name (not a Maildir), logged in to and selected, as `mailroom
// check --config` shows it. Problems: open_mailbox()'s, the network module's (network()),
// and the login's or the SELECT's.
[[nodiscard]] core::Result<mailbox::ImapMailbox::Folder>
check_imap(const MailboxSettings& settings);

} // namespace mailroom::setup
