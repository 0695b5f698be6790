#include "archive/archive.hpp"

#include "archive/file_names.hpp"
#include "message/parse.hpp"
#include "message/transfer.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace mailroom::archive {

namespace fs = std::filesystem;

namespace {

std::string_view hint_for(int error, bool reading) {
  switch (error) {
  case ENOSPC:
    return "free space in the state folder; the mail is retried on the next poll";
  case EACCES:
  case EPERM:
    return "check the owner and permissions; staff read a course's config, rules and ledger "
           "through the `mailroom` group: ask an admin for `adduser YOUR-USER mailroom`, then "
           "log in again";
  case ENOENT:
    return reading ? "check that the file exists and is readable"
                   : "check that the folder exists and mailroom may write there";
  default:
    return "check the state folder's owner and permissions";
  }
}

core::Problem system_problem(const fs::path& path, std::string_view doing, int error) {
  return {path.string(), fmt::format("cannot {}: {}", doing, std::strerror(error)),
          std::string(hint_for(error, doing == "read" || doing == "open"))};
}

class Fd {
public:
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0)
      ::close(m_fd);
  }
  [[nodiscard]] int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }

private:
  int m_fd;
};

core::Result<void> write_all(int fd, const fs::path& path, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR)
      continue;
    if (written < 0)
      return std::unexpected(system_problem(path, "write", errno));
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return {};
}

// Asks the disk to start writing a file back now, without waiting: its fsync, a moment
// later, then finds the data mostly written while the CPU decoded the next part.
void start_writeback(int fd) {
  ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

std::optional<core::Problem> sync_and_close(int fd, const fs::path& path) {
  std::optional<core::Problem> problem;
  if (::fsync(fd) != 0)
    problem = system_problem(path, "fsync", errno);
  if (::close(fd) != 0 && !problem)
    problem = system_problem(path, "close", errno);
  return problem;
}

// How many attachments of one mail may wait open for their fsync.
constexpr std::size_t k_files_awaiting_fsync = 16;

enum class Durable { yes, no };

core::Result<void> write_new_file(const fs::path& path, std::string_view bytes,
                                  unsigned mode = 0640, Durable durable = Durable::yes) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (fd.get() < 0)
    return std::unexpected(system_problem(path, "create", errno));
  if (auto written = write_all(fd.get(), path, bytes); !written)
    return written;
  if (durable == Durable::yes && ::fsync(fd.get()) != 0)
    return std::unexpected(system_problem(path, "fsync", errno));
  if (::close(fd.release()) != 0)
    return std::unexpected(system_problem(path, "close", errno));
  return {};
}

std::string temporary_name(const std::string& base) {
  return fmt::format(".tmp-{}-{}", ::getpid(), base);
}

// Where the archive writes before renaming into place: a folder of its own, so that
// open() looks for a dead process's leftovers there and never lists the whole archive
// (10,000 mails made every start 15 ms slower).
constexpr const char* k_temporary_folder = ".tmp";

} // namespace

core::Result<std::string> read_all(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    return std::unexpected(system_problem(path, "read", errno));
  std::string bytes;
  char buffer[65536];
  for (;;) {
    const auto got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return std::unexpected(system_problem(path, "read", errno));
    if (got == 0)
      break;
    bytes.append(buffer, static_cast<std::size_t>(got));
  }
  return bytes;
}

core::Result<void> sync_path(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    return std::unexpected(system_problem(path, "open", errno));
  if (::fsync(fd.get()) != 0)
    return std::unexpected(system_problem(path, "fsync", errno));
  return {};
}

namespace {

// write_durably(), and replace_atomically() with durable = no.
core::Result<void> replace_file(const fs::path& path, std::string_view bytes,
                                const fs::path& temporary_folder, unsigned mode, Durable durable) {
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const fs::path temporary = (temporary_folder.empty() ? folder : temporary_folder) /
                             temporary_name(path.filename().string());
  ::unlink(temporary.c_str()); // left by a crash of a process with the same pid
  if (auto written = write_new_file(temporary, bytes, mode, durable); !written) {
    ::unlink(temporary.c_str());
    return written;
  }
  // Order is important: when durable, the data is on disk before the name points at it,
  // and the folder is synced so that the rename itself survives a power loss.
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return std::unexpected(system_problem(path, "rename into place", error));
  }
  return durable == Durable::yes ? sync_path(folder) : core::Result<void>{};
}

} // namespace

