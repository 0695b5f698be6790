#pragma once

#include "message/facts.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mailroom::message {

// A line end of any kind mimetic accepts is made of these.
[[nodiscard]] constexpr bool is_newline(char c) {
  return c == '\r' || c == '\n';
}

// "16384 KB": a size as the limit problems state it, rounded up to whole KB.
[[nodiscard]] std::string kilobytes(std::uint64_t bytes);

// One header field as it lies in the raw bytes: its first line, its folded
// continuation lines and their line ends.
struct FieldSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// What one pass over a header block found, before mimetic reads it. mimetic 0.9.8
// grows a field's buffer 128 bytes at a time, zeroing and copying it each time, so a
// field of n bytes costs O(n^2): a 4 MB line took minutes. Fields over the limit are
// found here in linear time and kept away from it.
struct HeaderBlock {
  std::size_t end = 0;              // just after the empty line that ends it, or raw.size()
  bool capped = false;              // more than max_header_fields fields: `end` is where it stopped
  std::vector<FieldSpan> oversized; // fields longer than max_header_bytes, in order
};

// Scans the header that starts at `pos` once, with the line ends mimetic accepts
// (CRLF, LFCR, CR or LF).
[[nodiscard]] HeaderBlock scan_header_block(std::string_view raw, std::size_t pos,
                                            const Limits& limits);

// "header field X-Long is 16384 KB, limit 256 KB": the problem an oversized field
// records (its name shortened when it is itself absurdly long).
[[nodiscard]] std::string oversized_field_problem(std::string_view raw, const FieldSpan& field,
                                                  const Limits& limits);

// `raw` without the fields `block` found oversized; every other byte as it was.
[[nodiscard]] std::string without_oversized_fields(std::string_view raw, const HeaderBlock& block);

} // namespace mailroom::message
