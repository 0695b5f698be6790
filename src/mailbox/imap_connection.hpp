#pragma once

#include "imap/protocol.hpp"
#include "mailbox/mailbox.hpp"

#include <chrono>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::mailbox {

class EarlyConnection;

// Whether an `imap://` connection may stay unencrypted when the server offers no
// STARTTLS. Only for tests on loopback; `imaps://` is always TLS.
enum class Plaintext { refuse, allow };

// How to reach and log in to an IMAP account. The password is held here and never
// printed by anything in this adapter.
struct ImapSettings {
  std::string url; // imaps://HOST[:PORT]/FOLDER or imap://... (STARTTLS)
  std::string user;
  std::string password;          // from setup::read_password(), never from the config file
  std::filesystem::path ca_file; // empty: the system's CA store
  Plaintext plaintext = Plaintext::refuse;
  std::chrono::milliseconds timeout{30'000}; // per network wait: connect, each send, each read
  std::string keyword = "$MailroomProcessed";
  std::string move_to; // empty: processed mail stays, marked; else it moves to this folder
  // A connection begun before (setup::begin_connection), while the caller loaded the
  // network module or read its rules: the first open() uses it when it is connected by
  // then; later ones connect afresh.
  std::shared_ptr<EarlyConnection> early;
};

// The server's answer to one tagged command: the untagged responses in order (literals
// inline, see imap::ResponseReader), then the tagged status.
struct Reply {
  std::vector<std::string> untagged;
  std::string status; // OK, NO or BAD
  std::string text;   // the tagged line after the status: "[READ-WRITE] Select completed."
  [[nodiscard]] bool ok() const { return status == "OK"; }
};

// One IMAP session. libcurl connects, does TLS (implicit, or STARTTLS which is then
// required), verifies the certificate and logs in (CURLOPT_CONNECT_ONLY); after that this
// class speaks IMAP itself over curl_easy_send/recv, because libcurl's own IMAP commands
// lose literals and set \Seen (shared/notes/mail-stack.md 0). Every wait is bounded by
// the settings' timeout. Not thread-safe.
class ImapConnection {
public:
  ImapConnection(ImapSettings settings, imap::Endpoint endpoint);
  ~ImapConnection();
  ImapConnection(const ImapConnection&) = delete;
  ImapConnection& operator=(const ImapConnection&) = delete;

  // Connects and logs in. Failures: a refused login or an untrusted certificate (server,
  // never), a server that cannot be reached or times out (server, later).
  [[nodiscard]] std::expected<void, Failure> open();
  [[nodiscard]] bool is_open() const;
  // Connections that began as the settings' early connection (0 or 1).
  [[nodiscard]] unsigned early_connections_used() const { return m_early_connections; }
  // Commands sent so far, on this connection and the ones before it.
  [[nodiscard]] unsigned commands_sent() const { return m_next_tag - 1; }
  // Drops the connection; the next open() starts afresh. Safe to call when closed.
  void close();

  // Sends `command` under a fresh tag and reads until its tagged status. A NO or BAD is a
  // Reply, not a Failure; a Failure is the connection's (timeout, reset, BYE, garbage), and
  // the connection is closed by then. With `literal`, `command` must end where the literal
  // goes: " {N}" is appended, and the bytes follow the server's "+" go-ahead.
  [[nodiscard]] std::expected<Reply, Failure>
  command(std::string_view command, std::optional<std::string_view> literal = std::nullopt);

  // What a streaming command's handler did with one untagged response: left it in the
  // Reply, took it (its memory may be moved from), or wants the command given up, which
  // closes the connection (the only way to stop a FETCH of many mails half-way).
  enum class Untagged { keep, taken, abort };
  using UntaggedHandler = std::function<Untagged(std::string& response)>;
  // Like command(), but each untagged response goes to `on_untagged` as soon as it is
  // complete, so a FETCH of a thousand mails never sits in memory at once. An abort is
  // a Failure (server scope, retry now) and the connection is closed by then.
  [[nodiscard]] std::expected<Reply, Failure> command(std::string_view command,
                                                      const UntaggedHandler& on_untagged);

