#pragma once

#include "mailbox/imap_mailbox.hpp"
#include "outbox/smtp_sender.hpp"

#include <memory>
#include <string>

// The contract between the mailroom executable and its network module
// (mailroom-network.so): the IMAP and SMTP adapters, which need libcurl and, through it,
// some 30 shared libraries (TLS, Kerberos, LDAP, SSH, ...). Only the commands that talk to a
// server load the module (setup/network.hpp), so that every other command starts without
// them.
//
// The module is built from this tree with the executable. It exports mailroom_network_stack
// alone (network/module.map) and calls three functions of the rest of mailroom, the fault
// and hold points and the early connection's hand-over, which the commands module (or, in
// a sanitizer build, the executable) exports to it.
namespace mailroom::network {

struct Stack {
  // The executable refuses a module of another version.
  const char* version;
  // ImapMailbox::make: checks the url and keyword, does not connect.
  core::Result<std::unique_ptr<mailbox::Mailbox>> (*open_imap)(mailbox::ImapSettings settings);
  // ImapMailbox::make, then open(): logs in and selects the folder, as `mailroom check` does.
  core::Result<mailbox::ImapMailbox::Folder> (*check_imap)(mailbox::ImapSettings settings);
  // SmtpSender::make.
  core::Result<std::unique_ptr<outbox::Sender>> (*open_smtp)(outbox::SmtpSettings settings);
  // SmtpSender::make, then check_login(): "logged in as USER"; nothing is sent.
  core::Result<std::string> (*check_smtp)(outbox::SmtpSettings settings);
};

} // namespace mailroom::network

// The module's one entry point, looked up by name after dlopen.
extern "C" const mailroom::network::Stack* mailroom_network_stack();
