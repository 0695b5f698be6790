#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailroom::archive {

// The longest stored attachment name, in bytes (NAME_MAX on Linux is 255; the rest
// leaves room for the " (N)" that keeps names unique).
inline constexpr std::size_t k_max_name_bytes = 200;

// A name that is safe to create inside an archive folder, made from an attachment's
// decoded (RFC 2231 / RFC 2047) file name: only its last path component (RFC 2183
// §2.3), no control, bidi or invisible characters, no leading dot, no trailing dot or
// space, no Windows device name, invalid UTF-8 replaced, at most k_max_name_bytes
// bytes (cut on a character boundary, the extension kept). Never empty.
[[nodiscard]] std::string sanitize_file_name(std::string_view decoded);

// Sanitized names for one mail's attachments, in order, unique without regard to
// case: the second "slides.pdf" becomes "slides (2).pdf".
[[nodiscard]] std::vector<std::string> unique_file_names(const std::vector<std::string>& decoded);

} // namespace mailroom::archive
