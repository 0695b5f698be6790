#include "mailbox/imap_connection.hpp"

#include "mailbox/early_connection.hpp"
#include "util/text.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace mailroom::mailbox {

namespace {

// The least room in the reader's buffer worth a read straight into it (receive_now).
constexpr std::size_t k_least_direct_read = 16 * 1024;

// Every curl code this adapter can meet, as the Failure the daemon acts on (STYLE.md 5).
// `detail` is libcurl's error buffer (it names the certificate problem, the server's
// refusal text); it never holds the password.
Failure curl_failure(CURLcode code, std::string_view detail, const ImapSettings& settings,
                     const imap::Endpoint& endpoint) {
  const auto where = endpoint.display();
  const std::string reason = detail.empty() ? curl_easy_strerror(code) : std::string(detail);
  const auto failure = [&](std::string what, std::string fix, Scope scope, Retry retry) {
    return Failure{core::Problem{where, std::move(what), std::move(fix)}, scope, retry};
  };
  switch (code) {
  case CURLE_LOGIN_DENIED:
    return failure(
        fmt::format("{} refused the login of user '{}' ({})", endpoint.host, settings.user, reason),
        "check `user` in [mailbox] and the password in its password file (or the imap-password "
        "credential)",
        Scope::server, Retry::never);
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    return failure(
        fmt::format("the TLS certificate of {} is not trusted: {}", endpoint.host, reason),
        settings.ca_file.empty()
            ? "set `ca_file` in [mailbox] to the CA that signed the server's certificate"
            : fmt::format("check that {} holds the CA that signed the server's certificate",
                          settings.ca_file.string()),
        Scope::server, Retry::never);
  case CURLE_USE_SSL_FAILED:
    return failure(fmt::format("{} offers no STARTTLS, and mailroom sends no password in clear",
                               endpoint.host),
                   "use imaps://, or turn STARTTLS on at the server", Scope::server, Retry::never);
  case CURLE_SSL_CONNECT_ERROR:
    return failure(fmt::format("TLS handshake with {} failed: {}", endpoint.host, reason),
                   "check that the port speaks TLS (imaps://, usually 993) or STARTTLS "
                   "(imap://, usually 143)",
                   Scope::server, Retry::later);
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
    return failure(fmt::format("cannot use this url: {}", reason),
                   "write imaps://HOST[:PORT]/FOLDER or imap://HOST[:PORT]/FOLDER", Scope::server,
                   Retry::never);
  case CURLE_COULDNT_RESOLVE_HOST:
    return failure(fmt::format("cannot resolve {}: {}", endpoint.host, reason),
                   "check the host name in [mailbox] url, and DNS", Scope::server, Retry::later);
  case CURLE_COULDNT_CONNECT:
    return failure(
        fmt::format("cannot connect to {} port {}: {}", endpoint.host, endpoint.port, reason),
        "check that the server runs and the port is right; mailroom retries with backoff",
        Scope::server, Retry::later);
  case CURLE_OPERATION_TIMEDOUT:
    return failure(
        fmt::format("{} did not answer within {} ms", endpoint.host, settings.timeout.count()),
        "mailroom retries with backoff; raise the timeout if the server is slow", Scope::server,
        Retry::later);
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_WEIRD_SERVER_REPLY:
    return failure(fmt::format("connection to {} lost: {}", endpoint.host, reason),
                   "mailroom reconnects with backoff", Scope::server, Retry::later);
  default:
    return failure(fmt::format("IMAP with {} failed: {} (curl error {})", endpoint.host, reason,
                               static_cast<int>(code)),
                   "mailroom retries with backoff", Scope::server, Retry::later);
  }
}

enum class Direction { in, out };

// Waits until the socket is readable or writable; false on timeout or error.
bool wait_socket(curl_socket_t socket, Direction direction, std::chrono::milliseconds timeout) {
  pollfd entry{};
  entry.fd = socket;
  entry.events = direction == Direction::in ? POLLIN : POLLOUT;
  for (;;) {
    const int ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno == EINTR)
      continue; // a signal (SIGHUP reload) is no timeout; the budget restarts, which is fine
    return ready > 0;
  }
}

} // namespace

