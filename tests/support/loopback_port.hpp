#pragma once

// A TCP socket on a free port of 127.0.0.1, closed with the object. Listening, the kernel
// completes every connect to it (nobody need accept); refusing (bound, not listening),
// every connect to it is refused. Either way no other test takes the port meanwhile.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cstdint>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mailroom::test {

class LoopbackPort {
public:
  enum class Mode { listening, refusing };

  explicit LoopbackPort(Mode mode) {
    m_socket = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(m_socket, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    if (mode == Mode::listening) {
      EXPECT_EQ(::listen(m_socket, 4), 0);
    }
    socklen_t length = sizeof address;
    ::getsockname(m_socket, reinterpret_cast<sockaddr*>(&address), &length);
    m_port = ntohs(address.sin_port);
  }
  ~LoopbackPort() { ::close(m_socket); }
  LoopbackPort(const LoopbackPort&) = delete;
  LoopbackPort& operator=(const LoopbackPort&) = delete;

  [[nodiscard]] std::uint16_t port() const { return m_port; }
  // A refusing port starts listening: connects complete from now on, and nobody greets.
  void listen() { EXPECT_EQ(::listen(m_socket, 4), 0); }

private:
  int m_socket = -1;
  std::uint16_t m_port = 0;
};

} // namespace mailroom::test
