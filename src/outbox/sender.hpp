#pragma once

#include <memory>
#include <string>

namespace mailroom::outbox {

enum class Delivery {
  sent,      // the server accepted it (250), or the file is in place
  permanent, // a 5xx: never retried; the reply is marked failed (reply-failed)
  temporary, // a 4xx, a network or TLS hiccup: retried with backoff
};

struct SendOutcome {
  Delivery delivery = Delivery::sent;
  std::string detail; // the server's reply or the error, for the ledger and the log
};

// One message to one recipient: one SMTP transaction (reliability.md A7), or one file.
struct Envelope {
  std::string from;      // MAIL FROM
  std::string recipient; // RCPT TO: exactly one
  std::string name;      // a stable name for this row ("reply-17"), for a directory
};

class Sender {
public:
  virtual ~Sender() = default;
  [[nodiscard]] virtual SendOutcome send(const Envelope& envelope, const std::string& message) = 0;
};

} // namespace mailroom::outbox