// The early connection's socket, handed to libcurl for the first connect it makes
// (CURLOPT_OPENSOCKETFUNCTION) and marked as connected (CURLOPT_SOCKOPTFUNCTION).
struct EarlySocket {
  curl_socket_t socket = CURL_SOCKET_BAD; // until libcurl takes it
  curl_socket_t handed = CURL_SOCKET_BAD;
  // Between the two callbacks for the handed socket: libcurl calls the second right after
  // the first, for the same socket. Not the fd number alone: one libcurl closed and opened
  // again (another address) may get the same number and is not connected.
  bool pending = false;
  bool used = false; // libcurl was told it is connected

  static curl_socket_t open(void* self, curlsocktype purpose, curl_sockaddr* address) {
    auto& early = *static_cast<EarlySocket*>(self);
    if (purpose == CURLSOCKTYPE_IPCXN && early.socket != CURL_SOCKET_BAD) {
      early.handed = std::exchange(early.socket, CURL_SOCKET_BAD);
      early.pending = true;
      return early.handed;
    }
    return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  }
  static int options(void* self, curl_socket_t socket, curlsocktype) {
    auto& early = *static_cast<EarlySocket*>(self);
    if (!std::exchange(early.pending, false) || socket != early.handed)
      return CURL_SOCKOPT_OK;
    early.used = true;
    return CURL_SOCKOPT_ALREADY_CONNECTED;
  }
  ~EarlySocket() {
    if (socket != CURL_SOCKET_BAD) // libcurl never asked for it
      ::close(socket);
  }
};

struct ImapConnection::Handle {
  CURL* curl = nullptr;
  curl_socket_t socket = CURL_SOCKET_BAD;
  EarlySocket early;
  std::array<char, CURL_ERROR_SIZE> error{};
  // Not zeroed: a poll that finds nothing reads a few hundred bytes, and zeroing all of
  // it would touch (fault in) 64 pages for nothing.
  std::unique_ptr<char[]> chunk = std::make_unique_for_overwrite<char[]>(imap::k_read_size);
  ~Handle() {
    if (curl)
      curl_easy_cleanup(curl);
  }
};

ImapConnection::ImapConnection(ImapSettings settings, imap::Endpoint endpoint)
    : m_settings(std::move(settings)), m_endpoint(std::move(endpoint)) {}

ImapConnection::~ImapConnection() = default;

bool ImapConnection::is_open() const {
  return m_handle != nullptr;
}

void ImapConnection::close() {
  // No LOGOUT: close() is also the path after a broken connection, and the server
  // handles a dropped session like a LOGOUT anyway.
  m_handle.reset();
  m_reader.clear();
  m_capabilities.clear();
}

std::expected<void, Failure> ImapConnection::open() {
  close();
  auto handle = std::make_unique<Handle>();
  handle->curl = curl_easy_init();
  if (!handle->curl)
    return std::unexpected(curl_failure(CURLE_FAILED_INIT, {}, m_settings, m_endpoint));
  CURL* curl = handle->curl;
  const auto url = m_endpoint.connect_url();
  const long timeout_ms = static_cast<long>(m_settings.timeout.count());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle->error.data());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  // Bounds greeting, STARTTLS, the handshake and the login together; afterwards every
  // send and read has its own wait bound (wait_socket).
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_USERNAME, m_settings.user.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, m_settings.password.c_str());
  // imap:// must not fall back to a plaintext login (shared/notes/mail-stack.md 1.4.5):
  // STARTTLS is required unless a loopback test allowed plaintext explicitly.
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   static_cast<long>(m_settings.plaintext == Plaintext::allow ? CURLUSESSL_TRY
                                                                              : CURLUSESSL_ALL));
  if (!m_settings.ca_file.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, m_settings.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  use_early_connection(*handle);
  if (const auto code = curl_easy_perform(curl); code != CURLE_OK)
    return std::unexpected(curl_failure(code, handle->error.data(), m_settings, m_endpoint));
  m_early_connections += handle->early.used ? 1 : 0;
  if (const auto code = curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &handle->socket);
      code != CURLE_OK || handle->socket == CURL_SOCKET_BAD)
    return std::unexpected(curl_failure(CURLE_GOT_NOTHING, {}, m_settings, m_endpoint));
  m_handle = std::move(handle);
  // The capabilities after login differ from the greeting's (RFC 3501 6.2.3), and
  // libcurl keeps them to itself: ask again.
  auto reply = command("CAPABILITY");
  if (!reply)
    return std::unexpected(reply.error());
  for (const auto& line : reply->untagged)
    for (auto& word : imap::capabilities(line))
      m_capabilities.push_back(std::move(word));
  return {};
}

