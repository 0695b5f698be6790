#pragma once

#include <string>
#include <string_view>

namespace mailroom::message {

// U+FFFD REPLACEMENT CHARACTER in UTF-8: what stands for bytes that cannot be shown.
inline constexpr std::string_view k_replacement = "\xEF\xBF\xBD";

// Bytes in a declared charset turned into UTF-8.
struct Utf8 {
  std::string text;
  bool lossy = false; // bytes were replaced by U+FFFD or the charset was unknown
};

// Converts `bytes` from `charset` (a MIME charset label, any case) to UTF-8 with
// glibc iconv. Only an allowlist of charsets goes through iconv (the sender picks
// the label, and some iconv modules have crashed or hung on hostile input);
// others, and bytes that do not convert, come out as UTF-8 where they are valid
// UTF-8 and as U+FFFD where not. An empty label means US-ASCII, read leniently.
[[nodiscard]] Utf8 to_utf8(std::string_view bytes, std::string_view charset);

// Valid UTF-8 is kept; every invalid sequence becomes U+FFFD.
[[nodiscard]] std::string sanitize_utf8(std::string_view bytes);

// Raw 8-bit header text: UTF-8 when it is valid UTF-8, else read as windows-1252
// (what mailers that write raw bytes mostly meant).
[[nodiscard]] std::string header_bytes_to_utf8(std::string_view bytes);

} // namespace mailroom::message
