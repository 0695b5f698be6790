#pragma once

#include "core/problem.hpp"
#include "judge/decision.hpp"
#include "pipeline/ports.hpp"
#include "pipeline/records.hpp"
#include "pipeline/scheduled.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mailroom::ledger {

// The records this adapter stores are the engine's values.
using pipeline::Actor;
using pipeline::AttachmentRow;
using pipeline::AuditRow;
using pipeline::ConnectionSettings;
using pipeline::DecisionVersion;
using pipeline::ExcusalRow;
using pipeline::ExtensionRow;
using pipeline::Id;
using pipeline::MailRow;
using pipeline::NewMail;
using pipeline::OutgoingReply;
using pipeline::Reclassification;
using pipeline::Reclassified;
using pipeline::Recorded;
using pipeline::RecordOutcome;
using pipeline::Redecided;
using pipeline::ReplyRow;
using pipeline::SourceMail;

// The schema version this build writes; a ledger.db with a higher user_version is
// refused (written by a newer mailroom).
inline constexpr int k_schema_version = 8;
inline constexpr int k_busy_timeout_ms = 10000;
// A WAL larger than this after a checkpoint is worth a warning: a reader is holding it.
inline constexpr std::uintmax_t k_wal_warning_bytes = 64u << 20;

enum class OpenMode {
  create,     // make the state folder and ledger.db when missing (daemon, replay, staff changes)
  must_exist, // a Problem when there is no ledger yet (ledger, show, backup)
};

// The SQLite ledger of one state folder (`<state_dir>/ledger.db`), through
// Poco::Data's SQLite connector. Every connection sets WAL, synchronous=FULL,
// foreign_keys=ON and a busy timeout, and brings the schema up to date (numbered
// migrations on PRAGMA user_version, each in a transaction). One object is one
// connection: use it from one thread; several processes may use the same folder.
// Every method catches Poco's exceptions and yields a Problem naming ledger.db.
class SqliteLedger final : public pipeline::MailStore {
public:
  // Opens (or creates) the ledger of `state_dir`. Problems: the folder is on a
  // network filesystem (WAL needs a local one), the schema is newer than this build,
  // SQLite cannot open or migrate it.
  [[nodiscard]] static core::Result<SqliteLedger> open(const std::filesystem::path& state_dir,
                                                       OpenMode mode);

  SqliteLedger(SqliteLedger&&) noexcept;
  SqliteLedger& operator=(SqliteLedger&&) noexcept;
  ~SqliteLedger();

  [[nodiscard]] core::Result<ConnectionSettings> settings();

  // Whether a mail from `source` was recorded already (cheap; lets the caller skip
  // parsing and archiving where a source always names the same bytes, as a Maildir
  // file name does; an IMAP UID may name other bytes after a restore: use mails_from, E3).
  [[nodiscard]] core::Result<bool> knows_source(const std::string& source);
  // The mails recorded from `source`: the one recorded under it first, and any recorded
  // later as "<source>#sha256=<prefix>" because the source named other bytes by then (a
  // reused IMAP UID, E3). Empty when the source is new. Cheap: by the sources' key.
  [[nodiscard]] core::Result<std::vector<SourceMail>>
  mails_from(const std::string& source) override;

  // Group commit (pipeline::MailStore): every write until commit_batch() is one
  // transaction, each write a savepoint in it; rollback_batch() drops them all.
  [[nodiscard]] core::Result<void> begin_batch() override;
  [[nodiscard]] core::Result<void> commit_batch() override;
  void rollback_batch() override;

  // Records one mail and its decision in one transaction. Exactly once: a known
  // source with the same bytes changes nothing; known bytes from a new source only
  // link that source to the mail recorded first; a known source with other bytes (a
  // reused IMAP UID) is a new mail, kept under "<source>#sha256=<prefix>". The raw
  // bytes must be archived before this is called.
  [[nodiscard]] core::Result<RecordOutcome>
  record(const NewMail& mail, const judge::Decision& decision, core::Instant decided_at,
         const std::optional<OutgoingReply>& reply = std::nullopt,
         const std::vector<OutgoingReply>& notes = {}) override;

