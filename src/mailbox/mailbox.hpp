#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"

#include <functional>
#include <string>
#include <vector>

namespace mailroom::mailbox {

// One raw mail as a mailbox holds it.
struct RawMail {
  std::string source; // stable identity: "maildir:/abs/maildir/NAME" (no new/ or cur/, no flags) or
                      // "imap://host/INBOX;UIDVALIDITY=7;UID=42"
  std::string file;   // what people see: the Maildir file name, or the IMAP UID
  core::Instant received_at; // INTERNALDATE, or the Maildir file's modification time
  std::string raw;           // the RFC 5322 bytes
};

// A place mail arrives. Implementations: Maildir (here), IMAP over libcurl.
class Mailbox {
public:
  virtual ~Mailbox() = default;
  // Every mail not yet marked processed, oldest first. `visit` gets each one;
  // a Problem is a failure of the whole mailbox (a message-scoped one is reported
  // through `on_problem` and the walk goes on).
  virtual core::Result<std::size_t>
  for_each_new(const std::function<void(RawMail)>& visit,
               const std::function<void(core::Problem)>& on_problem) = 0;
};

} // namespace mailroom::mailbox