core::Result<void> write_durably(const fs::path& path, std::string_view bytes,
                                 const fs::path& temporary_folder, unsigned mode) {
  return replace_file(path, bytes, temporary_folder, mode, Durable::yes);
}

core::Result<void> replace_atomically(const fs::path& path, std::string_view bytes) {
  return replace_file(path, bytes, {}, 0640, Durable::no);
}

core::Result<void> Archive::open() const {
  std::error_code error;
  const fs::path temporaries = m_root / k_temporary_folder;
  fs::create_directories(temporaries, error);
  if (error)
    return core::fail(m_root.string(), "cannot create the archive folder: " + error.message(),
                      "check the state folder's owner and permissions");
  // Temporary files of processes that died (".tmp-<pid>-..."): a live process's are
  // left alone, since it may be writing them now.
  for (const auto& entry : fs::directory_iterator(temporaries, error)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with(".tmp-"))
      continue;
    const auto pid = std::atol(name.c_str() + 5);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove_all(entry.path(), ignored);
    }
  }
  return {};
}

fs::path Archive::raw_path(const std::string& sha256) const {
  return m_root / (sha256 + ".eml");
}

fs::path Archive::attachment_dir(const std::string& sha256) const {
  return m_root / sha256;
}

bool Archive::has(const std::string& sha256) const {
  // A mail of the batch in flight is as good as archived: the same bytes twice in one
  // batch are placed once.
  if (std::ranges::any_of(m_pending, [&](const Placement& p) { return p.sha256 == sha256; }))
    return true;
  return kept(sha256);
}