  // The outbox. Replies enqueued for `identity` (not suppressed) at or after `since`.
  [[nodiscard]] core::Result<int> replies_since(const std::string& identity, core::Instant since);
  // Replies that went out (marked sent, or bounced since) after `since`: to
  // `recipient` (compared case-insensitively), or to anyone when it is empty. `oldest`
  // is the earliest such send: the window lets one more through when it leaves.
  struct SentCount {
    int count = 0;
    std::optional<core::Instant> oldest;
  };
  [[nodiscard]] core::Result<SentCount> sent_since(core::Instant since,
                                                   const std::string& recipient = "");
  // Queued rows whose next attempt is due at `now`, oldest first.
  [[nodiscard]] core::Result<std::vector<ReplyRow>> due_replies(core::Instant now);
  // Every row in `state` ("failed", ...), or every row when empty; oldest first.
  [[nodiscard]] core::Result<std::vector<ReplyRow>> replies(const std::string& state = "");
  // Claims the queued row `id` for the process `claimer` (state 'sending', claimed_by,
  // claimed_at = `at`) before it is handed to SMTP. One UPDATE on a queued row: of two
  // processes that claim the same row, exactly one gets true; false when the row is no
  // longer queued (another process claimed or sent it), and it must not be sent.
  [[nodiscard]] core::Result<bool> claim_reply(Id id, std::int64_t claimer, core::Instant at);
  // Gives the claim of `claimer` on row `id` back: the row is queued again, due as it
  // was. For a claim whose process died before it could mark the row (see
  // replies("sending")); it changes nothing when the row is no longer claimed by it.
  [[nodiscard]] core::Result<bool> release_claim(Id id, std::int64_t claimer);
  [[nodiscard]] core::Result<void> reply_sent(Id id, core::Instant at);
  // A permanent failure (5xx): never retried, listed by `ledger --status reply-failed`.
  [[nodiscard]] core::Result<void> reply_failed(Id id, const std::string& error);
  // A temporary failure: tried again at `next`. The row is queued again: it was
  // claimed by this process, or never claimed (a row not tried); another process's
  // claim is left alone.
  [[nodiscard]] core::Result<void> reply_retry(Id id, const std::string& error, core::Instant next);
  // A queued row that a send limit holds back: it stays queued and due, `why` goes into
  // its last_error; attempts and next attempt are unchanged.
  [[nodiscard]] core::Result<void> reply_held(Id id, const std::string& why);
  // A bounce (DSN) came back for the sent reply `message_id`: its rows to `recipient`
  // (all its sent rows when empty) become "bounced" with `detail`. Returns how many.
  [[nodiscard]] core::Result<int> reply_bounced(const std::string& message_id,
                                                const std::string& recipient,
                                                const std::string& detail) override;

  // Every mail, oldest arrival first; with `since`, those received at or after it.
  [[nodiscard]] core::Result<std::vector<MailRow>> mails(std::optional<core::Instant> since = {});
  [[nodiscard]] core::Result<std::optional<MailRow>> mail(Id id);
  // Every mail recorded for `group`, or reclassified into it by staff: what a new version
  // of that group is weighed against, without reading the whole ledger per mail.
  [[nodiscard]] core::Result<std::vector<MailRow>>
  mails_of_group(const std::string& group) override;
  [[nodiscard]] core::Result<std::vector<AttachmentRow>> attachments(Id mail_id);
  [[nodiscard]] core::Result<std::vector<DecisionVersion>> decisions(Id mail_id) override;
  [[nodiscard]] core::Result<std::vector<std::string>> sources(Id mail_id);
  // The extensions and excusals in force (not revoked), oldest grant first.
  [[nodiscard]] core::Result<std::vector<ExtensionRow>> extensions();
  [[nodiscard]] core::Result<std::vector<ExcusalRow>> excusals();
  // The ids of the mails staff dismissed from the review queue.
  [[nodiscard]] core::Result<std::vector<Id>> dismissed();
  // With `mail_id`, the rows about that mail only; oldest first.
  [[nodiscard]] core::Result<std::vector<AuditRow>> audit(std::optional<Id> mail_id = {});
  // The first audit row of a staff command by mail with this Message-ID (when not empty)
  // or these bytes: the command was carried out already.
  [[nodiscard]] core::Result<std::optional<Id>> audit_of_mail_command(const std::string& message_id,
                                                                      const std::string& sha256);

