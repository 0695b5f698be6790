#pragma once

#include "core/problem.hpp"
#include "outbox/sender.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace mailroom::outbox {

struct SmtpSettings {
  std::string url; // smtps://HOST[:PORT] or smtp://HOST[:PORT] (STARTTLS required)
  std::string user;
  std::string password;          // from read_password(file, "smtp-password")
  std::string password_origin;   // the file or credential it came from, for a refused login
  std::filesystem::path ca_file; // empty: the system's CA store
  bool allow_plaintext = false;  // STARTTLS tried, not required (loopback servers only)
  std::chrono::seconds timeout{30};
  std::string helo = "localhost"; // the EHLO name (libcurl takes it from the URL path)
};

// SMTP over libcurl: TLS (smtps:// or STARTTLS, CURLUSESSL_ALL), the certificate and
// host name verified, AUTH when a user is set, one transaction per recipient. A 5xx
// is permanent; a 4xx, a refused login, TLS and network errors are temporary, and so
// is a connection closed after the message's `.` before the server's reply: that
// message may have arrived, so the retry delivers at least once (docs/reliability-cases.md E6).
class SmtpSender final : public Sender {
public:
  [[nodiscard]] static core::Result<std::unique_ptr<SmtpSender>> make(SmtpSettings settings);
  ~SmtpSender() override;
  [[nodiscard]] SendOutcome send(const Envelope& envelope, const std::string& message) override;

  // Connects, does TLS and AUTH as send() does, then QUIT; nothing is sent. Returns
  // "logged in as USER", or a Problem whose fix names the cause: a refused login (the
  // password), an untrusted certificate, an unreachable host, no STARTTLS, no AUTH.
  // On a new connection of its own each time.
  [[nodiscard]] core::Result<std::string> check_login() const;

private:
  explicit SmtpSender(SmtpSettings settings);
  SmtpSettings m_settings;
  void* m_curl = nullptr;
};

} // namespace mailroom::outbox
