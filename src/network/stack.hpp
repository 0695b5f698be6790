#pragma once

#include "mailbox/imap_mailbox.hpp"
#include "outbox/smtp_sender.hpp"

#include <memory>
#include <string>
#include <string_view>

// The contract between the mailroom executable and its network module
// (mailroom-network.so): the IMAP and SMTP adapters, which need libcurl and, through it,
// some 30 shared libraries (TLS, Kerberos, LDAP, SSH, ...). Only the commands that talk to a
// server load the module (setup/network.hpp), so that every other command starts without
// them.
//
// The module is built from this tree with the executable. It exports mailroom_network_stack
// alone (network/module.map) and needs no symbol of the rest of mailroom: the fault and
// hold points it reaches are the host's, handed over as functions (Host), so that the
// commands module can be loaded RTLD_LOCAL and keep its libraries (Poco, SQLite, mimetic)
// out of the scope every one of libcurl's relocations is looked up in (issue 21: the
// module's load 0.9 ms shorter).
namespace mailroom::network {

// What the module calls in the program that loads it.
struct Host {
  void (*fault_point)(std::string_view name);
  void (*hold_point)(std::string_view name);
};

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
  // Called once, after the version check and before any other function: the fault and
  // hold points armed in the program (core/fault.hpp) are the ones the adapters reach.
  void (*use_host)(const Host& host);
};

} // namespace mailroom::network

// The module's one entry point, looked up by name after dlopen.
extern "C" const mailroom::network::Stack* mailroom_network_stack();
