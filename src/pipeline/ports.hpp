#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "judge/decision.hpp"
#include "message/facts.hpp"
#include "pipeline/records.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What the engine needs from the outside, declared here so that the engine depends on no
// adapter: the adapters (ledger/, archive/) implement these, and tests may too.
namespace mailroom::pipeline {

// Something the engine wants a person to read in the log; the engine itself does no I/O.
struct Notice {
  enum class Level { warning, error, critical };
  Level level = Level::warning;
  std::string text;
};

// Where mails, their decisions and their replies are recorded (ledger::SqliteLedger).
class MailStore {
public:
  virtual ~MailStore() = default;

  // The mails recorded from `source`, the first under that name and any recorded later
  // because the source named other bytes by then (a reused IMAP UID). Empty when new.
  [[nodiscard]] virtual core::Result<std::vector<SourceMail>>
  mails_from(const std::string& source) = 0;
  // Every mail recorded for `group` or reclassified into it.
  [[nodiscard]] virtual core::Result<std::vector<MailRow>>
  mails_of_group(const std::string& group) = 0;
  // A mail's decision history, the first one first.
  [[nodiscard]] virtual core::Result<std::vector<DecisionVersion>> decisions(Id mail_id) = 0;
  // Group commit: from begin_batch() on, what record() and the other writes store is one
  // transaction, made durable by commit_batch() all at once (or by none: a death or
  // rollback_batch() before it keeps nothing of the batch). Each write stays all or
  // nothing on its own within it, and sees the batch's earlier writes.
  [[nodiscard]] virtual core::Result<void> begin_batch() = 0;
  [[nodiscard]] virtual core::Result<void> commit_batch() = 0;
  virtual void rollback_batch() = 0;
  // Records one mail, its decision and its reply rows in one transaction, exactly once.
  // `notes` are further replies the mail causes (the "replaced" note to an earlier
  // sender), each capped on its own identity, in the same transaction.
  [[nodiscard]] virtual core::Result<RecordOutcome>
  record(const NewMail& mail, const judge::Decision& decision, core::Instant decided_at,
         const std::optional<OutgoingReply>& reply, const std::vector<OutgoingReply>& notes) = 0;
  // Replaces a mail's decision when it changed, keeping the history, and queues `reply`
  // in the same transaction unless its Message-ID was queued before.
  [[nodiscard]] virtual core::Result<Redecided>
  redecide(Id mail_id, const judge::Decision& decision, core::Instant decided_at,
           const std::optional<OutgoingReply>& reply) = 0;
  // Marks the sent rows of reply `message_id` (to `recipient`, or all) as bounced.
  [[nodiscard]] virtual core::Result<int> reply_bounced(const std::string& message_id,
                                                        const std::string& recipient,
                                                        const std::string& detail) = 0;
};

// A mail parsed, with its raw bytes and its attachments durably in the archive.
struct ArchivedMail {
  message::MessageFacts facts;
  std::string sha256;       // of the raw bytes
  std::string archive_path; // relative to the state folder: "archive/<sha256>.eml"
  std::vector<AttachmentRow> attachments;
};

// Where raw mails and their attachments are kept (archive::Archive).
// How an archive marks a mail it kept as it came, undecoded, because it is larger than
// [mailbox] max_mail_size: the start of its limit_exceeded entry (oversized.hpp).
inline constexpr std::string_view k_over_max_mail_size = "over max_mail_size";

// A mail's raw bytes written ahead to a temporary file of the archive
// (MailArchive::stage_ahead), for the parse_and_store() of the same bytes to take; the file
// goes with this object unless that took it.
class StagedRaw {
public:
  virtual ~StagedRaw() = default;
};

// A mail's raw bytes written to a temporary file of the archive piece by piece, as they
// arrive from the server (MailArchive::begin_stage_ahead): each piece is written while it
// is still in the cache, and while the server sends the rest.
class StagingAhead {
public:
  virtual ~StagingAhead() = default;
  virtual void write(std::string_view bytes) = 0;
  // The bytes written, whose hash is `raw_sha256`, for parse_and_store() as
  // stage_ahead() would have made them; null, the file removed, when those bytes are
  // archived already or a write failed (parse_and_store() then writes them itself, and
  // says what went wrong).
  [[nodiscard]] virtual std::shared_ptr<StagedRaw> finish(std::string_view raw_sha256) = 0;
};

class MailArchive {
public:
  virtual ~MailArchive() = default;
  // Parses `raw` and archives it before anything is recorded: durable when this returns.
  // `origin` names the mail in parse problems ("file 1700000000.M1.host"); `raw_sha256`
  // is its hash when hashed ahead (RawMail::sha256), else empty; `staged`, its bytes when
  // written ahead (RawMail::staged), else null.
  [[nodiscard]] virtual core::Result<ArchivedMail> parse_and_store(std::string_view raw,
                                                                   std::string_view origin,
                                                                   std::string_view raw_sha256,
                                                                   StagedRaw* staged) const = 0;
  // Writes `raw` (its hash `raw_sha256`) to a temporary file, for a parse_and_store() of
  // the same bytes later; unlike the rest, safe on another thread than the one that
  // stores. Null when the bytes are archived already, or could not be written:
  // parse_and_store() then writes them itself, and says what went wrong.
  [[nodiscard]] virtual std::shared_ptr<StagedRaw>
  stage_ahead(std::string_view raw, std::string_view raw_sha256) const = 0;
  // stage_ahead() for bytes that are still arriving, safe on the same threads; null when
  // this archive writes nothing ahead, or the file could not be made.
  [[nodiscard]] virtual std::unique_ptr<StagingAhead> begin_stage_ahead() const { return nullptr; }
  // The raw bytes of a recorded mail.
  [[nodiscard]] virtual core::Result<std::string> raw_of(const MailRow& mail) const = 0;
  // Group commit: from begin_batch() on, parse_and_store() is durable only once
  // sync_batch() returned, which makes every mail stored since durable in one pass (a
  // death before it leaves none of them in place). drop_batch() gives a batch up.
  virtual void begin_batch() const = 0;
  [[nodiscard]] virtual core::Result<void> sync_batch() const = 0;
  virtual void drop_batch() const = 0;
  // Archives `raw` as it came, durably, without parsing it (a mail that stopped the daemon
  // twice is never read again): its facts hold its hash alone, and it has no attachments.
  [[nodiscard]] virtual core::Result<ArchivedMail> store_unread(std::string_view raw) const = 0;
};

// Where the engine notes, durably, the mail it is working on (archive::WorkMarker: a small
// file in the state folder), so that a start after the process died mid-mail knows which
// mail it died on, and a mail that stopped the daemon twice is never worked on again.
class WorkLog {
public:
  virtual ~WorkLog() = default;
  // Notes that work on `mail` begins, before any of it is done, and returns how many times
  // a process died while working on this same mail before (0: never).
  [[nodiscard]] virtual core::Result<int> begin(const RawMail& mail) = 0;
  // Work on the mail begun ended without the process dying (recorded, or given up with an
  // error): the note is taken back.
  virtual void end() = 0;
};

// A mail that was being worked on when the process died this many times is recorded as
// failed, unread, and skipped: one mail can never hold the desk.
inline constexpr int k_deaths_before_failed = 2;
// How the review reasons of such a mail begin (pipeline::ReviewReason::failed).
inline constexpr std::string_view k_stopped_the_daemon = "stopped the daemon twice";

} // namespace mailroom::pipeline
