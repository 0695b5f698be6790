#include "installed/files.hpp"

#include <system_error>

namespace mailroom::installed {

namespace fs = std::filesystem;

fs::path beside_binary(std::string_view name) {
  std::error_code error;
  // After a package upgrade the link reads ".../mailroom (deleted)": its folder still holds.
  const auto folder = fs::read_symlink("/proc/self/exe", error).parent_path();
  const auto beside = folder / name;
  if (fs::exists(beside, error))
    return beside;
  return (folder / MAILROOM_PRIVATE_DIR_FROM_BIN / name).lexically_normal();
}

} // namespace mailroom::installed
