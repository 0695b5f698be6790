#include "ledger/migrations.hpp"

namespace mailroom::ledger {

namespace {

// The outbox's columns after mail_id, as migration 2 made them. Migration 6 copies the
// table to make mail_id nullable and keeps these, and the two indexes, as they were.
constexpr char k_reply_columns[] = R"(
               kind TEXT NOT NULL,
               identity TEXT NOT NULL,
               recipient TEXT NOT NULL,
               message_id TEXT NOT NULL,
               message TEXT NOT NULL,
               state TEXT NOT NULL,
               why TEXT NOT NULL,
               attempts INTEGER NOT NULL,
               next_attempt_at TEXT NOT NULL,
               last_error TEXT NOT NULL,
               created_at TEXT NOT NULL,
               sent_at TEXT)";
constexpr char k_replies_identity_index[] =
    "CREATE INDEX replies_identity ON replies(identity, created_at)";
constexpr char k_replies_state_index[] =
    "CREATE INDEX replies_state ON replies(state, next_attempt_at)";

} // namespace

const std::vector<std::vector<std::string>>& migrations() {
  static const std::vector<std::vector<std::string>> k_migrations{
      // 1: mails with their decision, sources, attachments, decision history, staff
      // changes and the audit trail. Instants are ISO 8601 UTC text ("...Z"), which
      // sorts in time order; lectures are ISO dates; lists are JSON arrays.
      {
          R"(CREATE TABLE mails (
               id INTEGER PRIMARY KEY,
               sha256 TEXT NOT NULL UNIQUE,
               size INTEGER NOT NULL,
               archive_path TEXT NOT NULL,
               source TEXT NOT NULL,
               file TEXT NOT NULL,
               received_at TEXT NOT NULL,
               message_id TEXT NOT NULL,
               from_address TEXT NOT NULL,
               subject TEXT NOT NULL,
               date_header TEXT NOT NULL,
               parse_errors TEXT NOT NULL,
               links TEXT NOT NULL,
               kind TEXT NOT NULL,
               deliverable TEXT,
               lecture TEXT,
               grp TEXT,
               confidence REAL NOT NULL,
               due TEXT,
               verdict TEXT,
               late_by INTEGER,
               reply_kind TEXT NOT NULL,
               reply_reason TEXT NOT NULL,
               signals TEXT NOT NULL,
               review_reasons TEXT NOT NULL,
               decided_at TEXT NOT NULL))",
          "CREATE INDEX mails_received_at ON mails(received_at)",
          "CREATE INDEX mails_message_id ON mails(message_id)",
          R"(CREATE TABLE sources (
               source TEXT PRIMARY KEY,
               mail_id INTEGER NOT NULL REFERENCES mails(id),
               file TEXT NOT NULL,
               received_at TEXT NOT NULL))",
          "CREATE INDEX sources_mail ON sources(mail_id)",
          R"(CREATE TABLE attachments (
               mail_id INTEGER NOT NULL REFERENCES mails(id),
               position INTEGER NOT NULL,
               original_name TEXT NOT NULL,
               stored_name TEXT NOT NULL,
               content_type TEXT NOT NULL,
               size INTEGER NOT NULL,
               sha256 TEXT NOT NULL,
               PRIMARY KEY (mail_id, position),
               UNIQUE (mail_id, stored_name)))",
          R"(CREATE TABLE decisions (
               mail_id INTEGER NOT NULL REFERENCES mails(id),
               number INTEGER NOT NULL,
               decided_at TEXT NOT NULL,
               cause TEXT NOT NULL,
               kind TEXT NOT NULL,
               lecture TEXT,
               grp TEXT,
               verdict TEXT,
               late_by INTEGER,
               PRIMARY KEY (mail_id, number)))",
          R"(CREATE TABLE audit (
               id INTEGER PRIMARY KEY,
               at TEXT NOT NULL,
               unix_user TEXT NOT NULL,
               action TEXT NOT NULL,
               what TEXT NOT NULL,
               reason TEXT NOT NULL,
               mail_id INTEGER REFERENCES mails(id)))",
          R"(CREATE TABLE extensions (
               id INTEGER PRIMARY KEY,
               grp TEXT NOT NULL,
               deliverable TEXT NOT NULL,
               lecture TEXT,
               until TEXT NOT NULL,
               audit_id INTEGER NOT NULL REFERENCES audit(id)))",
          R"(CREATE TABLE excusals (
               id INTEGER PRIMARY KEY,
               grp TEXT NOT NULL,
               deliverable TEXT NOT NULL,
               lecture TEXT,
               audit_id INTEGER NOT NULL REFERENCES audit(id)))",
          R"(CREATE TABLE reclassifications (
               id INTEGER PRIMARY KEY,
               mail_id INTEGER NOT NULL REFERENCES mails(id),
               deliverable TEXT NOT NULL,
               lecture TEXT,
               grp TEXT,
               audit_id INTEGER NOT NULL REFERENCES audit(id)))",
      },
      // 2: the outbox. One row per reply and recipient (one SMTP transaction each,
      // docs/reliability-cases.md A7), written in the transaction that records the mail's
      // decision. state: queued, sent, failed (a permanent 5xx), suppressed (never
      // sent, with why; recipient empty). The per-student cap counts rows by roster
      // identity and created_at, so a restart resets nothing.
      {
          std::string(R"(CREATE TABLE replies (
               id INTEGER PRIMARY KEY,
               mail_id INTEGER NOT NULL REFERENCES mails(id),)") +
              k_reply_columns + ")",
          k_replies_identity_index,
          k_replies_state_index,
      },
      // 3: claims on outbox rows: a sender marks a row 'sending' with its pid and the time
      // before it hands the row to SMTP, so that two processes on one state folder never
      // send the same row; a claim whose process died is released at the next start.
      {
          "ALTER TABLE replies ADD COLUMN claimed_by INTEGER",
          "ALTER TABLE replies ADD COLUMN claimed_at TEXT",
      },
      // 4: staff work from a queue. A dismissed mail leaves the review queue (a person
      // looked and nothing is owed); an extension or excusal revoked by staff keeps its
      // row, with the audit row of the revocation, and stops counting.
      {
          R"(CREATE TABLE dismissals (
               id INTEGER PRIMARY KEY,
               mail_id INTEGER NOT NULL REFERENCES mails(id),
               audit_id INTEGER NOT NULL REFERENCES audit(id)))",
          "CREATE INDEX dismissals_mail ON dismissals(mail_id)",
          "ALTER TABLE extensions ADD COLUMN revoked_audit_id INTEGER REFERENCES audit(id)",
          "ALTER TABLE excusals ADD COLUMN revoked_audit_id INTEGER REFERENCES audit(id)",
      },
      // 5: staff commands by mail. A change made by mail is audited with the staff
      // address it came from and the command mail's Message-ID and SHA-256, by which a
      // replayed command mail is known and not carried out again.
      {
          "ALTER TABLE audit ADD COLUMN staff_address TEXT",
          "ALTER TABLE audit ADD COLUMN message_id TEXT",
          "ALTER TABLE audit ADD COLUMN mail_sha256 TEXT",
          "CREATE INDEX audit_message_id ON audit(message_id)",
          "CREATE INDEX audit_mail_sha256 ON audit(mail_sha256)",
      },
      // 6: mail mailroom sends on its own schedule: the daily digest to staff and the
      // reminders to groups. `scheduled` holds one row per digest day or reminded instance
      // and member (its key is unique, so a restart or a second process never queues one
      // twice); its outbox rows are ordinary replies with no mail behind them, so
      // replies.mail_id becomes nullable (SQLite alters a constraint only by copying the
      // table).
      {
          std::string(R"(CREATE TABLE replies_new (
               id INTEGER PRIMARY KEY,
               mail_id INTEGER REFERENCES mails(id),)") +
              k_reply_columns + R"(,
               claimed_by INTEGER,
               claimed_at TEXT))",
          "INSERT INTO replies_new SELECT id, mail_id, kind, identity, recipient, message_id, "
          "message, state, why, attempts, next_attempt_at, last_error, created_at, sent_at, "
          "claimed_by, claimed_at FROM replies",
          "DROP TABLE replies",
          "ALTER TABLE replies_new RENAME TO replies",
          k_replies_identity_index,
          k_replies_state_index,
          "CREATE INDEX replies_message_id ON replies(message_id)",
          R"(CREATE TABLE scheduled (
               id INTEGER PRIMARY KEY,
               key TEXT NOT NULL UNIQUE,
               kind TEXT NOT NULL,
               deliverable TEXT,
               lecture TEXT,
               grp TEXT,
               recipient_identity TEXT NOT NULL,
               planned_for TEXT NOT NULL,
               queued_at TEXT NOT NULL,
               late INTEGER NOT NULL,
               message_id TEXT NOT NULL,
               subject TEXT NOT NULL))",
      },
      // 7: facts about the desk itself, by name. `digest_since` is when a digest was first
      // planned on this ledger: a digest is owed only for days from then on, so a fresh
      // install never sends "yesterday's" digest late. A ledger that queued digests
      // already starts from its first one.
      {
          R"(CREATE TABLE desk_facts (
               name TEXT PRIMARY KEY,
               value TEXT NOT NULL))",
          "INSERT INTO desk_facts(name, value) SELECT 'digest_since', MIN(planned_for) "
          "FROM scheduled WHERE kind = 'digest' HAVING COUNT(*) > 0",
      },
      // 8: what the content checks found in each mail (pages over the limit, no git link, a
      // zip without a README, ...): outcome "warning", or "check-failed" when the sandboxed
      // reader timed out or crashed. Replaced whenever the mail is decided again.
      {
          R"(CREATE TABLE content_findings (
               id INTEGER PRIMARY KEY,
               mail_id INTEGER NOT NULL REFERENCES mails(id),
               check_name TEXT NOT NULL,
               outcome TEXT NOT NULL,
               text TEXT NOT NULL))",
          "CREATE INDEX content_findings_mail ON content_findings(mail_id)",
      },
  };
  return k_migrations;
}

} // namespace mailroom::ledger
