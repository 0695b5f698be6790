#include "core/fault.hpp"
#include "network/stack.hpp"

namespace mailroom::network {

namespace {

// Set once by use_host, before the program calls anything else of the module.
Host g_host{};

void use_host(const Host& host) {
  g_host = host;
}

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

constexpr Stack k_stack{MAILROOM_VERSION, open_imap, check_imap, open_smtp, check_smtp, use_host};

} // namespace

} // namespace mailroom::network

// The adapters' fault and hold points are the host's: one armed state, so a point armed
// in main() is the one the IMAP adapter reaches (the crash matrix).
namespace mailroom::core {

void fault_point(std::string_view name) {
  if (network::g_host.fault_point)
    network::g_host.fault_point(name);
}

void hold_point(std::string_view name) {
  if (network::g_host.hold_point)
    network::g_host.hold_point(name);
}

} // namespace mailroom::core

const mailroom::network::Stack* mailroom_network_stack() {
  return &mailroom::network::k_stack;
}
