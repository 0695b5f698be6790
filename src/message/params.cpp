#include "message/charset.hpp"
#include "message/headers.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace mailroom::message {
namespace {

// More continuation segments than this are ignored (CVE-2026-27859 style input).
constexpr std::size_t k_max_segments = 256;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A quoted-string starting after its opening quote; backslash pairs unquoted.
std::string read_quoted(std::string_view s, std::size_t& i) {
  std::string out;
  while (i < s.size() && s[i] != '"') {
    if (s[i] == '\\' && i + 1 < s.size())
      ++i;
    out += s[i++];
  }
  if (i < s.size())
    ++i;
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && util::hex_digit(s[i + 1]) >= 0 &&
        util::hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(util::hex_digit(s[i + 1]) * 16 + util::hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "charset'language'text" -> charset, text. Without two quotes it is all text.
std::string_view split_charset(std::string_view value, std::string& charset) {
  const auto a = value.find('\'');
  if (a == std::string_view::npos)
    return value;
  const auto b = value.find('\'', a + 1);
  if (b == std::string_view::npos)
    return value;
  charset = std::string(value.substr(0, a));
  return value.substr(b + 1);
}

// Bytes in `charset` (possibly empty or unknown) to UTF-8: the declared charset
// when it converts cleanly, else UTF-8, else the part's charset, else windows-1252.
std::string bytes_to_utf8(std::string_view bytes, std::string_view charset,
                          std::string_view fallback, ParamNotes* notes) {
  if (!charset.empty()) {
    auto converted = to_utf8(bytes, charset);
    if (!converted.lossy)
      return std::move(converted.text);
  }
  auto as_utf8 = to_utf8(bytes, "utf-8");
  if (!as_utf8.lossy)
    return std::move(as_utf8.text);
  if (!fallback.empty()) {
    auto converted = to_utf8(bytes, fallback);
    if (!converted.lossy)
      return std::move(converted.text);
  }
  if (notes)
    notes->lossy = true;
  return header_bytes_to_utf8(bytes);
}

struct Segment {
  std::string value;
  bool extended = false;
};

// RFC 2231 section 3: name*0*, name*1, ... joined in index order; the charset
// comes from segment 0 only.
std::string join_segments(const std::map<unsigned, Segment>& segments, std::string_view fallback,
                          ParamNotes* notes) {
  std::string charset;
  std::string bytes;
  bool first = true;
  for (const auto& [index, segment] : segments) {
    std::string_view value = segment.value;
    if (first && index == 0 && segment.extended)
      value = split_charset(value, charset);
    bytes += segment.extended ? percent_decode(value) : std::string(value);
    first = false;
  }
  return bytes_to_utf8(bytes, charset, fallback, notes);
}

} // namespace

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

Structured parse_structured(std::string_view value) {
  Structured out;
  std::size_t i = value.find(';');
  out.token = lower_ascii(trim(value.substr(0, i)));
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ';' || is_space(value[i])))
      ++i;
    const auto name_start = i;
    while (i < value.size() && value[i] != '=' && value[i] != ';')
      ++i;
    Param param{lower_ascii(trim(value.substr(name_start, i - name_start))), {}};
    if (i < value.size() && value[i] == '=') {
      ++i;
      while (i < value.size() && is_space(value[i]))
        ++i;
      if (i < value.size() && value[i] == '"') {
        ++i;
        param.value = read_quoted(value, i);
        while (i < value.size() && value[i] != ';')
          ++i;
      } else {
        const auto start = i;
        while (i < value.size() && value[i] != ';')
          ++i;
        param.value = std::string(trim(value.substr(start, i - start)));
      }
    }
    if (!param.name.empty())
      out.params.push_back(std::move(param));
  }
  return out;
}

std::optional<std::string> param_value(const std::vector<Param>& params, std::string_view name,
                                       std::string_view fallback_charset, ParamNotes* notes) {
  std::optional<std::string> plain;
  std::optional<std::string> extended;
  std::map<unsigned, Segment> segments;
  for (const auto& param : params) {
    std::string_view pn = param.name;
    if (pn == name) {
      if (!plain)
        plain = param.value;
      continue;
    }
    if (pn.size() <= name.size() || !pn.starts_with(name) || pn[name.size()] != '*')
      continue;
    auto rest = pn.substr(name.size() + 1);
    if (rest.empty()) {
      if (!extended)
        extended = param.value;
      continue;
    }
    const bool is_extended = rest.back() == '*';
    if (is_extended)
      rest.remove_suffix(1);
    if (rest.empty() || rest.size() > 5 ||
        !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    if (segments.size() >= k_max_segments) {
      if (notes)
        notes->segments_capped = true;
      continue;
    }
    segments.try_emplace(static_cast<unsigned>(std::stoul(std::string(rest))),
                         Segment{param.value, is_extended});
  }
  if (extended) {
    std::string charset;
    const auto text = split_charset(*extended, charset);
    return bytes_to_utf8(percent_decode(text), charset, fallback_charset, notes);
  }
  if (!segments.empty())
    return join_segments(segments, fallback_charset, notes);
  if (!plain)
    return std::nullopt;
  if (plain->find("=?") != std::string::npos)
    return decode_words(*plain);
  return bytes_to_utf8(*plain, "", fallback_charset, notes);
}

} // namespace mailroom::message
