#include "imap/protocol.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <sstream>

namespace mailroom::imap {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

template <class Number> std::optional<Number> to_number(std::string_view text) {
  Number value{};
  if (text.empty())
    return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

constexpr std::uint64_t k_largest_reserved_literal = 256ULL * 1024 * 1024;

// The N of a literal announcement `{N}` or `{N+}` that ends `line`, if it does.
std::optional<std::uint64_t> literal_size_at_end(std::string_view line) {
  if (line.empty() || line.back() != '}')
    return std::nullopt;
  line.remove_suffix(1);
  if (!line.empty() && line.back() == '+')
    line.remove_suffix(1);
  const auto open = line.rfind('{');
  if (open == std::string_view::npos)
    return std::nullopt;
  return to_number<std::uint64_t>(line.substr(open + 1));
}

bool is_unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '/';
}

std::string percent_encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (is_unreserved(c))
      out += c;
    else
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size())
      return std::nullopt;
    unsigned value = 0;
    const auto hex = text.substr(i + 1, 2);
    const auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
    if (error != std::errc{} || end != hex.data() + hex.size())
      return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

const char* scheme_of(Endpoint::Tls tls) {
  return tls == Endpoint::Tls::implicit ? "imaps" : "imap";
}

// Expands a sequence set of UIDs ("4,9:11"); nullopt on anything else, or on a range
// too large to be real results.
std::optional<std::vector<std::uint32_t>> expand_set(std::string_view set) {
  constexpr std::uint32_t k_max_range = 10'000'000;
  std::vector<std::uint32_t> uids;
  while (!set.empty()) {
    const auto comma = set.find(',');
    const auto part = set.substr(0, comma);
    set = comma == std::string_view::npos ? std::string_view{} : set.substr(comma + 1);
    const auto colon = part.find(':');
    const auto first = to_number<std::uint32_t>(part.substr(0, colon));
    const auto last =
        colon == std::string_view::npos ? first : to_number<std::uint32_t>(part.substr(colon + 1));
    if (!first || !last)
      return std::nullopt;
    const auto low = std::min(*first, *last);
    const auto high = std::max(*first, *last);
    if (high - low > k_max_range)
      return std::nullopt;
    for (auto uid = low;; ++uid) {
      uids.push_back(uid);
      if (uid == high)
        break;
    }
  }
  std::ranges::sort(uids);
  const auto [first_duplicate, end] = std::ranges::unique(uids);
  uids.erase(first_duplicate, end);
  return uids;
}

} // namespace

std::string Endpoint::connect_url() const {
  return fmt::format("{}://{}:{}/", scheme_of(tls), bracketed(host), port);
}

std::string Endpoint::display() const {
  return fmt::format("{}://{}:{}/{}", scheme_of(tls), bracketed(host), port,
                     percent_encode(folder));
}

std::optional<Endpoint> parse_url(std::string_view url, std::string& error) {
  Endpoint endpoint;
  if (istarts_with(url, "imaps://")) {
    endpoint.tls = Endpoint::Tls::implicit;
    endpoint.port = 993;
    url.remove_prefix(8);
  } else if (istarts_with(url, "imap://")) {
    endpoint.tls = Endpoint::Tls::starttls;
    endpoint.port = 143;
    url.remove_prefix(7);
  } else {
    const auto scheme = url.substr(0, url.find("://"));
    error = fmt::format("unknown scheme '{}': an IMAP url starts with imaps:// or imap://", scheme);
    return std::nullopt;
  }
  const auto slash = url.find('/');
  auto authority = url.substr(0, slash);
  const auto path = slash == std::string_view::npos ? std::string_view{} : url.substr(slash + 1);
  if (authority.find('@') != std::string_view::npos) {
    error = "the url carries a user or password: put the user in `user` and the password in "
            "`password_file`";
    return std::nullopt;
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unclosed '[' in the host";
      return std::nullopt;
    }
    endpoint.host = std::string(authority.substr(1, close - 1));
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) {
      error = "unexpected text after the host";
      return std::nullopt;
    }
    port_text = rest.empty() ? rest : rest.substr(1);
  } else {
    const auto colon = authority.find(':');
    endpoint.host = std::string(authority.substr(0, colon));
    port_text = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon + 1);
  }
  if (endpoint.host.empty()) {
    error = "the url names no host";
    return std::nullopt;
  }
  std::ranges::transform(endpoint.host, endpoint.host.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!port_text.empty()) {
    const auto port = to_number<std::uint16_t>(port_text);
    if (!port || *port == 0) {
      error = fmt::format("bad port '{}'", port_text);
      return std::nullopt;
    }
    endpoint.port = *port;
  }
  if (path.find_first_of(";?#") != std::string_view::npos) {
    error = "the url may name only a folder (no ';', '?' or '#' parts)";
    return std::nullopt;
  }
  auto folder = percent_decode(path);
  if (!folder) {
    error = "bad percent-encoding in the folder";
    return std::nullopt;
  }
  while (!folder->empty() && folder->back() == '/')
    folder->pop_back();
  if (!folder->empty())
    endpoint.folder = *folder;
  return endpoint;
}

