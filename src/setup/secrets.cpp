#include "setup/secrets.hpp"

#include "util/text.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace mailroom::setup {

namespace {

// The group a password file may be shared with: `mailroom`, the service's group in the
// systemd unit, or the group this process runs as (a file root:mailroom 0640 is the
// usual shape).
bool group_may_read(gid_t group) {
  if (group == ::getegid())
    return true;
  const struct group* named = ::getgrnam("mailroom");
  return named && named->gr_gid == group;
}

std::string group_name(gid_t group) {
  const struct group* named = ::getgrgid(group);
  return named ? fmt::format("the group {}", named->gr_name) : fmt::format("the group {}", group);
}

std::optional<core::Problem> too_open(const std::filesystem::path& path, const struct stat& info) {
  // As ssh does for a private key: a secret that others may read is refused, with the
  // chmod that takes exactly the surplus away.
  const mode_t mode = info.st_mode & 07777;
  mode_t surplus = mode & S_IRWXO;
  std::vector<std::string> who;
  if (mode & S_IRWXO)
    who.push_back("every user");
  if ((mode & S_IRWXG) && !group_may_read(info.st_gid)) {
    surplus |= mode & S_IRWXG;
    who.insert(who.begin(), group_name(info.st_gid));
  }
  if (!surplus)
    return std::nullopt;
  return core::Problem{
      path.string(),
      fmt::format("permissions {:04o} are too open: {} may read this password file (only its "
                  "owner and the group mailroom may)",
                  mode, fmt::join(who, " and ")),
      fmt::format("narrow it: chmod {:o} {}", mode & ~surplus, util::shell_quoted(path.string()))};
}

} // namespace

core::Result<std::string> read_password(const std::filesystem::path& password_file,
                                        std::string_view credential) {
  std::filesystem::path path = password_file;
  if (path.empty()) {
    const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
    if (!credentials || !*credentials)
      return core::fail("[mailbox]",
                        "no password: `password_file` is not set and there is no "
                        "$CREDENTIALS_DIRECTORY",
                        fmt::format("set `password_file`, or give the service the credential "
                                    "'{}' (LoadCredential=)",
                                    credential));
    path = std::filesystem::path(credentials) / credential;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (fd < 0 || ::fstat(fd, &info) != 0) {
    const int error = errno;
    if (fd >= 0)
      ::close(fd);
    return core::fail(path.string(),
                      fmt::format("cannot read the password file: {}", std::strerror(error)),
                      "check that it exists and that the service user may read it");
  }
  // A credential from systemd is the service's own; a file named in the config is checked.
  if (!password_file.empty()) {
    if (auto refused = too_open(path, info)) {
      ::close(fd);
      return std::unexpected(*refused);
    }
  }
  std::string password;
  std::array<char, 4096> buffer{};
  for (ssize_t got; (got = ::read(fd, buffer.data(), buffer.size())) != 0;) {
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      return core::fail(path.string(),
                        fmt::format("cannot read the password file: {}", std::strerror(error)),
                        "check that it exists and that the service user may read it");
    }
    password.append(buffer.data(), static_cast<std::size_t>(got));
  }
  ::close(fd);
  if (password.ends_with('\n'))
    password.pop_back();
  if (password.ends_with('\r'))
    password.pop_back();
  if (password.empty())
    return core::fail(path.string(), "the password file is empty",
                      "write the password into it (one line)");
  return password;
}

} // namespace mailroom::setup
