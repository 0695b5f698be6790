#pragma once

#include <string>
#include <string_view>

namespace mailroom::setup {

// The host of a server url ("imap://127.0.0.1:11143/INBOX" -> "127.0.0.1",
// "smtp://[::1]:25" -> "::1"); empty when there is none.
[[nodiscard]] std::string url_host(std::string_view url);

// Whether `url` names a loopback address: 127.0.0.0/8 or ::1, written as such (a name is
// not resolved: /etc/hosts may send it anywhere).
[[nodiscard]] bool is_loopback_url(std::string_view url);

// This machine's fully qualified name (the canonical name of gethostname()), for EHLO;
// the bare host name when it resolves to nothing longer.
[[nodiscard]] std::string machine_fqdn();

} // namespace mailroom::setup