std::optional<std::string> ResponseReader::next() {
  for (;;) {
    const auto crlf = m_buffer.find("\r\n", m_scan);
    if (crlf == std::string::npos) {
      // A CR may be the last byte: look at it again when the LF comes.
      if (!m_buffer.empty())
        m_scan = std::max(m_scan, m_buffer.size() - 1);
      return std::nullopt;
    }
    if (const auto size = literal_size_at_end(std::string_view(m_buffer).substr(0, crlf))) {
      // The literal's bytes are data, never protocol: skip them unread.
      const auto end = crlf + 2 + *size;
      if (end > m_buffer.size()) {
        // Room for the whole literal at once: no doubling on the way to a 20 MB deck. A
        // size no mail has is not trusted with memory up front. The slack takes the
        // last read, which runs on into the next response: without it that read moved
        // the whole deck to a buffer twice its size (a third of ingest's page faults).
        if (*size <= k_largest_reserved_literal)
          m_buffer.reserve(end + k_read_size);
        if (m_literal_at != crlf) {
          m_literal_at = crlf;
          m_literal_size = *size;
          m_new_literal = *size;
        }
        m_scan = crlf;
        return std::nullopt;
      }
      m_scan = end;
      continue;
    }
    // Move the buffer out rather than copy the response: a FETCH response holds a whole
    // mail, and what follows it (the tagged OK) is short.
    std::string response = std::move(m_buffer);
    m_buffer = response.substr(crlf + 2);
    response.resize(crlf);
    m_scan = 0;
    m_literal_at = std::string::npos;
    return response;
  }
}

std::optional<ResponseReader::LiteralSoFar> ResponseReader::literal_so_far() const {
  if (m_literal_at == std::string::npos)
    return std::nullopt;
  const auto begins = m_literal_at + 2;
  const auto end = std::min(m_buffer.size(), begins + m_literal_size);
  return LiteralSoFar{std::string_view(m_buffer).substr(begins, end - begins), m_literal_size};
}

void ResponseReader::clear() {
  m_buffer.clear();
  m_scan = 0;
  m_literal_at = std::string::npos;
  m_new_literal = 0;
}

