#pragma once

#include "core/problem.hpp"
#include "message/facts.hpp"
#include "pipeline/ports.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::archive {

struct StoredAttachment {
  std::string original_name; // as the mail named it (decoded), for display
  std::string stored_name;   // sanitized, unique within the mail
  std::string sha256;
  std::uint64_t size = 0;
};

// Where one mail's bytes are kept: `<root>/<sha256>.eml`, and its attachments in
// `<root>/<sha256>/`.
struct StoredMail {
  std::string sha256; // of the raw bytes, hex
  std::filesystem::path raw_path;
  std::vector<StoredAttachment> attachments;
};

class Archive;
class RawWrittenAhead;

// One mail being archived: its raw bytes written at once to a temporary file, and its
// attachments as the parser decodes them (message::AttachmentWriter) into a folder of
// their own under archive/.tmp; Archive::store fsyncs them and renames them into place.
// The disk writes each file back while the next one is decoded (sync_file_range), so
// store()'s fsyncs mostly find the data written. Dropped without store(), it removes its
// files. A write that fails (disk full) is kept and reported by store(). Made ahead, on
// the thread that fetched the mail (Archive::stage_ahead), it is a pipeline::StagedRaw.
class Staging final : public message::AttachmentWriter, public pipeline::StagedRaw {
public:
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  ~Staging() override;

  void begin(std::size_t index) override;
  void write(std::string_view bytes) override;
  void restart() override;

  // Whether this was made ahead for the bytes with this hash and nothing has been done
  // with them yet: a Staging made ahead serves one parse_and_store() of its mail.
  [[nodiscard]] bool fresh_for(std::string_view raw_sha256) const {
    return !m_finished && !m_sha256.empty() && m_sha256 == raw_sha256 && m_parts == 0 && !m_problem;
  }

private:
  friend class Archive;
  friend class RawWrittenAhead;
  Staging(std::filesystem::path folder, std::filesystem::path raw)
      : m_folder(std::move(folder)), m_raw(std::move(raw)) {}
  // Ends the attachment being written: its writeback started, its descriptor kept for
  // finish() (or, past a few, fsync'ed and closed now).
  void close_current();
  // fsyncs (with `sync`; else only closes, for a batch's one sync pass) and closes every
  // file written, the raw one too (by its name when made ahead); the first problem.
  [[nodiscard]] std::optional<core::Problem> finish(bool sync = true);
  // `staging`, its raw bytes all written (hash `raw_sha256`), as made ahead: its file
  // closed, to be synced by its name later (each mail waiting to be recorded would hold a
  // descriptor, and a backlog of small mails waits by the thousand); null if the close
  // failed.
  static std::shared_ptr<pipeline::StagedRaw> made_ahead(std::unique_ptr<Staging> staging,
                                                         std::string_view raw_sha256);
  // The files are the archive's batch's now (Archive::sync_batch places them): the
  // destructor leaves them.
  void release() {
    m_raw.clear();
    m_folder.clear();
  }
  void note(std::optional<core::Problem> problem);
  static std::string part_name(std::size_t index);
  // Renames the first parts to their attachments' stored names, in order, and removes the
  // parts begun after them; a Problem names the part a rename failed on.
  [[nodiscard]] core::Result<void> name_parts(const std::vector<StoredAttachment>& files);

  std::filesystem::path m_folder; // the attachments
  std::filesystem::path m_raw;    // the raw message, beside the folder
  int m_raw_fd = -1;              // open until finish(); closed at once when made ahead
  std::string m_sha256;           // of the raw bytes, when made ahead (stage_ahead)
  bool m_finished = false;
  int m_fd = -1;
  std::filesystem::path m_current;
  std::vector<std::pair<int, std::filesystem::path>> m_written; // awaiting fsync
  std::size_t m_parts = 0;                                      // one past the highest index begun
  std::optional<core::Problem> m_problem;
};

// The archive folder of a state folder: raw messages, content-addressed, written
// once. Storing the same bytes twice finds the first copy and writes nothing.
// Not thread-safe; two processes storing the same mail at once both end with the
// same complete files (each writes its own temporary name, rename is atomic).
class Archive final : public pipeline::MailArchive {
public:
  explicit Archive(std::filesystem::path root) : m_root(std::move(root)) {}