bool Archive::kept(const std::string& sha256) const {
  struct stat info {};
  const auto path = raw_path(sha256);
  return ::lstat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

StoredMail Archive::where_kept(std::string_view raw,
                               const std::vector<message::Attachment>& attachments,
                               std::string_view raw_sha256) const {
  StoredMail stored;
  stored.sha256 = raw_sha256.empty() ? message::sha256_hex(raw) : std::string(raw_sha256);
  stored.raw_path = raw_path(stored.sha256);
  std::vector<std::string> originals;
  for (const auto& attachment : attachments)
    originals.push_back(attachment.filename);
  const auto names = unique_file_names(originals);
  for (std::size_t i = 0; i < attachments.size(); ++i)
    stored.attachments.push_back(
        {attachments[i].filename, names[i], attachments[i].sha256, attachments[i].size});
  return stored;
}

template <typename WriteAttachments, typename WriteRaw>
core::Result<StoredMail>
Archive::store_with(std::string_view raw, const std::vector<message::Attachment>& attachments,
                    std::string_view raw_sha256, WriteAttachments&& write_attachments,
                    WriteRaw&& write_raw) const {
  auto stored = where_kept(raw, attachments, raw_sha256);
  if (has(stored.sha256))
    return stored; // archived before: the bytes are the same, by their name

  struct stat info {};
  const fs::path final_dir = attachment_dir(stored.sha256);
  if (!attachments.empty() && ::lstat(final_dir.c_str(), &info) != 0) {
    // The attachments go into a temporary folder that is renamed as a whole, so a
    // crash never leaves half of them under the final name.
    auto temporary = write_attachments(stored.sha256, stored.attachments);
    if (!temporary)
      return std::unexpected(temporary.error());
    // An empty path: nothing to keep (facts parsed without their bytes).
    if (!temporary->empty()) {
      if (auto synced = sync_path(*temporary); !synced)
        return std::unexpected(synced.error());
      if (::rename(temporary->c_str(), final_dir.c_str()) != 0) {
        const int rename_error = errno;
        std::error_code error;
        fs::remove_all(*temporary, error);
        // Another process may have stored the same mail first; that copy is as good.
        if (rename_error != EEXIST && rename_error != ENOTEMPTY)
          return std::unexpected(system_problem(final_dir, "rename into place", rename_error));
      }
    }
  }
  if (auto written = write_raw(stored.raw_path); !written)
    return std::unexpected(written.error());
  return stored;
}

core::Result<StoredMail> Archive::store(std::string_view raw,
                                        const std::vector<message::Attachment>& attachments,
                                        std::string_view raw_sha256) const {
  bool any_bytes = false;
  for (const auto& attachment : attachments)
    any_bytes = any_bytes || !attachment.bytes.empty() || attachment.size == 0;
  const auto write = [&](const std::string& sha256,
                         const std::vector<StoredAttachment>& files) -> core::Result<fs::path> {
    if (!any_bytes)
      return fs::path();
    const fs::path temporary = m_root / k_temporary_folder / temporary_name(sha256);
    std::error_code error;
    fs::remove_all(temporary, error);
    if (::mkdir(temporary.c_str(), 0750) != 0)
      return std::unexpected(system_problem(temporary, "create", errno));
    for (std::size_t i = 0; i < attachments.size(); ++i) {
      // Every name comes from unique_file_names: one component, no "..", no "/".
      if (auto written = write_new_file(temporary / files[i].stored_name, attachments[i].bytes);
          !written) {
        fs::remove_all(temporary, error);
        return std::unexpected(written.error());
      }
    }
    return temporary;
  };
  const auto write_raw = [&](const fs::path& path) {
    return write_durably(path, raw, m_root / k_temporary_folder);
  };
  return store_with(raw, attachments, raw_sha256, write, write_raw);
}

core::Result<StoredMail> Archive::store(std::string_view raw,
                                        const std::vector<message::Attachment>& attachments,
                                        std::string_view raw_sha256, Staging& staged) const {
  if (auto problem = staged.finish(!m_batched))
    return std::unexpected(*problem);
  if (m_batched) {
    // Placed, with the rest of the batch, by sync_batch().
    auto stored = where_kept(raw, attachments, raw_sha256);
    if (auto named = staged.name_parts(stored.attachments); !named)
      return std::unexpected(named.error());
    Placement placement{stored.sha256, staged.m_raw, {}, {}};
    for (const auto& file : stored.attachments)
      placement.files.push_back(staged.m_folder / file.stored_name);
    if (!attachments.empty())
      placement.folder_temporary = staged.m_folder;
    else if (staged.m_parts > 0)
      ::rmdir(staged.m_folder.c_str());
    m_pending.push_back(std::move(placement));
    staged.release();
    return stored;
  }
  const auto name = [&](const std::string&,
                        const std::vector<StoredAttachment>& files) -> core::Result<fs::path> {
    if (auto named = staged.name_parts(files); !named)
      return std::unexpected(named.error());
    return staged.m_folder;
  };
  // Written and fsync'ed by finish(): only the rename, and the folder's fsync, are left.
  const auto place_raw = [&](const fs::path& path) -> core::Result<void> {
    if (::rename(staged.m_raw.c_str(), path.c_str()) != 0)
      return std::unexpected(system_problem(path, "rename into place", errno));
    return sync_path(m_root);
  };
  return store_with(raw, attachments, raw_sha256, name, place_raw);
}

core::Result<std::unique_ptr<Staging>> Archive::stage_empty() const {
  static std::atomic<unsigned> s_next{0};
  const auto base = fmt::format("stage-{}", s_next++);
  const fs::path temporaries = m_root / k_temporary_folder;
  std::unique_ptr<Staging> staging(
      new Staging(temporaries / temporary_name(base), temporaries / temporary_name(base + ".eml")));
  const auto create = [&] {
    return ::open(staging->m_raw.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                  0640);
  };
  staging->m_raw_fd = create();
  if (staging->m_raw_fd < 0 && errno == EEXIST) {
    // A dead process's, with the same pid (open() leaves a live pid's alone): only then is
    // anything removed, so a mail costs no lookups of names that are not there.
    std::error_code error;
    fs::remove_all(staging->m_folder, error);
    ::unlink(staging->m_raw.c_str());
    staging->m_raw_fd = create();
  }
  if (staging->m_raw_fd < 0)
    return std::unexpected(system_problem(staging->m_raw, "create", errno));
  return staging;
}

core::Result<std::unique_ptr<Staging>> Archive::stage(std::string_view raw) const {
  auto staging = stage_empty();
  if (!staging)
    return staging;
  if (auto written = write_all((*staging)->m_raw_fd, (*staging)->m_raw, raw); !written)
    return std::unexpected(written.error());
  start_writeback((*staging)->m_raw_fd);
  return staging;
}

// Archive::begin_stage_ahead: a Staging whose raw file is written a piece at a time, and
// given its hash at the end.
class RawWrittenAhead final : public pipeline::StagingAhead {
public:
  RawWrittenAhead(const Archive& archive, std::unique_ptr<Staging> staging)
      : m_archive(archive), m_staging(std::move(staging)) {}

  void write(std::string_view bytes) override {
    // A failed write drops the file: parse_and_store() writes the mail itself, and reports.
    if (m_staging && !write_all(m_staging->m_raw_fd, m_staging->m_raw, bytes))
      m_staging.reset();
  }

  std::shared_ptr<pipeline::StagedRaw> finish(std::string_view raw_sha256) override {
    if (!m_staging || raw_sha256.empty() || m_archive.kept(std::string(raw_sha256)))
      return nullptr;
    start_writeback(m_staging->m_raw_fd);
    return Staging::made_ahead(std::move(m_staging), raw_sha256);
  }

private:
  const Archive& m_archive;
  std::unique_ptr<Staging> m_staging;
};

std::unique_ptr<pipeline::StagingAhead> Archive::begin_stage_ahead() const {
  auto staging = stage_empty();
  if (!staging)
    return nullptr;
  return std::make_unique<RawWrittenAhead>(*this, std::move(*staging));
}

std::shared_ptr<pipeline::StagedRaw> Archive::stage_ahead(std::string_view raw,
                                                          std::string_view raw_sha256) const {
  // Bytes kept already are not written again (a folder read anew after its UIDVALIDITY
  // changed would write gigabytes only to remove them).
  if (raw_sha256.empty() || kept(std::string(raw_sha256)))
    return nullptr;
  auto staged = stage(raw);
  if (!staged)
    return nullptr;
  return Staging::made_ahead(std::move(*staged), raw_sha256);
}

std::shared_ptr<pipeline::StagedRaw> Staging::made_ahead(std::unique_ptr<Staging> staging,
                                                         std::string_view raw_sha256) {
  if (::close(std::exchange(staging->m_raw_fd, -1)) != 0)
    return nullptr;
  staging->m_sha256 = raw_sha256;
  return std::shared_ptr<Staging>(std::move(staging));
}

Staging::~Staging() {
  for (const auto& [fd, path] : m_written)
    ::close(fd);
  if (m_fd >= 0)
    ::close(m_fd);
  if (m_raw_fd >= 0)
    ::close(m_raw_fd);
  // Still here unless store() renamed them into place or handed them to the batch.
  if (!m_raw.empty())
    ::unlink(m_raw.c_str());
  std::error_code error;
  if (!m_folder.empty())
    fs::remove_all(m_folder, error);
}

std::string Staging::part_name(std::size_t index) {
  return fmt::format(".part-{}", index);
}

core::Result<void> Staging::name_parts(const std::vector<StoredAttachment>& files) {
  // Every name comes from unique_file_names: one component, no "..", no "/", and no
  // leading dot, so it never meets a ".part-N" still to be renamed.
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto from = m_folder / part_name(i);
    if (::rename(from.c_str(), (m_folder / files[i].stored_name).c_str()) != 0)
      return std::unexpected(system_problem(from, "rename", errno));
  }
  // Parts begun but never finished (the parser gave up half-way) are not attachments.
  for (std::size_t i = files.size(); i < m_parts; ++i)
    ::unlink((m_folder / part_name(i)).c_str());
  return {};
}

