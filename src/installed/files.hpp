#pragma once

#include <filesystem>
#include <string_view>

namespace mailroom::installed {

// Where the file `name` that came with this binary is: beside it (a build tree), else in
// ../lib/mailroom/ from its folder (installed: /usr/bin -> /usr/lib/mailroom), found from
// /proc/self/exe. The installed path when neither exists, for the error that names it.
// Never from an environment variable or the working folder: only whoever may write the
// binary chooses the code it loads or runs.
[[nodiscard]] std::filesystem::path beside_binary(std::string_view name);

} // namespace mailroom::installed