  // Staff changes: each writes its row and its audit row in one transaction and
  // returns the audit row's id.
  [[nodiscard]] core::Result<Id> extend(const ExtensionRow& extension, const Actor& actor,
                                        const std::string& reason);
  [[nodiscard]] core::Result<Id> excuse(const ExcusalRow& excusal, const Actor& actor,
                                        const std::string& reason);
  // A reclassification, and in the same transaction the reply its new decision calls
  // for, unless a reply of this mail already has that Message-ID (never queued twice).
  [[nodiscard]] core::Result<Reclassified>
  reclassify(Id mail_id, const Reclassification& change, const Actor& actor,
             const std::string& reason, const std::optional<OutgoingReply>& reply = {});
  // Takes a mail off the review queue: a person looked and nothing is owed. Problem: no
  // such mail.
  [[nodiscard]] core::Result<Id> dismiss(Id mail_id, const Actor& actor, const std::string& reason);
  // Revokes the latest extension (or every excusal) in force for the group's deliverable
  // instance; the rows stay, marked with the revocation's audit row. Nullopt when there
  // was nothing in force to revoke.
  [[nodiscard]] core::Result<std::optional<Id>>
  revoke_extension(const ExtensionRow& which, const Actor& actor, const std::string& reason);
  [[nodiscard]] core::Result<std::optional<Id>>
  revoke_excusal(const ExcusalRow& which, const Actor& actor, const std::string& reason);

  // Replaces the decision in force for `mail_id` when it differs (kind, deliverable,
  // lecture, group, due, verdict, lateness, reply, signals), keeping the old one in
  // the decision history, and queues `reply` in the same transaction, unless a reply of
  // this mail already has its Message-ID (the same decision is never answered twice).
  [[nodiscard]] core::Result<Redecided>
  redecide(Id mail_id, const judge::Decision& decision, core::Instant decided_at,
           const std::optional<OutgoingReply>& reply = std::nullopt) override;
  // One audit row for a staff action that has no single target (reprocess).
  [[nodiscard]] core::Result<Id> note(const std::string& action, const std::string& what,
                                      const Actor& actor, const std::string& reason);

  // Mail sent on a schedule (the digest, reminders): records `mail` under its key and
  // queues its reply rows (the per-identity cap counted as for any reply) in one
  // transaction. False, changing nothing, when its key was queued before (by this
  // process before a restart, or by another): each digest day and reminder goes once.
  [[nodiscard]] core::Result<bool> queue_scheduled(const pipeline::ScheduledMail& mail,
                                                   core::Instant at);
  // Every scheduled mail queued so far, oldest first, with its outbox rows' states.
  [[nodiscard]] core::Result<std::vector<pipeline::ScheduledRow>> scheduled();
  // When a digest was first planned on this ledger (schedule::digest_due's `since`):
  // the instant recorded before, else `now`, recorded now. Of two processes the first
  // one's instant stays.
  [[nodiscard]] core::Result<core::Instant> digest_since(core::Instant now);

  // A consistent copy of the whole ledger at `destination`: VACUUM INTO a temporary
  // name in the same folder (one read transaction; under WAL it does not block the
  // writer and never restarts), fsync, rename, fsync of the folder.
  [[nodiscard]] core::Result<void> backup_to(const std::filesystem::path& destination);

  [[nodiscard]] const std::filesystem::path& database_path() const;

  // Folds the WAL back into ledger.db and truncates it (PRAGMA wal_checkpoint
  // (TRUNCATE)). A reader that holds an old snapshot (a staff sqlite3 shell left
  // open) makes it partial: `busy` is then true and the WAL keeps growing until the
  // reader leaves (docs/reliability-cases.md Q7). Returns the WAL size in bytes afterwards.
  struct Checkpoint {
    bool busy = false;
    std::uintmax_t wal_bytes = 0;
  };
  [[nodiscard]] core::Result<Checkpoint> checkpoint();

private:
  struct Impl;
  explicit SqliteLedger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// The user running this process (getpwuid(geteuid())), or "uid N".
[[nodiscard]] std::string current_unix_user();

} // namespace mailroom::ledger