void Staging::note(std::optional<core::Problem> problem) {
  if (problem && !m_problem)
    m_problem = std::move(problem);
}

void Staging::begin(std::size_t index) {
  close_current();
  if (m_problem)
    return;
  // The folder is made for the first attachment: most mails have none, and a folder
  // made and removed for each costs the filesystem more than the mail's own file.
  if (m_parts == 0 && ::mkdir(m_folder.c_str(), 0750) != 0 && errno != EEXIST) {
    note(system_problem(m_folder, "create", errno));
    return;
  }
  m_parts = std::max(m_parts, index + 1);
  m_current = m_folder / part_name(index);
  m_fd = ::open(m_current.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (m_fd < 0)
    note(system_problem(m_current, "create", errno));
}

void Staging::write(std::string_view bytes) {
  if (m_fd < 0)
    return;
  if (auto written = write_all(m_fd, m_current, bytes); !written) {
    note(written.error());
    ::close(std::exchange(m_fd, -1));
  }
}

void Staging::restart() {
  if (m_fd < 0)
    return;
  if (::ftruncate(m_fd, 0) != 0 || ::lseek(m_fd, 0, SEEK_SET) != 0) {
    note(system_problem(m_current, "rewrite", errno));
    ::close(std::exchange(m_fd, -1));
  }
}

void Staging::close_current() {
  if (m_fd < 0)
    return;
  const int fd = std::exchange(m_fd, -1);
  // A mail may have a thousand parts: past a few, each is fsync'ed and closed at once
  // rather than held open.
  if (m_written.size() < k_files_awaiting_fsync) {
    start_writeback(fd);
    m_written.emplace_back(fd, m_current);
    return;
  }
  note(sync_and_close(fd, m_current));
}

std::optional<core::Problem> Staging::finish(bool sync) {
  close_current();
  const auto done = [&](int fd, const fs::path& path) {
    if (sync)
      note(sync_and_close(fd, path));
    else if (::close(fd) != 0)
      note(system_problem(path, "close", errno));
  };
  for (const auto& [fd, path] : m_written)
    done(fd, path);
  m_written.clear();
  if (m_raw_fd >= 0) {
    done(std::exchange(m_raw_fd, -1), m_raw);
  } else if (sync && !m_finished) { // made ahead, and closed then
    if (auto synced = sync_path(m_raw); !synced)
      note(synced.error());
  }
  m_finished = true;
  return m_problem;
}

core::Result<void> Archive::sync_pending() const {
  if (m_batch_sync == BatchSync::filesystem) {
    Fd fd(::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0)
      return std::unexpected(system_problem(m_root, "open", errno));
    if (::syncfs(fd.get()) != 0)
      return std::unexpected(system_problem(m_root, "syncfs", errno));
    return {};
  }
  const auto data = [](const fs::path& path) -> core::Result<void> {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
      return std::unexpected(system_problem(path, "open", errno));
    if (::fdatasync(fd.get()) != 0)
      return std::unexpected(system_problem(path, "fsync", errno));
    return {};
  };
  for (const auto& placement : m_pending) {
    for (const auto& file : placement.files)
      if (auto synced = data(file); !synced)
        return synced;
    if (!placement.folder_temporary.empty())
      if (auto synced = sync_path(placement.folder_temporary); !synced)
        return synced;
    if (auto synced = data(placement.raw_temporary); !synced)
      return synced;
  }
  return {};
}

core::Result<void> Archive::sync_batch() const {
  if (m_pending.empty())
    return {};
  // Order is important: every byte durable, then the names, then the folder, as for one
  // mail (store()): a `<sha256>.eml` in place is complete with its attachments.
  if (auto synced = sync_pending(); !synced) {
    drop_batch();
    return synced;
  }
  for (const auto& placement : m_pending) {
    if (!placement.folder_temporary.empty()) {
      const auto final_dir = attachment_dir(placement.sha256);
      if (::rename(placement.folder_temporary.c_str(), final_dir.c_str()) != 0) {
        const int error = errno;
        // Another process stored the same mail first; that copy is as good.
        std::error_code ignored;
        fs::remove_all(placement.folder_temporary, ignored);
        if (error != EEXIST && error != ENOTEMPTY) {
          drop_batch();
          return std::unexpected(system_problem(final_dir, "rename into place", error));
        }
      }
    }
    const auto path = raw_path(placement.sha256);
    if (::rename(placement.raw_temporary.c_str(), path.c_str()) != 0) {
      const auto problem = system_problem(path, "rename into place", errno);
      drop_batch();
      return std::unexpected(problem);
    }
  }
  m_pending.clear();
  return sync_path(m_root);
}

void Archive::drop_batch() const {
  for (const auto& placement : m_pending) {
    ::unlink(placement.raw_temporary.c_str());
    if (!placement.folder_temporary.empty()) {
      std::error_code error;
      fs::remove_all(placement.folder_temporary, error);
    }
  }
  m_pending.clear();
}

core::Result<ParsedMail> parse_and_store(const Archive& archive, std::string_view raw,
                                         std::string_view origin, message::ParseOptions options,
                                         Staging* ahead) {
  const auto sha256 =
      options.raw_sha256.empty() ? message::sha256_hex(raw) : std::string(options.raw_sha256);
  options.raw_sha256 = sha256;
  options.keep_attachment_bytes = false;
  options.attachment_writer = nullptr;
  std::unique_ptr<Staging> own;
  Staging* staging = nullptr;
  if (!archive.has(sha256)) {
    if (ahead && ahead->fresh_for(sha256)) {
      staging = ahead;
    } else {
      auto staged = archive.stage(raw);
      if (!staged)
        return std::unexpected(staged.error());
      own = std::move(*staged);
      staging = own.get();
    }
    options.attachment_writer = staging;
  }
  ParsedMail parsed{message::parse(raw, origin, options), {}};
  auto stored = staging ? archive.store(raw, parsed.facts.attachments, sha256, *staging)
                        : archive.store(raw, parsed.facts.attachments, sha256);
  if (!stored)
    return std::unexpected(stored.error());
  parsed.stored = std::move(*stored);
  return parsed;
}

core::Result<pipeline::ArchivedMail> Archive::parse_and_store(std::string_view raw,
                                                              std::string_view origin,
                                                              std::string_view raw_sha256,
                                                              pipeline::StagedRaw* staged) const {
  message::ParseOptions options;
  options.raw_sha256 = raw_sha256;
  const bool oversized = m_max_mail_size > 0 && raw.size() > m_max_mail_size;
  if (oversized) {
    // Only the header is read, so no part of a mail over the limit is ever decoded.
    const auto end = raw.find("\n\r\n") != std::string_view::npos ? raw.find("\n\r\n") + 3
                     : raw.find("\n\n") != std::string_view::npos
                         ? raw.find("\n\n") + 2
                         : std::min<std::size_t>(raw.size(), 64u << 10);
    options.limits.max_message_bytes = std::min<std::size_t>(end, 1u << 20);
  }
  auto parsed =
      archive::parse_and_store(*this, raw, origin, options, dynamic_cast<Staging*>(staged));
  if (parsed && oversized) {
    parsed->facts.size = raw.size();
    parsed->facts.limit_exceeded = {
        fmt::format("{}: the mail is {:.1f} MB, the desk takes at most {:.1f} MB; kept as it came, "
                    "not read",
                    pipeline::k_over_max_mail_size, static_cast<double>(raw.size()) / (1 << 20),
                    static_cast<double>(m_max_mail_size) / (1 << 20))};
  }
  if (!parsed)
    return std::unexpected(parsed.error());
  pipeline::ArchivedMail out;
  out.sha256 = parsed->stored.sha256;
  out.archive_path = "archive/" + parsed->stored.raw_path.filename().string();
  const auto& stored = parsed->stored.attachments;
  const auto& facts = parsed->facts.attachments;
  for (std::size_t i = 0; i < stored.size() && i < facts.size(); ++i)
    out.attachments.push_back({stored[i].original_name, stored[i].stored_name,
                               facts[i].content_type, static_cast<std::int64_t>(stored[i].size),
                               stored[i].sha256});
  out.facts = std::move(parsed->facts);
  return out;
}

core::Result<pipeline::ArchivedMail> Archive::store_unread(std::string_view raw) const {
  const auto sha256 = message::sha256_hex(raw);
  auto stored = store(raw, {}, sha256);
  if (!stored)
    return std::unexpected(stored.error());
  pipeline::ArchivedMail out;
  out.sha256 = sha256;
  out.archive_path = "archive/" + stored->raw_path.filename().string();
  out.facts.sha256 = sha256;
  out.facts.size = raw.size();
  return out;
}

void WorkMarker::load() {
  m_loaded = true;
  auto text = read_all(m_path);
  if (!text)
    return;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto newline = rest.find('\n');
    const auto line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    const auto space = line.find(' ');
    if (space == std::string_view::npos || line.find(' ', space + 1) == std::string_view::npos)
      continue;
    const int count = std::atoi(std::string(line.substr(0, space)).c_str());
    if (count > 0)
      m_deaths.push_back({std::string(line.substr(space + 1)), count});
  }
}

