#pragma once

// Where the servers of the CTest fixture `dovecot` are (tests/CMakeLists.txt starts them
// once for the whole run): Dovecot, the SMTP sink in front of it, and the client that
// sends and reads mail there as a person would. Only the integration tests, which get the
// MAILROOM_TEST_* definitions, include this.

#include "mailbox/imap_mailbox.hpp"
#include "support/process.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace mailroom::test {

// The environment variable `name`, or `fallback` when it is unset or empty.
inline std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// The fixture's Dovecot; every value can be overridden from the environment.
struct Dovecot {
  std::filesystem::path dir = env_or("MAILROOM_DOVECOT_DIR", MAILROOM_DOVECOT_DIR);
  int imap_port =
      std::stoi(env_or("MAILROOM_TEST_IMAP_PORT", std::to_string(MAILROOM_TEST_IMAP_PORT)));
  int imaps_port =
      std::stoi(env_or("MAILROOM_TEST_IMAPS_PORT", std::to_string(MAILROOM_TEST_IMAPS_PORT)));

  [[nodiscard]] std::filesystem::path ca_file() const { return dir / "certs" / "ca.crt"; }
  [[nodiscard]] std::string imaps_url(const std::string& folder) const {
    return fmt::format("imaps://127.0.0.1:{}/{}", imaps_port, folder);
  }
  [[nodiscard]] std::string imap_url(const std::string& folder) const {
    return fmt::format("imap://127.0.0.1:{}/{}", imap_port, folder);
  }
  // The staff account over IMAPS, trusting the test CA, with a short timeout.
  [[nodiscard]] mailbox::ImapSettings staff(const std::string& folder) const {
    mailbox::ImapSettings settings;
    settings.url = imaps_url(folder);
    settings.user = "staff";
    settings.password = "secret";
    settings.ca_file = ca_file();
    settings.timeout = std::chrono::milliseconds{5'000};
    return settings;
  }
};

// The fixture's SMTP server (tests/support/smtp_sink.py): it delivers into the fixture's
// Dovecot and keeps each message, with its envelope beside it, in DIR/spool.
struct SmtpSink {
  std::filesystem::path dir = env_or("MAILROOM_SMTP_DIR", MAILROOM_SMTP_DIR);
  int port = std::stoi(env_or("MAILROOM_TEST_SMTP_PORT", std::to_string(MAILROOM_TEST_SMTP_PORT)));
};

// The fixture's servers, as every test that uses them as they are sees them.
inline const Dovecot k_dovecot;
inline const SmtpSink k_sink;

// tests/support/mail_client.py `command` with `args`, on `port` of the fixture's servers as
// `user` (every test user's password is "secret"), trusting the test CA.
inline Ran mail_client(const std::string& command, int port, const std::string& user,
                       const std::string& args) {
  return run_shell(fmt::format(
      "/usr/bin/python3 '{}/tests/support/mail_client.py' {} --port {} --ca {} --user {} "
      "--password secret {}",
      MAILROOM_SOURCE_DIR, command, port, quoted(Dovecot{}.ca_file()), user, args));
}

// `what` made unique to this moment, for Message-IDs and file names on servers that every
// test and every earlier run share.
inline std::string unique(const std::string& what) {
  return fmt::format("{}-{}", what, std::chrono::system_clock::now().time_since_epoch().count());
}

} // namespace mailroom::test
