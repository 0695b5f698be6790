#include "mailbox/early_connection.hpp"

#include <cerrno>
#include <cstdlib>
#include <netdb.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace mailroom::mailbox {

namespace {

// The variables libcurl reads for an imap:// or imaps:// proxy (curl's url.c).
bool proxy_in_environment() {
  for (const char* name :
       {"imap_proxy", "imaps_proxy", "IMAP_PROXY", "IMAPS_PROXY", "all_proxy", "ALL_PROXY"})
    if (const char* value = std::getenv(name); value && *value)
      return true;
  return false;
}

} // namespace

std::shared_ptr<EarlyConnection> EarlyConnection::begin(const imap::Endpoint& endpoint) {
  if (proxy_in_environment())
    return nullptr;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  // No AI_ADDRCONFIG: it asks the kernel over netlink, which the unit's
  // RestrictAddressFamilies= does not allow. An address the host cannot reach fails the
  // connect at once, and libcurl, which tries every address, connects instead.
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const auto port = std::to_string(endpoint.port);
  if (::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
    return nullptr;
  const int socket = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                              found->ai_protocol);
  const int connected = socket >= 0 ? ::connect(socket, found->ai_addr, found->ai_addrlen) : -1;
  const bool begun = connected == 0 || (socket >= 0 && errno == EINPROGRESS);
  ::freeaddrinfo(found);
  if (!begun) {
    if (socket >= 0)
      ::close(socket);
    return nullptr;
  }
  auto early = std::shared_ptr<EarlyConnection>(new EarlyConnection(socket));
  early->m_connected_at_once = connected == 0;
  return early;
}

EarlyConnection::~EarlyConnection() {
  if (m_socket >= 0)
    ::close(m_socket);
}

bool EarlyConnection::wait_until_connected(std::chrono::milliseconds bound) const {
  if (m_socket < 0 || m_connected_at_once)
    return false;
  pollfd entry{m_socket, POLLOUT, 0};
  int ready = 0;
  do
    ready = ::poll(&entry, 1, static_cast<int>(bound.count()));
  while (ready < 0 && errno == EINTR);
  // getpeername, not SO_ERROR, which reads once: a refusal read by one look would be
  // "no error" to the next.
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  return ready == 1 && (entry.revents & POLLOUT) && !(entry.revents & (POLLERR | POLLHUP)) &&
         ::getpeername(m_socket, reinterpret_cast<sockaddr*>(&peer), &length) == 0;
}

int EarlyConnection::take_connected() {
  const bool connected = wait_until_connected(std::chrono::milliseconds{0});
  const int socket = std::exchange(m_socket, -1);
  if (connected)
    return socket;
  if (socket >= 0)
    ::close(socket);
  return -1;
}

} // namespace mailroom::mailbox