std::string WorkMarker::carried() const {
  std::string text;
  for (const auto& death : m_deaths)
    if (death.mail != m_current)
      text += fmt::format("{} {}\n", death.count, death.mail);
  return text;
}

core::Result<void> WorkMarker::write(const std::string& text) {
  // The note must outlive the process, not a power loss (which is no mail's doing and
  // would only cost a count): written into the page cache, no fsync, so a backlog pays no
  // extra disk flush per mail.
  if (m_fd < 0)
    m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (m_fd < 0)
    return std::unexpected(system_problem(m_path, "create", errno));
  std::string_view rest = text;
  for (off_t at = 0; !rest.empty();) {
    const auto written = ::pwrite(m_fd, rest.data(), rest.size(), at);
    if (written < 0 && errno == EINTR)
      continue;
    if (written < 0)
      return std::unexpected(system_problem(m_path, "write", errno));
    rest.remove_prefix(static_cast<std::size_t>(written));
    at += written;
  }
  if (::ftruncate(m_fd, static_cast<off_t>(text.size())) != 0)
    return std::unexpected(system_problem(m_path, "write", errno));
  return {};
}

WorkMarker::~WorkMarker() {
  if (m_fd < 0)
    return;
  ::close(m_fd);
  if (m_deaths.empty() && m_current.empty())
    ::unlink(m_path.c_str());
}

