#include "setup/mailbox.hpp"

#include "mailbox/imap_mailbox.hpp"
#include "mailbox/maildir_mailbox.hpp"
#include "setup/secrets.hpp"

namespace mailroom::setup {

core::Result<std::unique_ptr<mailbox::Mailbox>> open_mailbox(const MailboxSettings& settings) {
  if (settings.url.starts_with("maildir:")) {
    auto maildir = std::make_unique<mailbox::MaildirMailbox>(settings.url.substr(8));
    if (auto opened = maildir->open(); !opened)
      return std::unexpected(opened.error());
    return maildir;
  }
  auto password = read_password(settings.password_file, "imap-password");
  if (!password)
    return std::unexpected(password.error());
  mailbox::ImapSettings imap;
  imap.url = settings.url;
  imap.user = settings.user;
  imap.password = std::move(*password);
  imap.ca_file = settings.ca_file;
  imap.plaintext =
      settings.allow_plaintext ? mailbox::Plaintext::allow : mailbox::Plaintext::refuse;
  imap.timeout = settings.timeout;
  imap.keyword = settings.keyword;
  if (settings.processed == Processed::move)
    imap.move_to = settings.move_to;
  auto made = mailbox::ImapMailbox::make(std::move(imap));
  if (!made)
    return std::unexpected(made.error());
  return std::unique_ptr<mailbox::Mailbox>(std::move(*made));
}

} // namespace mailroom::setup
