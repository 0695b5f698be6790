// The connection begun before the network module loads (mailbox/early_connection.hpp),
// against a listening socket of the test's own on 127.0.0.1.

#include "mailbox/early_connection.hpp"
#include "support/loopback_port.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mailroom::mailbox {
namespace {

using std::chrono::milliseconds;

using test::LoopbackPort;

imap::Endpoint loopback(std::uint16_t port) {
  imap::Endpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = port;
  return endpoint;
}

std::uint16_t peer_port(int socket) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (::getpeername(socket, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    return 0;
  return ntohs(address.sin_port);
}

TEST(EarlyConnection, ItsSocketIsHandedOverConnectedAndOnlyOnce) {
  const LoopbackPort listener{LoopbackPort::Mode::listening};
  auto early = EarlyConnection::begin(loopback(listener.port()));
  ASSERT_TRUE(early);
  ASSERT_TRUE(early->wait_until_connected(milliseconds{10'000}));
  const int socket = early->take_connected();
  ASSERT_GE(socket, 0);
  EXPECT_EQ(peer_port(socket), listener.port());
  EXPECT_EQ(early->take_connected(), -1);
  ::close(socket);
}

TEST(EarlyConnection, ARefusedConnectIsNotHandedOver) {
  // libcurl then connects itself and says what failed, as without an early connection.
  const LoopbackPort refusing{LoopbackPort::Mode::refusing};
  auto early = EarlyConnection::begin(loopback(refusing.port()));
  if (!early)
    return; // refused at once: nothing begun, which is as good
  EXPECT_FALSE(early->wait_until_connected(milliseconds{10'000}));
  EXPECT_EQ(early->take_connected(), -1);
}

TEST(EarlyConnection, NothingBeginsWhenTheEnvironmentNamesAProxy) {
  // libcurl would go through the proxy; a direct connection would be the wrong one.
  const LoopbackPort listener{LoopbackPort::Mode::listening};
  for (const char* name : {"all_proxy", "imaps_proxy"}) {
    ::setenv(name, "socks5://127.0.0.1:1080", 1);
    EXPECT_FALSE(EarlyConnection::begin(loopback(listener.port()))) << name;
    ::unsetenv(name);
  }
  EXPECT_TRUE(EarlyConnection::begin(loopback(listener.port())));
}

TEST(EarlyConnection, AHostWithoutAnAddressBeginsNothing) {
  imap::Endpoint endpoint = loopback(993);
  endpoint.host = "no-such-host.invalid";
  EXPECT_FALSE(EarlyConnection::begin(endpoint));
}

} // namespace
} // namespace mailroom::mailbox
