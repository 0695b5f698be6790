#include "network/stack.hpp"

namespace mailroom::network {

namespace {

core::Result<std::unique_ptr<mailbox::Mailbox>> open_imap(mailbox::ImapSettings settings) {
  auto made = mailbox::ImapMailbox::make(std::move(settings));
  if (!made)
    return std::unexpected(made.error());
  return std::unique_ptr<mailbox::Mailbox>(std::move(*made));
}

core::Result<mailbox::ImapMailbox::Folder> check_imap(mailbox::ImapSettings settings) {
  auto made = mailbox::ImapMailbox::make(std::move(settings));
  if (!made)
    return std::unexpected(made.error());
  auto folder = (*made)->open();
  if (!folder)
    return std::unexpected(folder.error().problem);
  return *folder;
}

core::Result<std::unique_ptr<outbox::Sender>> open_smtp(outbox::SmtpSettings settings) {
  auto made = outbox::SmtpSender::make(std::move(settings));
  if (!made)
    return std::unexpected(made.error());
  return std::unique_ptr<outbox::Sender>(std::move(*made));
}

core::Result<std::string> check_smtp(outbox::SmtpSettings settings) {
  auto made = outbox::SmtpSender::make(std::move(settings));
  if (!made)
    return std::unexpected(made.error());
  return (*made)->check_login();
}

constexpr Stack k_stack{MAILROOM_VERSION, open_imap, check_imap, open_smtp, check_smtp};

} // namespace

} // namespace mailroom::network

const mailroom::network::Stack* mailroom_network_stack() {
  return &mailroom::network::k_stack;
}
