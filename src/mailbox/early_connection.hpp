#pragma once

#include "imap/protocol.hpp"

#include <chrono>
#include <memory>

namespace mailroom::mailbox {

// A TCP connection to the IMAP server begun before libcurl is at hand, so that the server's
// greeting is on its way while the caller loads the network module (libcurl and its thirty
// libraries) or reads its rules and ledger: on loopback Dovecot greets about 5 ms after the
// connect, as long as that work takes (`run --once`, README, Benchmarks).
// libcurl is handed the socket only if it is connected by the time libcurl wants it;
// otherwise it is closed and libcurl connects as always, with its own errors and timeout,
// so an early connection never adds a wait or changes what a failure says.
class EarlyConnection {
public:
  // A connect to the first address of the endpoint's host, begun without waiting. Null
  // when it could not even begin (no address, no socket) or when the environment names a
  // proxy for IMAP, which libcurl would use instead of a direct connection.
  [[nodiscard]] static std::shared_ptr<EarlyConnection> begin(const imap::Endpoint& endpoint);

  ~EarlyConnection();
  EarlyConnection(const EarlyConnection&) = delete;
  EarlyConnection& operator=(const EarlyConnection&) = delete;

  // The socket, when its connect has completed, for the caller to own; else -1, the
  // socket closed. Once: later calls return -1.
  [[nodiscard]] int take_connected();

  // Waits up to `bound` for the connect to complete or fail; whether it completed. For a
  // caller that would rather wait than connect twice (the tests: a loopback connect is
  // quick, but not guaranteed done when take_connected() looks).
  [[nodiscard]] bool wait_until_connected(std::chrono::milliseconds bound) const;

private:
  explicit EarlyConnection(int socket) : m_socket(socket) {}
  int m_socket = -1;
  // libcurl 7.88 (bookworm) calls connect() on a socket it was told is connected (curl
  // issue 10626). Linux answers 0 for a non-blocking connect that completed, but EISCONN
  // for one that connected at once, which libcurl takes as a failure: that one is never
  // handed over.
  bool m_connected_at_once = false;
};

} // namespace mailroom::mailbox
