#include "outbox/directory_sender.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace mailroom::outbox {

namespace {

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace

SendOutcome DirectorySender::send(const Envelope& envelope, const std::string& message) {
  std::error_code error;
  std::filesystem::create_directories(m_dir, error);
  if (error)
    return {Delivery::temporary, fmt::format("{}: {}", m_dir.string(), error.message())};
  std::string name;
  for (const char c : envelope.name + "-" + envelope.recipient)
    name +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '@') ? c : '_';
  const auto final_path = m_dir / (name + ".eml");
  const auto temporary = m_dir / (".tmp-" + name + ".eml");
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return {Delivery::temporary, fmt::format("{}: {}", temporary.string(), std::strerror(errno))};
  const bool written = write_all(fd, message) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return {Delivery::temporary, fmt::format("{}: {}", temporary.string(), std::strerror(saved))};
  }
  if (::rename(temporary.c_str(), final_path.c_str()) != 0)
    return {Delivery::temporary, fmt::format("{}: {}", final_path.string(), std::strerror(errno))};
  if (const int dir = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {Delivery::sent, final_path.string()};
}

} // namespace mailroom::outbox
