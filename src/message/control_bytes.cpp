#include "message/control_bytes.hpp"

#include "message/charset.hpp"
#include "util/text.hpp"

namespace mailroom::message {

namespace {

bool is_control(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F;
}

// Whether `line` (without its line end) reads as a header field or its continuation.
bool is_field_line(std::string_view line) {
  if (line.empty())
    return false;
  if (line.front() == ' ' || line.front() == '\t')
    return true;
  const auto colon = line.find(':');
  return colon != std::string_view::npos && colon > 0 &&
         line.substr(0, colon).find(' ') == std::string_view::npos;
}

} // namespace

std::string replace_control_bytes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_control(static_cast<unsigned char>(c)))
      out += k_replacement;
    else
      out += c;
  }
  return out;
}

std::string with_header_nuls_replaced(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + 16);
  bool in_header = true; // the message starts with its header block
  bool after_boundary = false;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    auto end = raw.find('\n', pos);
    end = end == std::string_view::npos ? raw.size() : end + 1;
    const auto line = raw.substr(pos, end - pos);
    auto bare = line;
    while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r'))
      bare.remove_suffix(1);
    if (after_boundary)
      in_header = is_field_line(bare);
    after_boundary = false;
    if (bare.empty())
      in_header = false;
    if (!in_header && bare.starts_with("--") && bare.size() > 2)
      after_boundary = true;
    if (in_header) {
      for (const char c : line)
        if (c == '\0')
          out += k_replacement;
        else
          out += c;
    } else {
      out += line;
    }
    pos = end;
  }
  return out;
}

} // namespace mailroom::message