  // How an IDLE ended: the server announced mail (EXISTS or RECENT, here or in a
  // response to an earlier command since the last select, see new_mail_seen()), `up_to`
  // passed, or `wake_fd` became readable (the daemon's signals).
  enum class IdleEnd { new_mail, timed_out, woken };
  // IDLE (RFC 2177) on the selected folder: waits with no command outstanding until one
  // of IdleEnd, then sends DONE and reads up to the tagged status. `still_waiting` is
  // called at least every `heartbeat` meanwhile (systemd's watchdog). Failures: the
  // server refuses IDLE (mailbox scope, Retry::never: do not ask this server again), or
  // the connection's, as for command() (it is closed by then).
  [[nodiscard]] std::expected<IdleEnd, Failure> idle(std::chrono::milliseconds up_to, int wake_fd,
                                                     std::chrono::milliseconds heartbeat,
                                                     const std::function<void()>& still_waiting);
  // How many untagged EXISTS or RECENT responses came on this connection so far (every
  // command's), so that mail announced after a poll's SELECT is not missed by the IDLE
  // that follows: the server says it once.
  [[nodiscard]] unsigned new_mail_seen() const { return m_new_mail_seen; }

  // Called with a literal's size when the server announces it, before its bytes are
  // read off the socket; it may wait (the fetching thread holds back a deck while the
  // poll's thread still records another). Empty: none.
  using LiteralGate = std::function<void(std::size_t size)>;
  void set_literal_gate(LiteralGate gate) { m_literal_gate = std::move(gate); }
  // Called with each piece of a literal as it is received, for a literal announced before
  // all of it had come (a mail arriving over many reads): the number the response that
  // holds it will have (responses_read() once it is read), where the literal begins in it,
  // its size, the piece's offset in it, and the piece. Pieces come in order from offset 0;
  // they start again from 0 should the literal move in memory.
  using LiteralPieces =
      std::function<void(std::uint64_t response, const char* begins, std::size_t size,
                         std::size_t offset, std::string_view piece)>;
  void set_literal_pieces(LiteralPieces pieces) { m_literal_pieces = std::move(pieces); }
  // How many responses were read on this connection; the one an UntaggedHandler is given
  // is the last of them. Never reused, as an address in memory can be.
  [[nodiscard]] std::uint64_t responses_read() const { return m_responses_read; }

  // The server's capabilities after login (upper case: "ESEARCH", "UIDPLUS", ...).
  [[nodiscard]] bool has_capability(std::string_view name) const;
  [[nodiscard]] const imap::Endpoint& endpoint() const { return m_endpoint; }
  [[nodiscard]] const ImapSettings& settings() const { return m_settings; }

private:
  struct Handle;
  // Gives libcurl the early connection's socket when it is connected (once).
  void use_early_connection(Handle& handle);
  [[nodiscard]] std::expected<void, Failure> send_all(std::string_view bytes);
  [[nodiscard]] std::expected<std::string, Failure> read_response();
  // Closes the connection and returns `failure`, the reason it was dropped.
  [[nodiscard]] Failure dropped(Failure failure);
  // Closes the connection: a Failure (server, later) saying `what` broke it.
  [[nodiscard]] Failure lost(std::string what);
  // Waits until the socket has bytes, `wake_fd` is readable or `until` passed; which.
  // `still_waiting` is called whenever `next_beat` passes, which then moves on by
  // `heartbeat` (kept by the caller: a server that talks often must not starve it).
  enum class Woke { socket, wake_fd, timed_out };
  [[nodiscard]] Woke wait_idle(std::chrono::steady_clock::time_point until, int wake_fd,
                               std::chrono::milliseconds heartbeat,
                               std::chrono::steady_clock::time_point& next_beat,
                               const std::function<void()>& still_waiting) const;
  // One read of what the server sent, without waiting: false when nothing was there. A
  // Failure when the server closed the connection or the read failed (closed by then).
  [[nodiscard]] std::expected<bool, Failure> receive_now();
  // Hands m_literal_pieces what arrived of the literal being read since it was last called.
  void give_literal_pieces();
  // After DONE: the untagged responses up to IDLE's tagged status `tag`.
  [[nodiscard]] std::expected<void, Failure> finish_idle(const std::string& tag);
  [[nodiscard]] std::expected<Reply, Failure> exchange(std::string_view command,
                                                       std::optional<std::string_view> literal,
                                                       const UntaggedHandler* on_untagged);

  ImapSettings m_settings;
  imap::Endpoint m_endpoint;
  std::unique_ptr<Handle> m_handle;
  imap::ResponseReader m_reader;
  std::vector<std::string> m_capabilities;
  unsigned m_next_tag = 1;
  unsigned m_early_connections = 0;
  unsigned m_new_mail_seen = 0;
  std::uint64_t m_responses_read = 0;
  LiteralGate m_literal_gate;
  LiteralPieces m_literal_pieces;
  const char* m_pieces_of = nullptr; // the literal m_literal_pieces was given pieces of
  std::size_t m_pieces_given = 0;    // and how many of its bytes
};

} // namespace mailroom::mailbox
