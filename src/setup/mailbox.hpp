#pragma once

#include "mailbox/mailbox.hpp"
#include "setup/settings.hpp"

#include <memory>

namespace mailroom::setup {

// The mailbox `settings` name: a Maildir (opened and checked), or an IMAP folder with
// its password read from the file or credential (not connected yet). Problems: the
// password cannot be read, the url or keyword is malformed, the Maildir is missing.
[[nodiscard]] core::Result<std::unique_ptr<mailbox::Mailbox>>
open_mailbox(const MailboxSettings& settings);

} // namespace mailroom::setup
