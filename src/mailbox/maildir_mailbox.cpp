#include "mailbox/maildir_mailbox.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
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

constexpr std::array<const char*, 2> k_folders{"new", "cur"};

// Appends the mails of `dir` whose base name `wanted` accepts, with their times; only
// those are stat'ed. Problems: the folder cannot be listed (a file that cannot be
// stat'ed goes to `on_problem`).
core::Result<void> list(const fs::path& dir, const std::function<bool(const std::string&)>& wanted,
                        const std::function<void(core::Problem)>& on_problem,
                        std::vector<Entry>& out) {
  std::error_code error;
  for (const auto& item : fs::directory_iterator(dir, error)) {
    const auto& path = item.path();
    if (path.filename().string().starts_with('.') || !wanted(base_name(path)))
      continue;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      on_problem({path.string(), fmt::format("cannot stat: {}", std::strerror(errno)), ""});
      continue;
    }
    if (!S_ISREG(info.st_mode))
      continue;
    out.push_back({path, core::Instant{std::chrono::seconds{info.st_mtime}}});
  }
  if (error)
    return core::fail(dir.string(), fmt::format("cannot list: {}", error.message()),
                      "check the folder's permissions");
  return {};
}

void sort_oldest_first(std::vector<Entry>& entries) {
  std::ranges::sort(entries, [](const Entry& a, const Entry& b) {
    return std::tie(a.mtime, a.path) < std::tie(b.mtime, b.path);
  });
}

// The mail in `entry`, or nullopt (said through `on_problem`) when it cannot be read.
std::optional<RawMail> read_mail(const fs::path& root, const Entry& entry,
                                 const std::function<void(core::Problem)>& on_problem) {
  std::ifstream in(entry.path, std::ios::binary);
  if (!in) {
    on_problem({entry.path.string(), fmt::format("cannot read: {}", std::strerror(errno)),
                "check the file's permissions"});
    return std::nullopt;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  // new/ and cur/ are left out of the identity: a mail client moves a message from
  // one to the other when it reads it, and it is still the same mail.
  return RawMail{"maildir:" + (fs::absolute(root) / base_name(entry.path)).string(),
                 entry.path.filename().string(), entry.mtime, bytes.str()};
}

bool same_time(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
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
  for (const char* sub : k_folders) {
    std::error_code error;
    if (!fs::is_directory(m_root / sub, error))
      continue;
    if (auto listed = list(
            m_root / sub, [](const std::string&) { return true; }, on_problem, entries);
        !listed)
      return std::unexpected(listed.error());
  }
  sort_oldest_first(entries);
  std::size_t count = 0;
  for (const auto& entry : entries) {
    if (auto mail = read_mail(m_root, entry, on_problem)) {
      visit(std::move(*mail));
      ++count;
    }
  }
  return count;
}

Poll MaildirMailbox::poll(const Cursor& after, const Visitor& visit,
                          const std::function<void(core::Problem)>& on_problem,
                          const Flush& flush) {
  Poll done;
  done.cursor = after;
  if (auto opened = open(); !opened) {
    done.failure = Failure{opened.error(), Scope::mailbox, Retry::later};
    return done;
  }
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < k_folders.size(); ++i) {
    const auto dir = m_root / k_folders[i];
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
      continue;
    auto& listed = m_listed[i];
    if (listed.trusted && same_time(listed.mtime, info.st_mtim))
      continue; // nothing came, went or was renamed there since it was listed
    // Order is important: the folder's time is taken before it is listed, so a change
    // during the listing makes it differ next time (or falls in the racy window).
    const auto listed_at = std::chrono::system_clock::now();
    if (auto found = list(
            dir, [&](const std::string& name) { return !m_read.contains(name); }, on_problem,
            entries);
        !found) {
      done.failure = Failure{found.error(), Scope::mailbox, Retry::later};
      return done;
    }
    const auto changed_at = std::chrono::system_clock::time_point{
        std::chrono::seconds{info.st_mtim.tv_sec} +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds{info.st_mtim.tv_nsec})};
    listed = {info.st_mtim, listed_at - changed_at >= k_racy_window};
  }
  sort_oldest_first(entries);
  // Mails the visitor holds are remembered as read only once it recorded them.
  std::vector<std::string> held;
  const auto settle_held = [&] {
    if (held.empty())
      return true;
    if (flush && flush() == Visit::stop) {
      held.clear();
      done.stopped = true;
      m_listed = {}; // the held mails come again next time
      return false;
    }
    m_read.insert(held.begin(), held.end());
    held.clear();
    return true;
  };
  for (const auto& entry : entries) {
    auto mail = read_mail(m_root, entry, on_problem);
    if (!mail) {
      m_listed = {}; // list again next time: it may be readable then
      continue;
    }
    auto name = base_name(entry.path);
    const auto visited = visit(std::move(*mail));
    if (visited == Visit::stop) {
      done.stopped = true;
      m_listed = {}; // this mail and the rest come again next time
      break;
    }
    ++done.visited;
    held.push_back(std::move(name));
    if (visited == Visit::next) {
      m_read.insert(held.begin(), held.end());
      held.clear();
    }
  }
  settle_held();
  return done;
}

} // namespace mailroom::mailbox
