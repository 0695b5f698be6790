#pragma once

#include <string>
#include <string_view>

namespace mailroom::message {

// `text` with NUL and the other C0 control bytes (but tab, CR and LF) and DEL replaced by
// U+FFFD, so that nothing after them is lost and nothing is shown raw.
[[nodiscard]] std::string replace_control_bytes(std::string_view text);

// `raw` with each NUL byte in a header block (the message's, and a part's: the lines after a
// "--boundary" line that read as header fields) replaced by U+FFFD. mimetic ends a field at a
// NUL, which cut a subject short and a file name before its extension. Bodies are left as they
// are: an attachment's bytes never change.
[[nodiscard]] std::string with_header_nuls_replaced(std::string_view raw);

} // namespace mailroom::message