  // The engine's port: archive::parse_and_store, with the attachment rows the ledger
  // keeps, and paths relative to the state folder (the archive's parent).
  [[nodiscard]] core::Result<pipeline::ArchivedMail>
  parse_and_store(std::string_view raw, std::string_view origin, std::string_view raw_sha256,
                  pipeline::StagedRaw* staged) const override;
  // stage(), for a mail fetched ahead, its file closed at once: a Staging, or null when
  // the bytes are kept already (kept()) or could not be written.
  [[nodiscard]] std::shared_ptr<pipeline::StagedRaw>
  stage_ahead(std::string_view raw, std::string_view raw_sha256) const override;
  // The same, written piece by piece as the bytes arrive (RawWrittenAhead).
  [[nodiscard]] std::unique_ptr<pipeline::StagingAhead> begin_stage_ahead() const override;
  [[nodiscard]] core::Result<std::string> raw_of(const pipeline::MailRow& mail) const override;
  [[nodiscard]] core::Result<pipeline::ArchivedMail>
  store_unread(std::string_view raw) const override;

  // Group commit (pipeline::MailArchive): from begin_batch() on, a mail's files are
  // written to archive/.tmp without an fsync and placed by sync_batch(), which makes the
  // whole batch durable in one pass (see BatchSync), then renames each mail's files into
  // place and fsyncs the archive folder once. So a `<sha256>.eml` in place is complete, as
  // without a batch, and a death before sync_batch() leaves only temporary files (removed
  // by the next open()). drop_batch() removes what a batch staged.
  void begin_batch() const override { m_batched = true; }
  [[nodiscard]] core::Result<void> sync_batch() const override;
  void drop_batch() const override;

  // How a batch is made durable: one syncfs(2) of the state folder's filesystem (the
  // default), or one fdatasync per file and one fsync per folder. Measured on 5,000 small
  // mails from a Maildir (README, Benchmarks): 4.6 s against 20.8 s, each fdatasync
  // waiting ~3 ms for the disk where one syncfs per 256 mails waits about as long once.
  enum class BatchSync { filesystem, each_file };
  void set_batch_sync(BatchSync how) { m_batch_sync = how; }

  // A mail larger than `bytes` is stored as it came with only its header read (no part
  // decoded), its facts marked pipeline::k_over_max_mail_size; 0: no limit.
  void set_max_mail_size(std::size_t bytes) { m_max_mail_size = bytes; }

  // Creates the folder (and its .tmp folder for writes in progress) if needed, and
  // removes the temporary files of processes that died while writing (a crash between
  // write and rename). Call it before store().
  [[nodiscard]] core::Result<void> open() const;

  // Stores `raw` and the decoded bytes of `attachments` (those with `bytes`; see
  // message::ParseOptions::keep_attachment_bytes). Order is important: attachments
  // first, then the raw message, each written to a temporary name, fsync'ed, renamed,
  // and the folder fsync'ed, so that a `<sha256>.eml` that exists is complete with its
  // attachments. A Problem names the file and the system error (disk full, ...).
  // `raw_sha256`, when the caller has it already (message::parse computes it), saves
  // hashing gigabytes twice on a backlog.
  [[nodiscard]] core::Result<StoredMail> store(std::string_view raw,
                                               const std::vector<message::Attachment>& attachments,
                                               std::string_view raw_sha256 = {}) const;

  // Whether the raw message with this hash is archived already.
  [[nodiscard]] bool has(const std::string& sha256) const;
  // Whether it is in place on disk (has(), less the batch in flight): safe on any thread.
  [[nodiscard]] bool kept(const std::string& sha256) const;

  // Starts archiving a mail about to be parsed: writes `raw` to a temporary file and
  // makes a folder for its attachments (see Staging).
  [[nodiscard]] core::Result<std::unique_ptr<Staging>> stage(std::string_view raw) const;

  // store() for a mail whose attachment bytes went to `staged` while it was parsed:
  // `attachments` are the parsed facts (names, sizes, hashes; no bytes).
  [[nodiscard]] core::Result<StoredMail> store(std::string_view raw,
                                               const std::vector<message::Attachment>& attachments,
                                               std::string_view raw_sha256, Staging& staged) const;

  // Where a mail with this hash is (or would be) kept.
  [[nodiscard]] std::filesystem::path raw_path(const std::string& sha256) const;
  [[nodiscard]] std::filesystem::path attachment_dir(const std::string& sha256) const;
  [[nodiscard]] const std::filesystem::path& root() const { return m_root; }

private:
  // stage() with the raw file made and still empty.
  [[nodiscard]] core::Result<std::unique_ptr<Staging>> stage_empty() const;
  // A mail of a batch, written and not yet in place.
  struct Placement {
    std::string sha256;
    std::filesystem::path raw_temporary;
    std::filesystem::path folder_temporary;   // empty: no attachments to place
    std::vector<std::filesystem::path> files; // in folder_temporary
  };
  [[nodiscard]] core::Result<void> sync_pending() const;

