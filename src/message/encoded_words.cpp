#include "message/charset.hpp"
#include "message/headers.hpp"
#include "message/transfer.hpp"
#include "util/text.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/String.h>

#include <cctype>

namespace mailroom::message {
namespace {

struct Word {
  std::string_view charset; // without an RFC 2231 language suffix
  char encoding = 'Q';
  std::string_view payload;
  std::size_t end = 0; // offset just past "?="
};

// An encoded-word starting at `raw[pos]` ("=?"), or nullopt. Encoded-words hold
// no whitespace (RFC 2047 section 5), which also keeps this scan short.
std::optional<Word> word_at(std::string_view raw, std::size_t pos) {
  const auto q1 = raw.find('?', pos + 2);
  if (q1 == std::string_view::npos || q1 + 2 >= raw.size() || raw[q1 + 2] != '?')
    return std::nullopt;
  Word word;
  word.charset = raw.substr(pos + 2, q1 - pos - 2);
  word.encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(raw[q1 + 1])));
  if (word.charset.empty() || (word.encoding != 'Q' && word.encoding != 'B'))
    return std::nullopt;
  for (char c : word.charset)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '=')
      return std::nullopt;
  const auto close = raw.find("?=", q1 + 3);
  if (close == std::string_view::npos)
    return std::nullopt;
  word.payload = raw.substr(q1 + 3, close - q1 - 3);
  for (char c : word.payload)
    if (std::isspace(static_cast<unsigned char>(c)))
      return std::nullopt;
  word.end = close + 2;
  if (const auto star = word.charset.find('*'); star != std::string_view::npos)
    word.charset = word.charset.substr(0, star);
  return word;
}

// Poco decodes a word correctly only when it is well formed: its Q decoder turns
// "=ZZ" into a NUL byte and reads a stale character after a final '=', and its
// base64 decoder stops at the first character outside the alphabet.
bool poco_decodes_correctly(const Word& word) {
  if (word.encoding == 'B') {
    if (word.payload.size() % 4 != 0 || word.payload.empty())
      return false;
    for (char c : word.payload)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=')
        return false;
    return true;
  }
  for (std::size_t i = 0; i < word.payload.size(); ++i)
    if (word.payload[i] == '=' &&
        (i + 2 >= word.payload.size() || util::hex_digit(word.payload[i + 1]) < 0 ||
         util::hex_digit(word.payload[i + 2]) < 0))
      return false;
  return true;
}

// Python's reading of a Q payload: valid "=XX" escapes decoded, '_' a space,
// anything else kept.
std::string lenient_q(std::string_view payload) {
  std::string out;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    if (payload[i] == '_') {
      out += ' ';
    } else if (payload[i] == '=' && i + 2 < payload.size() &&
               util::hex_digit(payload[i + 1]) >= 0 && util::hex_digit(payload[i + 2]) >= 0) {
      out +=
          static_cast<char>(util::hex_digit(payload[i + 1]) * 16 + util::hex_digit(payload[i + 2]));
      i += 2;
    } else {
      out += payload[i];
    }
  }
  return out;
}

// The word's bytes in its own charset. Poco's decodeWord converts nothing when
// the target charset equals the word's (upper-cased) one.
std::optional<std::string> word_bytes(const Word& word, std::string_view raw_word) {
  if (poco_decodes_correctly(word)) {
    try {
      return Poco::Net::MessageHeader::decodeWord(std::string(raw_word),
                                                  Poco::toUpper(std::string(word.charset)));
    } catch (const Poco::Exception&) {
      // fall through to the lenient decoders
    }
  }
  if (word.encoding == 'Q')
    return lenient_q(word.payload);
  auto decoded = decode_body(word.payload, TransferEncoding::base64, KeepBytes::yes);
  if (decoded.lossy)
    return std::nullopt;
  return std::move(decoded.bytes);
}

bool only_whitespace(std::string_view s) {
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c)))
      return false;
  return true;
}

// Accumulates decoded text; bytes of adjacent words in one charset are joined
// before conversion.
class Output {
public:
  void text(std::string_view raw) {
    flush();
    m_out += header_bytes_to_utf8(raw);
  }
  void word(std::string_view charset, std::string bytes) {
    if (!m_pending.empty() && lower_ascii(charset) != m_charset)
      flush();
    m_charset = lower_ascii(charset);
    m_pending += bytes;
  }
  std::string finish() {
    flush();
    return std::move(m_out);
  }

private:
  void flush() {
    if (m_pending.empty())
      return;
    m_out += to_utf8(m_pending, m_charset).text;
    m_pending.clear();
  }
  std::string m_out;
  std::string m_pending;
  std::string m_charset;
};

} // namespace

std::string decode_words(std::string_view raw) {
  if (raw.find("=?") == std::string_view::npos)
    return header_bytes_to_utf8(raw);
  Output out;
  std::size_t pos = 0;
  bool after_word = false;
  while (pos < raw.size()) {
    const auto start = raw.find("=?", pos);
    if (start == std::string_view::npos) {
      out.text(raw.substr(pos));
      break;
    }
    const auto word = word_at(raw, start);
    if (!word) {
      out.text(raw.substr(pos, start + 2 - pos));
      pos = start + 2;
      after_word = false;
      continue;
    }
    const auto gap = raw.substr(pos, start - pos);
    if (!(after_word && only_whitespace(gap)))
      out.text(gap);
    const auto raw_word = raw.substr(start, word->end - start);
    if (auto bytes = word_bytes(*word, raw_word)) {
      out.word(word->charset, std::move(*bytes));
      after_word = true;
    } else {
      out.text(raw_word);
      after_word = false;
    }
    pos = word->end;
  }
  return out.finish();
}

} // namespace mailroom::message
