#pragma once

#include "mailbox/imap_mailbox.hpp"
#include "mailbox/mailbox.hpp"
#include "setup/settings.hpp"

#include <memory>

namespace mailroom::setup {

// The mailbox `settings` name: a Maildir (opened and checked), or an IMAP folder with
// its password read from the file or credential (not connected yet; the IMAP adapter
// comes from the network module). Problems: the password cannot be read, the network module
// does not load, the url or keyword is malformed, the Maildir is missing.
[[nodiscard]] core::Result<std::unique_ptr<mailbox::Mailbox>>
open_mailbox(const MailboxSettings& settings);

// The IMAP folder `settings` name (not a Maildir), logged in to and selected, as `mailroom
// check --config` shows it. Problems: open_mailbox()'s, the network module's (network()),
// and the login's or the SELECT's.
[[nodiscard]] core::Result<mailbox::ImapMailbox::Folder>
check_imap(const MailboxSettings& settings);

} // namespace mailroom::setup
