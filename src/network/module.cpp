#include "network/stack.hpp"

#include <systemd/sd-daemon.h>

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

int notify(const char* state) {
  return sd_notify(0, state);
}

int watchdog_enabled(std::uint64_t* usec) {
  return sd_watchdog_enabled(0, usec);
}

constexpr Stack k_stack{MAILROOM_VERSION, open_imap, check_imap,      open_smtp,
                        check_smtp,       notify,    watchdog_enabled};

} // namespace

} // namespace mailroom::network

const mailroom::network::Stack* mailroom_network_stack() {
  return &mailroom::network::k_stack;
}