Token Tokenizer::next() {
  while (m_pos < m_text.size() && m_text[m_pos] == ' ')
    ++m_pos;
  if (m_pos >= m_text.size())
    return {Token::Kind::end, {}};
  const char c = m_text[m_pos];
  if (c == '(' || c == ')') {
    ++m_pos;
    return {c == '(' ? Token::Kind::open : Token::Kind::close, m_text.substr(m_pos - 1, 1)};
  }
  if (c == '"') {
    const auto start = ++m_pos;
    while (m_pos < m_text.size() && m_text[m_pos] != '"')
      m_pos += m_text[m_pos] == '\\' ? 2 : 1;
    const auto inside = m_text.substr(start, std::min(m_pos, m_text.size()) - start);
    m_pos = std::min(m_pos + 1, m_text.size());
    return {Token::Kind::quoted, inside};
  }
  if (c == '{' || (c == '~' && m_pos + 1 < m_text.size() && m_text[m_pos + 1] == '{')) {
    const auto open = m_text.find('{', m_pos);
    const auto close = m_text.find('}', open);
    if (close != std::string_view::npos) {
      auto digits = m_text.substr(open + 1, close - open - 1);
      if (digits.ends_with('+'))
        digits.remove_suffix(1);
      const auto size = to_number<std::uint64_t>(digits);
      const auto data = close + 3; // "}\r\n"
      if (size && m_text.substr(close + 1, 2) == "\r\n" && data + *size <= m_text.size()) {
        m_pos = data + *size;
        return {Token::Kind::literal, m_text.substr(data, *size)};
      }
    }
    // Not a literal after all: read it as an atom below.
  }
  const auto start = m_pos;
  int depth = 0;
  while (m_pos < m_text.size()) {
    const char d = m_text[m_pos];
    if (d == '[')
      ++depth;
    else if (d == ']' && depth > 0)
      --depth;
    else if (depth == 0 && (d == ' ' || d == '(' || d == ')' || d == '\r' || d == '\n'))
      break;
    ++m_pos;
  }
  if (m_pos == start)
    ++m_pos; // a lone CR or LF: consume it rather than loop
  return {Token::Kind::atom, m_text.substr(start, m_pos - start)};
}

void Tokenizer::skip_value() {
  auto token = next();
  if (token.kind != Token::Kind::open)
    return;
  for (int depth = 1; depth > 0;) {
    token = next();
    if (token.kind == Token::Kind::open)
      ++depth;
    else if (token.kind == Token::Kind::close)
      --depth;
    else if (token.kind == Token::Kind::end)
      return;
  }
}

std::string unquote(std::string_view quoted_inside) {
  std::string out;
  out.reserve(quoted_inside.size());
  for (std::size_t i = 0; i < quoted_inside.size(); ++i) {
    if (quoted_inside[i] == '\\' && i + 1 < quoted_inside.size())
      ++i;
    out += quoted_inside[i];
  }
  return out;
}

std::optional<std::string> quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n' || c == '\0' || byte >= 0x80)
      return std::nullopt;
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