core::Result<int> WorkMarker::begin(const pipeline::RawMail& mail) {
  if (!m_loaded)
    load();
  m_current = fmt::format("{} {}", mail.raw.size(), mail.source);
  const auto found = std::ranges::find(m_deaths, m_current, &Death::mail);
  const int attempts = found == m_deaths.end() ? 0 : found->count;
  if (auto written = write(fmt::format("{} {}\n", attempts + 1, m_current) + carried()); !written)
    return std::unexpected(written.error());
  return attempts;
}

void WorkMarker::end() {
  // The mail's work ended without a death: its earlier deaths are forgiven.
  std::erase_if(m_deaths, [&](const Death& death) { return death.mail == m_current; });
  if (m_deaths.size() > k_deaths_kept)
    m_deaths.erase(m_deaths.begin(), m_deaths.end() - k_deaths_kept);
  m_current.clear();
  // Need not be durable: a marker that comes back after a power loss names a mail the
  // ledger has by then (it is known before any work begins), or one that is offered again
  // and counts one death too many, never enough alone to fail it.
  if (!write(m_deaths.empty() ? std::string() : carried()))
    ::unlink(m_path.c_str());
}

core::Result<std::string> Archive::raw_of(const pipeline::MailRow& mail) const {
  return read_all(m_root.parent_path() / mail.archive_path);
}

} // namespace mailroom::archive
