#include "mailbox/maildir_mailbox.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace mailroom::mailbox {

namespace fs = std::filesystem;

namespace {

struct Entry {
  fs::path path;
  core::Instant mtime;
};

// The stable name of a Maildir message: the part before ":2," flags, which a mail
// client changes when it reads or flags the message.
std::string base_name(const fs::path& path) {
  auto name = path.filename().string();
  if (auto colon = name.find(':'); colon != std::string::npos)
    name.erase(colon);
  return name;
}

} // namespace

core::Result<void> MaildirMailbox::open() const {
  std::error_code error;
  if (!fs::is_directory(m_root / "new", error) && !fs::is_directory(m_root / "cur", error))
    return core::fail(m_root.string(), "not a Maildir (no new/ or cur/ folder)",
                      "give the folder that holds new/, cur/ and tmp/");
  return {};
}

core::Result<std::size_t>
MaildirMailbox::for_each_new(const std::function<void(RawMail)>& visit,
                             const std::function<void(core::Problem)>& on_problem) {
  if (auto opened = open(); !opened)
    return std::unexpected(opened.error());
  std::vector<Entry> entries;
  for (const char* sub : {"new", "cur"}) {
    std::error_code error;
    const auto dir = m_root / sub;
    if (!fs::is_directory(dir, error))
      continue;
    for (const auto& item : fs::directory_iterator(dir, error)) {
      if (!item.is_regular_file(error) || item.path().filename().string().starts_with('.'))
        continue;
      struct stat info {};
      if (::stat(item.path().c_str(), &info) != 0) {
        on_problem(
            {item.path().string(), fmt::format("cannot stat: {}", std::strerror(errno)), ""});
        continue;
      }
      entries.push_back({item.path(), core::Instant{std::chrono::seconds{info.st_mtime}}});
    }
    if (error)
      return core::fail(dir.string(), fmt::format("cannot list: {}", error.message()),
                        "check the folder's permissions");
  }
  std::ranges::sort(entries, [](const Entry& a, const Entry& b) {
    return std::tie(a.mtime, a.path) < std::tie(b.mtime, b.path);
  });
  std::size_t count = 0;
  for (const auto& entry : entries) {
    std::ifstream in(entry.path, std::ios::binary);
    if (!in) {
      on_problem({entry.path.string(), fmt::format("cannot read: {}", std::strerror(errno)),
                  "check the file's permissions"});
      continue;
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    // new/ and cur/ are left out of the identity: a mail client moves a message from
    // one to the other when it reads it, and it is still the same mail.
    visit(RawMail{"maildir:" + (fs::absolute(m_root) / base_name(entry.path)).string(),
                  entry.path.filename().string(), entry.mtime, bytes.str()});
    ++count;
  }
  return count;
}

} // namespace mailroom::mailbox