void ImapConnection::use_early_connection(Handle& handle) {
  if (!m_settings.early)
    return;
  handle.early.socket = m_settings.early->take_connected();
  m_settings.early.reset();
  if (handle.early.socket == CURL_SOCKET_BAD)
    return;
  curl_easy_setopt(handle.curl, CURLOPT_OPENSOCKETFUNCTION, &EarlySocket::open);
  curl_easy_setopt(handle.curl, CURLOPT_OPENSOCKETDATA, &handle.early);
  curl_easy_setopt(handle.curl, CURLOPT_SOCKOPTFUNCTION, &EarlySocket::options);
  curl_easy_setopt(handle.curl, CURLOPT_SOCKOPTDATA, &handle.early);
}

bool ImapConnection::has_capability(std::string_view name) const {
  return std::ranges::find(m_capabilities, name) != m_capabilities.end();
}

Failure ImapConnection::lost(std::string what) {
  return dropped(Failure{
      core::Problem{m_endpoint.display(), std::move(what), "mailroom reconnects with backoff"},
      Scope::server, Retry::later});
}

Failure ImapConnection::dropped(Failure failure) {
  close();
  return failure;
}

std::expected<void, Failure> ImapConnection::send_all(std::string_view bytes) {
  if (!m_handle)
    return std::unexpected(lost(fmt::format("not connected to {}", m_endpoint.host)));
  while (!bytes.empty()) {
    std::size_t sent = 0;
    const auto code = curl_easy_send(m_handle->curl, bytes.data(), bytes.size(), &sent);
    if (code == CURLE_AGAIN) {
      if (!wait_socket(m_handle->socket, Direction::out, m_settings.timeout))
        return std::unexpected(
            dropped(curl_failure(CURLE_OPERATION_TIMEDOUT, {}, m_settings, m_endpoint)));
      continue;
    }
    if (code != CURLE_OK)
      return std::unexpected(
          dropped(curl_failure(code, m_handle->error.data(), m_settings, m_endpoint)));
    bytes.remove_prefix(sent);
  }
  return {};
}

std::expected<std::string, Failure> ImapConnection::read_response() {
  for (;;) {
    if (auto response = m_reader.next()) {
      ++m_responses_read;
      return std::move(*response);
    }
    if (!m_handle)
      return std::unexpected(lost(fmt::format("not connected to {}", m_endpoint.host)));
    if (const auto literal = m_reader.take_new_literal(); literal > 0) {
      m_pieces_of = nullptr; // a new literal, even where the last one was
      if (m_literal_gate)
        m_literal_gate(literal);
    }
    // Ask curl first, wait second: TLS may hold decrypted bytes the socket no longer shows.
    auto received = receive_now();
    if (!received)
      return std::unexpected(received.error());
    if (!*received && !wait_socket(m_handle->socket, Direction::in, m_settings.timeout))
      return std::unexpected(
          dropped(curl_failure(CURLE_OPERATION_TIMEDOUT, {}, m_settings, m_endpoint)));
  }
}

std::expected<Reply, Failure> ImapConnection::command(std::string_view command,
                                                      std::optional<std::string_view> literal) {
  return exchange(command, literal, nullptr);
}

std::expected<Reply, Failure> ImapConnection::command(std::string_view command,
                                                      const UntaggedHandler& on_untagged) {
  return exchange(command, std::nullopt, &on_untagged);
}

