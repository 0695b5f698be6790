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

// One message to one recipient: one SMTP transaction (docs/reliability-cases.md A7), or one file.
struct Envelope {
  std::string from;      // MAIL FROM
  std::string recipient; // RCPT TO: exactly one
  std::string name;      // a stable name for this row ("reply-17"), for a directory
};

// How many replies may leave through a sender (docs/reliability-cases.md A6 c, d). The relay counts
// the ledger's sent rows, so a restart resets nothing; a row over a limit stays queued.
// 0 holds every reply.
struct SendLimits {
  int per_recipient_per_day = 20; // to one address (Cc's included), in a rolling 24 h
  int per_hour = 200;             // to anyone, in a rolling hour: the circuit breaker
};

class Sender {
public:
  virtual ~Sender() = default;
  [[nodiscard]] virtual SendOutcome send(const Envelope& envelope, const std::string& message) = 0;
};

} // namespace mailroom::outbox