  std::size_t m_max_mail_size = 0;
  mutable bool m_batched = false;
  mutable std::vector<Placement> m_pending;
  BatchSync m_batch_sync = BatchSync::filesystem;
  // Where `raw` is kept (its hash is `raw_sha256`, or computed when that is empty), and
  // each of `attachments` under a file name of its own.
  [[nodiscard]] StoredMail where_kept(std::string_view raw,
                                      const std::vector<message::Attachment>& attachments,
                                      std::string_view raw_sha256) const;
  // The common part of both store()s: `write_attachments` fills the temporary folder with
  // the stored attachments it is given, `write_raw` puts the raw bytes durably at the path
  // it is given.
  template <typename WriteAttachments, typename WriteRaw>
  core::Result<StoredMail>
  store_with(std::string_view raw, const std::vector<message::Attachment>& attachments,
             std::string_view raw_sha256, WriteAttachments&& write_attachments,
             WriteRaw&& write_raw) const;

  std::filesystem::path m_root;
};

// The engine's note of the mail it is working on (pipeline::WorkLog): `state/working`,
// lines "ATTEMPTS SIZE SOURCE", written before a mail's work starts (to the page cache: it
// must outlive a process, not a power loss) and taken back when it ends. Its first line
// names the mail being worked on; the others, mails a process died on before that have not
// been worked on again since. A process reads the file once, at its first begin(): each
// line is a mail a process died on, ATTEMPTS times so far; an empty file notes nothing. Those
// counts are carried until their mail is worked on again: with group commit a death drops the whole
// batch, so the next start works on the mails before the one that died first, and must not forget
// it meanwhile. Not thread-safe; one per process (the state folder's lock makes it one per folder).
class WorkMarker final : public pipeline::WorkLog {
public:
  explicit WorkMarker(std::filesystem::path path) : m_path(std::move(path)) {}
  WorkMarker(const WorkMarker&) = delete;
  WorkMarker& operator=(const WorkMarker&) = delete;
  // Removes the file when it notes nothing.
  ~WorkMarker() override;
  [[nodiscard]] core::Result<int> begin(const pipeline::RawMail& mail) override;
  void end() override;

  // How many earlier deaths are carried at most (the newest): a mail that never comes again
  // (moved away) is forgotten after this many others died.
  static constexpr std::size_t k_deaths_kept = 8;

private:
  struct Death {
    std::string mail; // "SIZE SOURCE"
    int count = 0;
  };
  void load();
  [[nodiscard]] core::Result<void> write(const std::string& text);
  [[nodiscard]] std::string carried() const; // the lines of m_deaths but the current mail

  std::filesystem::path m_path;
  // Kept open, and emptied rather than removed between mails: a file made and removed for
  // each mail cost ext4 a search past its recently deleted inodes at every create (the
  // archive's too): 15% of a small-mail backlog's samples.
  int m_fd = -1;
  bool m_loaded = false;
  std::vector<Death> m_deaths; // oldest first
  std::string m_current;       // "SIZE SOURCE" of the mail being worked on
};

// A mail's facts and where its bytes are kept.
struct ParsedMail {
  message::MessageFacts facts;
  StoredMail stored;
};

// Parses `raw` and archives it, the way every mail comes in: hashed once (not at all
// when options.raw_sha256 has its hash already), its attachments written to disk as they are
// decoded (never held in memory beside the mail), and nothing written when the same bytes are
// archived already. `ahead`, when it holds these bytes unused (Archive::stage_ahead), saves
// writing them again.
[[nodiscard]] core::Result<ParsedMail> parse_and_store(const Archive& archive, std::string_view raw,
                                                       std::string_view origin,
                                                       message::ParseOptions options = {},
                                                       Staging* ahead = nullptr);

// Reads a whole file, or a Problem naming it.
[[nodiscard]] core::Result<std::string> read_all(const std::filesystem::path& path);

// Writes `bytes` to `path` by way of a temporary name in `temporary_folder` (default:
// path's own folder; it must be on the same filesystem): write, fsync, rename, fsync
// path's folder. Replaces an existing file atomically, so a reader sees the old file or
// the new one, never a part. The one durable write of every file mailroom keeps.
[[nodiscard]] core::Result<void> write_durably(const std::filesystem::path& path,
                                               std::string_view bytes,
                                               const std::filesystem::path& temporary_folder = {},
                                               unsigned mode = 0640);

// write_durably() without its fsyncs, in path's own folder: a reader still sees the old
// file or the new one, never a part, but after a power loss it may be the old one. For a
// file that says what is going on rather than what happened (the daemon's status,
// rewritten after every poll), so that no poll waits for the disk twice for it.
[[nodiscard]] core::Result<void> replace_atomically(const std::filesystem::path& path,
                                                    std::string_view bytes);

// fsync of a file or a folder by path.
[[nodiscard]] core::Result<void> sync_path(const std::filesystem::path& path);

} // namespace mailroom::archive