Status read_status(std::string_view response) {
  Status status;
  Tokenizer tokens(response);
  status.tag = std::string(tokens.next().text);
  auto word = tokens.next();
  if (status.tag == "*" && to_number<std::uint32_t>(word.text))
    word = tokens.next(); // "* 3 FETCH", "* 12 EXISTS"
  status.kind = std::string(word.text);
  std::ranges::transform(status.kind, status.kind.begin(),
                         [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  auto rest = response.substr(std::min(tokens.position(), response.size()));
  while (rest.starts_with(' '))
    rest.remove_prefix(1);
  status.text = std::string(rest);
  if (status.tag == "+") {
    status.kind.clear();
    status.text = std::string(response.substr(std::min<std::size_t>(2, response.size())));
  }
  return status;
}

namespace {

// The inside of a status response's leading `[CODE ...]`, after "CODE ".
std::optional<std::string_view> code_argument(std::string_view response, std::string_view code) {
  Tokenizer tokens(response);
  tokens.next(); // tag
  auto kind = tokens.next();
  if (to_number<std::uint32_t>(kind.text))
    return std::nullopt; // "* 3 FETCH": no response code there
  const auto bracket = tokens.next();
  if (bracket.kind != Token::Kind::atom || !bracket.text.starts_with('[') ||
      !bracket.text.ends_with(']'))
    return std::nullopt;
  auto inside = bracket.text.substr(1, bracket.text.size() - 2);
  if (!istarts_with(inside, code))
    return std::nullopt;
  inside.remove_prefix(code.size());
  if (!inside.empty() && inside.front() != ' ')
    return std::nullopt; // "UIDNEXTX"
  while (inside.starts_with(' '))
    inside.remove_prefix(1);
  return inside;
}

} // namespace

std::optional<std::uint32_t> code_number(std::string_view response, std::string_view code) {
  const auto argument = code_argument(response, code);
  if (!argument)
    return std::nullopt;
  return to_number<std::uint32_t>(*argument);
}

std::optional<std::vector<std::string>> code_list(std::string_view response,
                                                  std::string_view code) {
  const auto argument = code_argument(response, code);
  if (!argument)
    return std::nullopt;
  Tokenizer tokens(*argument);
  if (tokens.next().kind != Token::Kind::open)
    return std::nullopt;
  std::vector<std::string> items;
  for (auto token = tokens.next(); token.kind == Token::Kind::atom; token = tokens.next())
    items.emplace_back(token.text);
  return items;
}

std::vector<std::string> capabilities(std::string_view response) {
  std::string_view words;
  const auto status = read_status(response);
  if (status.kind == "CAPABILITY")
    words = status.text;
  else if (const auto argument = code_argument(response, "CAPABILITY"))
    words = *argument;
  std::vector<std::string> out;
  std::istringstream in{std::string(words)};
  for (std::string word; in >> word;) {
    std::ranges::transform(word, word.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    out.push_back(std::move(word));
  }
  return out;
}

std::optional<std::uint32_t> exists_count(std::string_view response) {
  Tokenizer tokens(response);
  if (tokens.next().text != "*")
    return std::nullopt;
  const auto count = to_number<std::uint32_t>(tokens.next().text);
  if (!count || !iequals(tokens.next().text, "EXISTS"))
    return std::nullopt;
  return count;
}

IdleNews idle_news(std::string_view response) {
  Tokenizer tokens(response);
  if (tokens.next().text != "*")
    return IdleNews::nothing;
  const auto first = tokens.next();
  if (first.kind == Token::Kind::atom && iequals(first.text, "BYE"))
    return IdleNews::bye;
  if (!to_number<std::uint32_t>(first.text))
    return IdleNews::nothing;
  const auto kind = tokens.next().text;
  return iequals(kind, "EXISTS") || iequals(kind, "RECENT") ? IdleNews::new_mail
                                                            : IdleNews::nothing;
}

std::optional<std::vector<std::uint32_t>> search_uids(std::string_view response) {
  Tokenizer tokens(response);
  if (tokens.next().text != "*")
    return std::nullopt;
  const auto kind = tokens.next();
  std::vector<std::uint32_t> uids;
  if (iequals(kind.text, "SEARCH")) {
    for (auto token = tokens.next(); token.kind != Token::Kind::end; token = tokens.next()) {
      if (token.kind == Token::Kind::open) { // "(MODSEQ 917162500)" under CONDSTORE
        for (int depth = 1; depth > 0 && token.kind != Token::Kind::end;) {
          token = tokens.next();
          depth += token.kind == Token::Kind::open ? 1 : token.kind == Token::Kind::close ? -1 : 0;
        }
        continue;
      }
      const auto uid = to_number<std::uint32_t>(token.text);
      if (!uid)
        return std::nullopt;
      uids.push_back(*uid);
    }
    std::ranges::sort(uids);
    return uids;
  }
  if (!iequals(kind.text, "ESEARCH"))
    return std::nullopt;
  // RFC 4731: * ESEARCH [(TAG "x")] [UID] *(name SP value); only ALL carries the UIDs.
  for (auto token = tokens.next(); token.kind != Token::Kind::end; token = tokens.next()) {
    if (token.kind == Token::Kind::open) {
      for (int depth = 1; depth > 0 && token.kind != Token::Kind::end;) {
        token = tokens.next();
        depth += token.kind == Token::Kind::open ? 1 : token.kind == Token::Kind::close ? -1 : 0;
      }
      continue;
    }
    if (iequals(token.text, "UID"))
      continue;
    const auto value = tokens.next();
    if (iequals(token.text, "ALL")) {
      auto all = expand_set(value.text);
      if (!all)
        return std::nullopt;
      uids = std::move(*all);
    }
  }
  return uids;
}

std::string uid_set(std::span<const std::uint32_t> ascending_uids) {
  std::string set;
  for (std::size_t i = 0; i < ascending_uids.size();) {
    std::size_t last = i;
    while (last + 1 < ascending_uids.size() && ascending_uids[last + 1] == ascending_uids[last] + 1)
      ++last;
    if (!set.empty())
      set += ',';
    set += std::to_string(ascending_uids[i]);
    if (last > i)
      set += ':' + std::to_string(ascending_uids[last]);
    i = last + 1;
  }
  return set;
}

std::optional<FetchData> parse_fetch(std::string_view response) {
  Tokenizer tokens(response);
  if (tokens.next().text != "*")
    return std::nullopt;
  FetchData data;
  const auto sequence = to_number<std::uint32_t>(tokens.next().text);
  if (!sequence || !iequals(tokens.next().text, "FETCH") || tokens.next().kind != Token::Kind::open)
    return std::nullopt;
  data.sequence = *sequence;
  for (;;) {
    const auto name = tokens.next();
    if (name.kind == Token::Kind::close)
      return data;
    if (name.kind != Token::Kind::atom)
      return std::nullopt;
    if (iequals(name.text, "UID")) {
      data.uid = to_number<std::uint32_t>(tokens.next().text);
      if (!data.uid)
        return std::nullopt;
    } else if (iequals(name.text, "RFC822.SIZE")) {
      data.size = to_number<std::uint64_t>(tokens.next().text);
      if (!data.size)
        return std::nullopt;
    } else if (iequals(name.text, "INTERNALDATE")) {
      const auto value = tokens.next();
      if (value.kind != Token::Kind::quoted)
        return std::nullopt;
      data.internaldate = std::string(value.text);
    } else if (iequals(name.text, "FLAGS")) {
      if (tokens.next().kind != Token::Kind::open)
        return std::nullopt;
      std::vector<std::string> flags;
      for (auto flag = tokens.next(); flag.kind != Token::Kind::close; flag = tokens.next()) {
        if (flag.kind != Token::Kind::atom)
          return std::nullopt;
        flags.emplace_back(flag.text);
      }
      data.flags = std::move(flags);
    } else if (iequals(name.text, "BODY[]") || iequals(name.text, "RFC822")) {
      const auto value = tokens.next();
      if (value.kind == Token::Kind::literal || value.kind == Token::Kind::quoted)
        data.body = value.text;
      else if (iequals(value.text, "NIL"))
        data.body = std::string_view{};
      else
        return std::nullopt;
    } else {
      tokens.skip_value();
    }
  }
}

std::string format_source(const SourceKey& key) {
  return fmt::format("imap://{}/{};UIDVALIDITY={};UID={}", bracketed(key.host),
                     percent_encode(key.folder), key.uidvalidity, key.uid);
}

std::optional<SourceKey> parse_source(std::string_view source) {
  if (!source.starts_with("imap://"))
    return std::nullopt;
  source.remove_prefix(7);
  SourceKey key;
  std::size_t slash = 0;
  if (source.starts_with('[')) {
    const auto close = source.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    key.host = std::string(source.substr(1, close - 1));
    slash = close + 1;
  } else {
    slash = source.find('/');
    if (slash == std::string_view::npos)
      return std::nullopt;
    key.host = std::string(source.substr(0, slash));
  }
  if (slash >= source.size() || source[slash] != '/')
    return std::nullopt;
  auto rest = source.substr(slash + 1);
  const auto validity_at = rest.rfind(";UIDVALIDITY=");
  const auto uid_at = rest.rfind(";UID=");
  if (validity_at == std::string_view::npos || uid_at == std::string_view::npos ||
      uid_at < validity_at)
    return std::nullopt;
  auto folder = percent_decode(rest.substr(0, validity_at));
  const auto validity =
      to_number<std::uint32_t>(rest.substr(validity_at + 13, uid_at - validity_at - 13));
  const auto uid = to_number<std::uint32_t>(rest.substr(uid_at + 5));
  if (!folder || !validity || !uid)
    return std::nullopt;
  key.folder = std::move(*folder);
  key.uidvalidity = *validity;
  key.uid = *uid;
  return key;
}

} // namespace mailroom::imap
