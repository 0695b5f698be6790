#pragma once

// IMAP4rev1 (RFC 3501) as text: splitting a byte stream into responses, reading their
// tokens, and the few response shapes mailroom needs. Pure: no sockets, no clock, no files,
// so every server quirk can be pinned by a test.

#include "core/instant.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailroom::imap {

// Where an IMAP mailbox is: `imaps://HOST[:PORT]/FOLDER` (TLS from the first byte) or
// `imap://HOST[:PORT]/FOLDER` (STARTTLS). FOLDER is percent-decoded; INBOX when absent.
struct Endpoint {
  enum class Tls { implicit, starttls };
  Tls tls = Tls::implicit;
  std::string host; // without brackets for an IPv6 literal
  std::uint16_t port = 993;
  std::string folder = "INBOX";

  // "imaps://host:port/" — what libcurl connects to (no folder: we select it ourselves).
  [[nodiscard]] std::string connect_url() const;
  // "imaps://host:port/FOLDER" — how errors name the place; never carries credentials.
  [[nodiscard]] std::string display() const;
};

// Reads a `[mailbox] url`; nullopt with `error` set ("unknown scheme 'pop3'", ...) otherwise.
[[nodiscard]] std::optional<Endpoint> parse_url(std::string_view url, std::string& error);

// Splits the bytes a server sends into responses. A response is one line plus any
// `{N}` literals it announces (whose N bytes may hold CRLFs and look like anything,
// including a tagged "A4 OK"). Scanning resumes where it stopped, so a 20 MB literal
// arriving in 16 KB pieces is scanned once.
// The most bytes one read from the server hands to ResponseReader::feed.
inline constexpr std::size_t k_read_size = 256 * 1024;

class ResponseReader {
public:
  void feed(std::string_view bytes) { m_buffer.append(bytes); }
  // Room left in the buffer without growing it: the rest of a literal, which next()
  // reserves whole once it is announced.
  [[nodiscard]] std::size_t room() const { return m_buffer.capacity() - m_buffer.size(); }
  // Appends what `read(into, most)` writes straight into the buffer's room, and returns
  // how many bytes that was (0 for none), so that a deck arriving from the server is
  // copied once, not through a second buffer; `most` is at most room(). `read` must not
  // throw.
  template <typename Read> std::size_t feed_from(std::size_t most, Read&& read) {
    const std::size_t had = m_buffer.size();
    std::size_t got = 0;
    m_buffer.resize_and_overwrite(had + most, [&](char* bytes, std::size_t) {
      got = read(bytes + had, most);
      return had + got;
    });
    return got;
  }
  // The next complete response without its final CRLF; nullopt until one is complete.
  [[nodiscard]] std::optional<std::string> next();
  [[nodiscard]] std::size_t buffered() const { return m_buffer.size(); }
  // The size of a literal next() found begun but not yet complete, once per literal (0
  // after that, and when there is none): the moment to decide whether to read it now.
  [[nodiscard]] std::size_t take_new_literal() { return std::exchange(m_new_literal, 0); }
  // The bytes so far of the last literal next() found begun but not complete, while the
  // response that holds it is still being read, and that literal's whole size.
  struct LiteralSoFar {
    std::string_view bytes;
    std::size_t size = 0;
  };
  [[nodiscard]] std::optional<LiteralSoFar> literal_so_far() const;
  void clear();

private:
  std::string m_buffer;
  std::size_t m_scan = 0; // first byte not yet known to belong to the current response
  std::size_t m_literal_at = std::string::npos; // where the literal being read was announced
  std::size_t m_literal_size = 0;               // and its size
  std::size_t m_new_literal = 0;
};

// One token of a response. `text` views the response it came from: an atom (`FETCH`,
// `BODY[]`, `\Seen`, `17`), a quoted string's inside (escapes kept: see unquote), or a
// literal's bytes.
struct Token {
  enum class Kind { atom, quoted, literal, open, close, end };
  Kind kind = Kind::end;
  std::string_view text;
};

