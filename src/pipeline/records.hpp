#pragma once

#include "content/findings.hpp"
#include "core/instant.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The values that cross between the engine and its adapters: a mail as a mailbox hands
// it over, and what the ledger records and gives back. No Poco, SQLite or curl type
// appears here.
namespace mailroom::pipeline {

using Id = std::int64_t;

class StagedRaw; // ports.hpp

// One raw mail as a mailbox holds it.
struct RawMail {
  std::string source; // stable identity: "maildir:/abs/maildir/NAME" (no new/ or cur/, no flags) or
                      // "imap://host/INBOX;UIDVALIDITY=7;UID=42"
  std::string file;   // what people see: the Maildir file name, or the IMAP UID
  core::Instant received_at; // INTERNALDATE, or the Maildir file's modification time
  std::string raw;           // the RFC 5322 bytes
  std::string sha256 = {};   // hex SHA-256 of raw when hashed ahead (pipeline::hash_ahead)
  // raw, written ahead to the archive's temporary folder (pipeline::prepare_ahead), or null
  std::shared_ptr<StagedRaw> staged = {};
};

// Work on a mail's bytes done piece by piece as they arrive from the server
// (pipeline::PreparingAhead, given to Mailbox::prepare_as_received).
class ArrivingMail {
public:
  virtual ~ArrivingMail() = default;
  virtual void add(std::string_view piece) = 0;
  // Ends the work on `mail`, whose raw bytes are the pieces added, in order.
  virtual void finish(RawMail& mail) = 0;
};

// A staff overrule of the classifier for one mail.
struct Reclassification {
  Id id = 0;
  std::string deliverable;
  std::optional<std::string> lecture; // ISO date
  std::optional<std::string> group;
  Id audit_id = 0;
};

// One mail as recorded: its facts, the decision in force, and where its bytes are.
struct MailRow {
  Id id = 0;
  std::string sha256;
  std::int64_t size = 0;
  std::string archive_path; // relative to the state folder
  std::string source;       // the first source it came from
  std::string file;
  core::Instant received_at;
  std::string message_id;
  std::string from;
  std::string subject;
  std::string date_header;
  std::vector<std::string> parse_errors; // parse errors and exceeded limits
  std::vector<std::string> links;
  std::string kind;
  std::optional<std::string> deliverable;
  std::optional<std::string> lecture; // ISO date
  std::optional<std::string> group;
  double confidence = 0;
  std::optional<core::Instant> due;
  std::optional<std::string> verdict; // "on-time", "late"
  std::optional<std::int64_t> late_by_seconds;
  std::string reply_kind; // "receipt", "late-notice", "clarify", "none"
  std::string reply_reason;
  std::vector<std::string> signals;
  std::vector<std::string> review_reasons;
  core::Instant decided_at;
  std::optional<Reclassification> reclassified; // the latest staff overrule
  std::vector<content::Finding> findings;       // what the content checks found
};

struct AttachmentRow {
  std::string original_name; // as the mail named it, for display
  std::string stored_name;   // under archive/<sha256>/
  std::string content_type;
  std::int64_t size = 0;
  std::string sha256;
};

// What to record about one newly seen mail besides its decision.
struct NewMail {
  std::string source;
  std::string file;
  core::Instant received_at;
  std::string sha256; // of the raw bytes
  std::int64_t size = 0;
  std::string archive_path; // relative to the state folder: "archive/<sha256>.eml"
  std::vector<AttachmentRow> attachments;
};

// A mail recorded from one source (MailStore::mails_from).
struct SourceMail {
  Id mail_id = 0;
  std::string sha256; // of the raw bytes
  std::int64_t size = 0;
};

// One decision made about a mail: the first, then one per reprocess that changed it.
struct DecisionVersion {
  int number = 0;
  core::Instant decided_at;
  std::string cause; // "recorded", "reprocess"
  std::string kind;
  std::optional<std::string> lecture;
  std::optional<std::string> group;
  std::optional<std::string> verdict;
  std::optional<std::int64_t> late_by_seconds;
};

struct ExtensionRow {
  Id id = 0;
  std::string group;
  std::string deliverable;
  std::optional<std::string> lecture;
  core::Instant until;
  Id audit_id = 0; // the staff change that granted it
};

struct ExcusalRow {
  Id id = 0;
  std::string group;
  std::string deliverable;
  std::optional<std::string> lecture;
  Id audit_id = 0; // the staff change that granted it
};

// Who changed what, when and why.
struct AuditRow {
  Id id = 0;
  core::Instant at;
  std::string unix_user;
  std::string action; // "extend", "excuse", "reclassify", "reprocess", "dismiss",
                      // "revoke-extension", "revoke-excusal", "mail-command"
  std::string what;   // "group 2 slides@2025-10-07 until 2025-10-08T12:00:00Z"
  std::string reason;
  std::optional<Id> mail_id;
  // A staff command by mail: who sent it (an authenticated address on staff.csv) and
  // the command mail's Message-ID.
  std::optional<std::string> staff_address = std::nullopt;
  std::optional<std::string> message_id = std::nullopt;
};

// Who is running this command, for the audit table.
struct Actor {
  std::string unix_user;
  core::Instant at;
  // Set for a staff command by mail: the staff address, the command mail's Message-ID and
  // the SHA-256 of its bytes (a replay is known by either).
  std::optional<std::string> staff_address = std::nullopt;
  std::optional<std::string> message_id = std::nullopt;
  std::optional<std::string> mail_sha256 = std::nullopt;
};

// What re-deciding one mail did: whether its decision changed, and whether a reply
// for the new decision was queued (not suppressed, not queued before).
struct Redecided {
  bool changed = false;
  bool reply_queued = false;
};

// What a reclassification did: its audit row, and whether it queued a reply.
struct Reclassified {
  Id audit_id = 0;
  bool reply_queued = false;
};

// What recording one mail did.
enum class Recorded { new_mail, known_source, known_content };

struct RecordOutcome {
  Id mail_id = 0;
  Recorded what = Recorded::new_mail;
};

// A reply to enqueue with a mail's decision (SqliteLedger::record). One row per
// recipient is written; with `suppressed` set, or over the per-student cap, one
// suppressed row says why and nothing is sent.
struct OutgoingReply {
  std::string kind;     // "receipt", "late-notice", "clarify", "replaced"
  std::string identity; // the roster identity it counts against (uniqname)
  std::vector<std::string> recipients;
  std::string message_id;
  std::string message;                   // the whole RFC 5322 message, CRLF
  std::optional<std::string> suppressed; // why no reply may go out
  int max_per_day = 10;                  // per identity, rolling 24 h, counted at enqueue
};

// One outbox row.
struct ReplyRow {
  Id id = 0;
  Id mail_id = 0;
  std::string kind;
  std::string identity;
  std::string recipient;
  std::string message_id;
  std::string message;
  // "queued", "sending" (claimed by a process that hands it to SMTP), "sent", "failed",
  // "bounced", "suppressed"
  std::string state;
  std::string why;
  int attempts = 0;
  core::Instant next_attempt_at;
  std::string last_error;
  core::Instant created_at;
  std::optional<core::Instant> sent_at;
  std::optional<std::int64_t> claimed_by; // the pid of the process sending it
  std::optional<core::Instant> claimed_at;
};

// The per-connection settings of docs/reliability-cases.md Q1, as SQLite reports them.
struct ConnectionSettings {
  std::string journal_mode;
  int synchronous = 0;
  int foreign_keys = 0;
  int busy_timeout_ms = 0;
  int user_version = 0;
};

} // namespace mailroom::pipeline