std::expected<Reply, Failure> ImapConnection::exchange(std::string_view command,
                                                       std::optional<std::string_view> literal,
                                                       const UntaggedHandler* on_untagged) {
  if (!m_handle)
    return std::unexpected(lost(fmt::format("not connected to {}", m_endpoint.host)));
  const auto tag = fmt::format("M{}", m_next_tag++);
  // LITERAL+ (RFC 7888) lets the bytes follow at once; otherwise wait for "+".
  const bool non_sync = literal && has_capability("LITERAL+");
  std::string line = fmt::format("{} {}", tag, command);
  if (literal)
    line += fmt::format(" {{{}{}}}", literal->size(), non_sync ? "+" : "");
  line += "\r\n";
  if (non_sync) {
    line.append(*literal);
    line += "\r\n";
  }
  if (auto sent = send_all(line); !sent)
    return std::unexpected(sent.error());
  bool literal_pending = literal && !non_sync;
  Reply reply;
  std::string bye;
  for (;;) {
    auto response = read_response();
    if (!response) {
      if (!bye.empty())
        response.error().problem.what += fmt::format(" (it said: {})", bye);
      return std::unexpected(response.error());
    }
    // Look only at the head: a FETCH response may carry megabytes after it.
    const auto head = std::string_view(*response).substr(0, 64);
    if (head.starts_with("+")) {
      if (!literal_pending)
        return std::unexpected(
            lost(fmt::format("{} sent an unexpected continuation request", m_endpoint.host)));
      literal_pending = false;
      std::string bytes(*literal);
      bytes += "\r\n";
      if (auto sent = send_all(bytes); !sent)
        return std::unexpected(sent.error());
      continue;
    }
    if (head.starts_with("* ")) {
      if (imap::idle_news(head) == imap::IdleNews::new_mail)
        ++m_new_mail_seen;
      if (head.starts_with("* BYE"))
        bye = response->substr(0, 200);
      const auto handled = on_untagged ? (*on_untagged)(*response) : Untagged::keep;
      if (handled == Untagged::abort) {
        auto failure = lost(fmt::format("gave up '{}' half-way", command.substr(0, 40)));
        failure.retry = Retry::now;
        return std::unexpected(failure);
      }
      if (handled == Untagged::keep)
        reply.untagged.push_back(std::move(*response));
      continue;
    }
    const auto status = imap::read_status(*response);
    if (status.tag != tag)
      return std::unexpected(lost(
          fmt::format("{} answered out of turn: {}", m_endpoint.host, response->substr(0, 200))));
    if (status.kind != "OK" && status.kind != "NO" && status.kind != "BAD")
      return std::unexpected(
          lost(fmt::format("{} sent a bad status: {}", m_endpoint.host, response->substr(0, 200))));
    reply.status = status.kind;
    reply.text = status.text;
    return reply;
  }
}

std::expected<ImapConnection::IdleEnd, Failure>
ImapConnection::idle(std::chrono::milliseconds up_to, int wake_fd,
                     std::chrono::milliseconds heartbeat,
                     const std::function<void()>& still_waiting) {
  if (!m_handle)
    return std::unexpected(lost(fmt::format("not connected to {}", m_endpoint.host)));
  const auto until = std::chrono::steady_clock::now() + up_to;
  const auto tag = fmt::format("M{}", m_next_tag++);
  if (auto sent = send_all(tag + " IDLE\r\n"); !sent)
    return std::unexpected(sent.error());
  std::optional<IdleEnd> end;
  // Untagged responses may come before the go-ahead; a tagged status instead is a refusal.
  for (;;) {
    auto response = read_response();
    if (!response)
      return std::unexpected(response.error());
    if (response->starts_with("+"))
      break;
    if (response->starts_with("* ")) {
      if (imap::idle_news(*response) == imap::IdleNews::new_mail) {
        ++m_new_mail_seen;
        end = IdleEnd::new_mail;
      }
      continue;
    }
    const auto status = imap::read_status(*response);
    if (status.tag != tag)
      return std::unexpected(lost(
          fmt::format("{} answered out of turn: {}", m_endpoint.host, response->substr(0, 200))));
    if (status.kind == "OK") // over before it began: nothing to wait for, poll
      return IdleEnd::new_mail;
    return std::unexpected(
        Failure{core::Problem{m_endpoint.display(),
                              fmt::format("{} refused IDLE: {} {}", m_endpoint.host, status.kind,
                                          status.text),
                              "mailroom polls every poll_interval instead; set idle = false in "
                              "[mailbox] to stop asking"},
                Scope::mailbox, Retry::never});
  }
  auto next_beat = std::chrono::steady_clock::now() + heartbeat;
  while (!end) {
    while (!end) {
      auto response = m_reader.next();
      if (!response)
        break;
      const auto news = imap::idle_news(*response);
      if (news == imap::IdleNews::bye)
        return std::unexpected(lost(fmt::format("{} ended the session while mailroom idled: {}",
                                                m_endpoint.host, response->substr(0, 200))));
      if (news == imap::IdleNews::new_mail) {
        ++m_new_mail_seen;
        end = IdleEnd::new_mail;
      } else if (!response->starts_with("* ")) {
        // A tagged status: the server ended the IDLE itself. Nothing is outstanding.
        if (imap::read_status(*response).tag != tag)
          return std::unexpected(lost(fmt::format("{} answered out of turn: {}", m_endpoint.host,
                                                  response->substr(0, 200))));
        return IdleEnd::new_mail;
      }
    }
    if (end)
      break;
    auto received = receive_now();
    if (!received)
      return std::unexpected(received.error());
    if (*received)
      continue;
    switch (wait_idle(until, wake_fd, heartbeat, next_beat, still_waiting)) {
    case Woke::socket:
      break;
    case Woke::wake_fd:
      end = IdleEnd::woken;
      break;
    case Woke::timed_out:
      end = IdleEnd::timed_out;
      break;
    }
  }
  if (auto finished = finish_idle(tag); !finished)
    return std::unexpected(finished.error());
  return *end;
}