// Reads tokens left to right. An atom that opens `[` runs to the matching `]`, so
// `BODY[HEADER.FIELDS (SUBJECT)]` is one token. NIL is an atom.
class Tokenizer {
public:
  explicit Tokenizer(std::string_view response) : m_text(response) {}
  Token next();
  // Skips one value: a token, or a whole parenthesised list.
  void skip_value();
  [[nodiscard]] std::size_t position() const { return m_pos; }

private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

// The inside of a quoted string with its `\"` and `\\` escapes undone.
[[nodiscard]] std::string unquote(std::string_view quoted_inside);

// `text` as an IMAP quoted string ("INBOX", "Course \"A\""); nullopt when it holds a CR,
// LF, NUL or 8-bit byte (which need a literal or modified UTF-7).
[[nodiscard]] std::optional<std::string> quote(std::string_view text);

// The status of a tagged or untagged status response: `A7 NO [NONEXISTENT] Mailbox
// doesn't exist.` -> {tag "A7", kind "NO", text "[NONEXISTENT] Mailbox doesn't exist."}.
struct Status {
  std::string tag;  // "*" for untagged, "+" for a continuation request
  std::string kind; // OK NO BAD BYE PREAUTH, or the untagged keyword (FETCH, SEARCH, ...)
  std::string text; // the rest of the line
};
[[nodiscard]] Status read_status(std::string_view response);

// A response code's number: `* OK [UIDVALIDITY 3857529045] UIDs valid` -> 3857529045.
[[nodiscard]] std::optional<std::uint32_t> code_number(std::string_view response,
                                                       std::string_view code);
// A response code's parenthesised list: `[PERMANENTFLAGS (\Seen $X \*)]` -> {\Seen, $X, \*}.
[[nodiscard]] std::optional<std::vector<std::string>> code_list(std::string_view response,
                                                                std::string_view code);
// The words of `* CAPABILITY IMAP4rev1 ESEARCH ...` or of a `[CAPABILITY ...]` code.
[[nodiscard]] std::vector<std::string> capabilities(std::string_view response);
// `* 12 EXISTS` -> 12.
[[nodiscard]] std::optional<std::uint32_t> exists_count(std::string_view response);

// What an untagged response means to a client waiting in IDLE (RFC 2177): `* 4 EXISTS`
// or `* 1 RECENT` is new mail, time to poll; `* BYE ...` the server closing; anything
// else (`* OK Still here`, `* 3 EXPUNGE`, a flag change's FETCH) nothing to act on.
enum class IdleNews { nothing, new_mail, bye };
[[nodiscard]] IdleNews idle_news(std::string_view response);

// The UIDs of `* SEARCH 4 9 10` or `* ESEARCH (TAG "A5") UID ALL 4,9:10`, ascending;
// nullopt when the response is neither.
[[nodiscard]] std::optional<std::vector<std::uint32_t>> search_uids(std::string_view response);

// Ascending UIDs as an IMAP sequence set, runs folded: {1,2,3,7,9,10} -> "1:3,7,9:10".
[[nodiscard]] std::string uid_set(std::span<const std::uint32_t> ascending_uids);

// The parts of a `* N FETCH (...)` response mailroom asks for. `body` views the literal
// (or quoted string) of BODY[] inside the response.
struct FetchData {
  std::uint32_t sequence = 0;
  std::optional<std::uint32_t> uid;
  std::optional<std::string> internaldate; // as sent: "17-Jul-1996 02:44:25 -0700"
  std::optional<std::uint64_t> size;       // RFC822.SIZE
  std::optional<std::vector<std::string>> flags;
  std::optional<std::string_view> body; // BODY[] (a NIL body is an empty view)
};
// nullopt when `response` is not a well-formed FETCH response.
[[nodiscard]] std::optional<FetchData> parse_fetch(std::string_view response);

// INTERNALDATE ("17-Jul-1996 02:44:25 -0700", day possibly space-padded) as an Instant;
// the offset is always honoured. nullopt for anything else (a month name in another
// language, a missing zone, 31-Feb).
[[nodiscard]] std::optional<core::Instant> parse_internaldate(std::string_view text);
// The INTERNALDATE spelling of an instant, in UTC: "15-Dec-2025 18:00:00 +0000".
[[nodiscard]] std::string format_internaldate(core::Instant instant);

// The identity of one mail: "imap://HOST/FOLDER;UIDVALIDITY=v;UID=n" (RFC 5092 style;
// FOLDER percent-encoded), stable whichever port or TLS mode reaches the server.
struct SourceKey {
  std::string host;
  std::string folder;
  std::uint32_t uidvalidity = 0;
  std::uint32_t uid = 0;
  bool operator==(const SourceKey&) const = default;
};
[[nodiscard]] std::string format_source(const SourceKey& key);
[[nodiscard]] std::optional<SourceKey> parse_source(std::string_view source);

} // namespace mailroom::imap
