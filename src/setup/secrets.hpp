#pragma once

// Secrets (the IMAP and SMTP passwords) come from files or systemd credentials, never from
// the config or the rules, and never reach a log.

#include "core/problem.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace mailroom::setup {

// The password for an account: the file `password_file` if given, else
// $CREDENTIALS_DIRECTORY/`credential` (systemd's LoadCredential=). One trailing newline is
// dropped. Problems name the file, never its content.
[[nodiscard]] core::Result<std::string> read_password(const std::filesystem::path& password_file,
                                                      std::string_view credential);

} // namespace mailroom::setup