std::expected<bool, Failure> ImapConnection::receive_now() {
  if (!m_handle)
    return std::unexpected(lost(fmt::format("not connected to {}", m_endpoint.host)));
  std::size_t received = 0;
  CURLcode code = CURLE_OK;
  // Within a literal reserved whole (a mail), the bytes go straight to where the response
  // is kept; elsewhere through the chunk, so that a short response never holds a buffer
  // grown for a read.
  const bool into_reader = m_reader.room() >= k_least_direct_read;
  if (into_reader)
    m_reader.feed_from(std::min(m_reader.room(), imap::k_read_size),
                       [&](char* into, std::size_t most) {
                         code = curl_easy_recv(m_handle->curl, into, most, &received);
                         return code == CURLE_OK ? received : 0;
                       });
  else
    code = curl_easy_recv(m_handle->curl, m_handle->chunk.get(), imap::k_read_size, &received);
  if (code == CURLE_AGAIN)
    return false;
  if (code != CURLE_OK)
    return std::unexpected(
        dropped(curl_failure(code, m_handle->error.data(), m_settings, m_endpoint)));
  if (received == 0)
    return std::unexpected(lost(fmt::format("{} closed the connection", m_endpoint.host)));
  if (!into_reader)
    m_reader.feed(std::string_view(m_handle->chunk.get(), received));
  give_literal_pieces();
  return true;
}

void ImapConnection::give_literal_pieces() {
  if (!m_literal_pieces)
    return;
  const auto literal = m_reader.literal_so_far();
  if (!literal)
    return;
  const char* begins = literal->bytes.data();
  if (begins != m_pieces_of) {
    m_pieces_of = begins;
    m_pieces_given = 0;
  }
  if (literal->bytes.size() <= m_pieces_given)
    return;
  m_literal_pieces(m_responses_read + 1, begins, literal->size, m_pieces_given,
                   literal->bytes.substr(m_pieces_given));
  m_pieces_given = literal->bytes.size();
}

ImapConnection::Woke ImapConnection::wait_idle(std::chrono::steady_clock::time_point until,
                                               int wake_fd, std::chrono::milliseconds heartbeat,
                                               std::chrono::steady_clock::time_point& next_beat,
                                               const std::function<void()>& still_waiting) const {
  using std::chrono::duration_cast, std::chrono::milliseconds;
  std::array<pollfd, 2> entries{};
  entries[0].fd = m_handle->socket;
  entries[0].events = POLLIN;
  entries[1].fd = wake_fd; // a negative fd is ignored by poll()
  entries[1].events = POLLIN;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_beat) {
      if (still_waiting)
        still_waiting();
      next_beat = now + heartbeat;
    }
    if (now >= until)
      return Woke::timed_out;
    // Rounded up, so a wait of 0.4 ms is no busy loop of zero-length polls.
    const auto span =
        duration_cast<milliseconds>(std::min(until, next_beat) - now) + milliseconds{1};
    const int ready = ::poll(entries.data(), entries.size(), static_cast<int>(span.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0)
      return Woke::socket; // let the read say what is wrong
    if (entries[1].revents != 0)
      return Woke::wake_fd;
    if (entries[0].revents != 0)
      return Woke::socket;
  }
}

std::expected<void, Failure> ImapConnection::finish_idle(const std::string& tag) {
  if (auto sent = send_all("DONE\r\n"); !sent)
    return std::unexpected(sent.error());
  for (;;) {
    auto response = read_response();
    if (!response)
      return std::unexpected(response.error());
    if (response->starts_with("* ")) {
      if (imap::idle_news(*response) == imap::IdleNews::new_mail)
        ++m_new_mail_seen;
      continue;
    }
    if (imap::read_status(*response).tag != tag)
      return std::unexpected(lost(
          fmt::format("{} answered out of turn: {}", m_endpoint.host, response->substr(0, 200))));
    return {};
  }
}

} // namespace mailroom::mailbox
