#pragma once

#include "mailbox/mailbox.hpp"
#include "setup/settings.hpp"

#include <chrono>
#include <expected>

namespace mailroom::daemon {

// How the daemon waits between polls on a mailbox that can announce new mail (IMAP
// IDLE, RFC 2177): in IDLE up to `[mailbox] idle_limit`, then a poll; the poll interval
// is the fallback when the server offers no IDLE, refuses it, or its connection keeps
// breaking. IDLE only says when to poll: what is new is still the poll's cursor's to
// decide, so a lost IDLE loses no mail.
class MailWait {
public:
  explicit MailWait(const setup::Settings& settings);

  // Whether the next wait should be an IDLE: asked for, and not given up on.
  [[nodiscard]] bool wanted() const { return m_wanted && !m_given_up; }
  // How long the next IDLE may last: the idle limit, or the poll interval while replies
  // wait in the outbox for a retry (they go out after a poll).
  [[nodiscard]] std::chrono::seconds limit(bool replies_waiting) const;

  // What to do after a wait ended with `waited`: poll at once (`sleep` 0), or sleep
  // `sleep` first (the poll interval when IDLE was given up, a backoff while its
  // connection breaks). Logs what changed.
  struct Next {
    std::chrono::seconds sleep{0};
  };
  [[nodiscard]] Next after(const std::expected<mailbox::Waited, mailbox::Failure>& waited);

  // A reload (SIGHUP): try IDLE again.
  void reset();

private:
  const setup::Settings& m_settings;
  bool m_wanted;
  bool m_given_up = false;
  int m_failures = 0; // IDLEs in a row whose connection broke
};

} // namespace mailroom::daemon
