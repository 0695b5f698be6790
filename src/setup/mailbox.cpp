#include "setup/mailbox.hpp"

#include "mailbox/early_connection.hpp"
#include "mailbox/maildir_mailbox.hpp"
#include "setup/network.hpp"
#include "setup/secrets.hpp"

namespace mailroom::setup {

namespace {

// The IMAP settings of [mailbox], with the password read from the file or credential.
core::Result<mailbox::ImapSettings> imap_settings(const MailboxSettings& settings) {
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
  return imap;
}

} // namespace

std::shared_ptr<mailbox::EarlyConnection> begin_connection(const MailboxSettings& settings) {
  if (settings.url.starts_with("maildir:"))
    return nullptr;
  std::string error;
  const auto endpoint = imap::parse_url(settings.url, error);
  return endpoint ? mailbox::EarlyConnection::begin(*endpoint) : nullptr;
}

core::Result<std::unique_ptr<mailbox::Mailbox>>
open_mailbox(const MailboxSettings& settings, std::shared_ptr<mailbox::EarlyConnection> begun) {
  if (settings.url.starts_with("maildir:")) {
    auto maildir = std::make_unique<mailbox::MaildirMailbox>(settings.url.substr(8));
    if (auto opened = maildir->open(); !opened)
      return std::unexpected(opened.error());
    return maildir;
  }
  auto imap = imap_settings(settings);
  if (!imap)
    return std::unexpected(imap.error());
  imap->early = std::move(begun);
  auto stack = network();
  if (!stack)
    return std::unexpected(stack.error());
  return (*stack)->open_imap(std::move(*imap));
}

core::Result<mailbox::ImapMailbox::Folder> check_imap(const MailboxSettings& settings) {
  auto imap = imap_settings(settings);
  if (!imap)
    return std::unexpected(imap.error());
  imap->early = begin_connection(settings);
  auto stack = network();
  if (!stack)
    return std::unexpected(stack.error());
  return (*stack)->check_imap(std::move(*imap));
}

} // namespace mailroom::setup
