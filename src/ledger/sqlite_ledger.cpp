#include "ledger/sqlite_ledger.hpp"

#include "ledger/content_findings.hpp"
#include "ledger/migrations.hpp"
#include "ledger/prepared_statements.hpp"
#include "ledger/rows.hpp"
#include "rules/course.hpp"
#include "util/text.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace mailroom::ledger {

namespace fs = std::filesystem;
using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Session;
using NullableText = Poco::Nullable<std::string>;
using NullableInt = Poco::Nullable<Poco::Int64>;

namespace {

// statfs(2) magic numbers of network filesystems, where SQLite's WAL locking does
// not work (sqlite.org/wal.html: "all processes … must be on the same host").
constexpr long k_nfs_magic = 0x6969;
constexpr long k_smb_magic = 0x517B;
constexpr long k_cifs_magic = 0xFF534D42;
constexpr long k_smb2_magic = 0xFE534D42;
// What a reset WAL is cut back to (PRAGMA journal_size_limit); see configure().
constexpr std::int64_t k_wal_size_limit_bytes = 64 << 20;

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i)
      out += ",";
    out += '"';
    for (const char c : items[i]) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\')
        out += {'\\', c};
      else if (u < 0x20)
        out += fmt::format("\\u{:04x}", u);
      else
        out += c;
    }
    out += '"';
  }
  return out + "]";
}

// Reads what json_list writes (and nothing more general).
std::vector<std::string> parse_json_list(const std::string& text) {
  std::vector<std::string> items;
  std::string current;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in_string) {
      if (c == '"') {
        in_string = true;
        current.clear();
      }
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) {
      const char next = text[++i];
      if (next == 'u' && i + 4 < text.size()) {
        current += static_cast<char>(std::stoi(text.substr(i + 1, 4), nullptr, 16));
        i += 4;
      } else {
        current += next;
      }
    } else if (c == '"') {
      in_string = false;
      items.push_back(current);
    } else {
      current += c;
    }
  }
  return items;
}

NullableText nullable(const std::optional<std::string>& value) {
  return value ? NullableText(*value) : NullableText();
}
NullableInt nullable(const std::optional<std::int64_t>& value) {
  return value ? NullableInt(*value) : NullableInt();
}

std::int64_t integer(RecordSet& rows, const std::string& column) {
  return rows[column].convert<Poco::Int64>();
}
double real(RecordSet& rows, const std::string& column) {
  return rows[column].convert<double>();
}
std::optional<std::string> text_or_null(RecordSet& rows, const std::string& column) {
  if (rows.isNull(column))
    return std::nullopt;
  return rows[column].convert<std::string>();
}
std::string text(RecordSet& rows, const std::string& column) {
  return text_or_null(rows, column).value_or("");
}
std::optional<std::int64_t> int_or_null(RecordSet& rows, const std::string& column) {
  if (rows.isNull(column))
    return std::nullopt;
  return integer(rows, column);
}
// A list column, written by json_list.
std::vector<std::string> list(RecordSet& rows, const std::string& column) {
  return parse_json_list(text(rows, column));
}
core::Instant instant(RecordSet& rows, const std::string& column) {
  return core::parse_iso(text(rows, column)).value_or(core::Instant{});
}
std::optional<core::Instant> instant_or_null(RecordSet& rows, const std::string& column) {
  if (auto value = text_or_null(rows, column))
    return core::parse_iso(*value);
  return std::nullopt;
}

// Row readers for select_rows: each makes one value of the record's current row, by
// column name.

ReplyRow reply_from(RecordSet& rows) {
  ReplyRow row;
  row.id = integer(rows, "id");
  row.mail_id = int_or_null(rows, "mail_id").value_or(0);
  row.kind = text(rows, "kind");
  row.identity = text(rows, "identity");
  row.recipient = text(rows, "recipient");
  row.message_id = text(rows, "message_id");
  row.message = text(rows, "message");
  row.state = text(rows, "state");
  row.why = text(rows, "why");
  row.attempts = static_cast<int>(integer(rows, "attempts"));
  row.next_attempt_at = instant(rows, "next_attempt_at");
  row.last_error = text(rows, "last_error");
  row.created_at = instant(rows, "created_at");
  row.sent_at = instant_or_null(rows, "sent_at");
  row.claimed_by = int_or_null(rows, "claimed_by");
  row.claimed_at = instant_or_null(rows, "claimed_at");
  return row;
}

MailRow mail_from(RecordSet& rows) {
  MailRow mail;
  mail.id = integer(rows, "id");
  mail.sha256 = text(rows, "sha256");
  mail.size = integer(rows, "size");
  mail.archive_path = text(rows, "archive_path");
  mail.source = text(rows, "source");
  mail.file = text(rows, "file");
  mail.received_at = instant(rows, "received_at");
  mail.message_id = text(rows, "message_id");
  mail.from = text(rows, "from_address");
  mail.subject = text(rows, "subject");
  mail.date_header = text(rows, "date_header");
  mail.parse_errors = list(rows, "parse_errors");
  mail.links = list(rows, "links");
  mail.kind = text(rows, "kind");
  mail.deliverable = text_or_null(rows, "deliverable");
  mail.lecture = text_or_null(rows, "lecture");
  mail.group = text_or_null(rows, "grp");
  mail.confidence = real(rows, "confidence");
  mail.due = instant_or_null(rows, "due");
  mail.verdict = text_or_null(rows, "verdict");
  mail.late_by_seconds = int_or_null(rows, "late_by");
  mail.reply_kind = text(rows, "reply_kind");
  mail.reply_reason = text(rows, "reply_reason");
  mail.signals = list(rows, "signals");
  mail.review_reasons = list(rows, "review_reasons");
  mail.decided_at = instant(rows, "decided_at");
  return mail;
}

// A staff reclassification and the mail it overrules.
struct Overrule {
  Id mail_id = 0;
  Reclassification change;
};

Overrule overrule_from(RecordSet& rows) {
  return {integer(rows, "mail_id"),
          Reclassification{integer(rows, "id"), text(rows, "deliverable"),
                           text_or_null(rows, "lecture"), text_or_null(rows, "grp"),
                           integer(rows, "audit_id")}};
}

AttachmentRow attachment_from(RecordSet& rows) {
  return {text(rows, "original_name"), text(rows, "stored_name"), text(rows, "content_type"),
          integer(rows, "size"), text(rows, "sha256")};
}

DecisionVersion decision_version_from(RecordSet& rows) {
  return {static_cast<int>(integer(rows, "number")),
          instant(rows, "decided_at"),
          text(rows, "cause"),
          text(rows, "kind"),
          text_or_null(rows, "lecture"),
          text_or_null(rows, "grp"),
          text_or_null(rows, "verdict"),
          int_or_null(rows, "late_by")};
}

ExtensionRow extension_from(RecordSet& rows) {
  return {integer(rows, "id"),           text(rows, "grp"),      text(rows, "deliverable"),
          text_or_null(rows, "lecture"), instant(rows, "until"), integer(rows, "audit_id")};
}

ExcusalRow excusal_from(RecordSet& rows) {
  return {integer(rows, "id"), text(rows, "grp"), text(rows, "deliverable"),
          text_or_null(rows, "lecture"), integer(rows, "audit_id")};
}

AuditRow audit_from(RecordSet& rows) {
  return {integer(rows, "id"),
          instant(rows, "at"),
          text(rows, "unix_user"),
          text(rows, "action"),
          text(rows, "what"),
          text(rows, "reason"),
          int_or_null(rows, "mail_id"),
          text_or_null(rows, "staff_address"),
          text_or_null(rows, "message_id")};
}

pipeline::ScheduledRow scheduled_from(RecordSet& rows) {
  pipeline::ScheduledRow row;
  row.id = integer(rows, "id");
  row.key = text(rows, "key");
  row.kind = text(rows, "kind") == "digest" ? pipeline::ScheduledKind::digest
                                            : pipeline::ScheduledKind::reminder;
  row.deliverable = text_or_null(rows, "deliverable");
  row.lecture = text_or_null(rows, "lecture");
  row.group = text_or_null(rows, "grp");
  row.recipient_identity = text(rows, "recipient_identity");
  row.planned_for = instant(rows, "planned_for");
  row.queued_at = instant(rows, "queued_at");
  row.late = integer(rows, "late") != 0;
  row.message_id = text(rows, "message_id");
  row.subject = text(rows, "subject");
  for (auto& state : util::split(text(rows, "states"), '\n'))
    if (!state.empty())
      row.states.push_back(std::move(state));
  return row;
}

std::string sender(const message::MessageFacts& facts) {
  if (facts.from.empty())
    return "";
  const auto& from = facts.from.front();
  return from.name.empty() ? from.address : fmt::format("{} <{}>", from.name, from.address);
}

// Poco 1.11's Session::begin() says BEGIN DEFERRED: a transaction that reads and then
// writes can then fail with SQLITE_BUSY at once, without the busy timeout, when
// another process wrote in between. Writers therefore take the write lock first.
// Inside a batch (SqliteLedger::begin_batch) the body runs in a savepoint of the batch's
// transaction instead: all or nothing of it, committed with the batch.
// Its statements are kept prepared: a batch runs a savepoint for every mail.
template <class F> auto write_transaction(PreparedStatements& statements, F&& body) {
  const bool in_batch = sqlite3_get_autocommit(statements.connection()) == 0;
  statements.execute(in_batch ? "SAVEPOINT one_write" : "BEGIN IMMEDIATE");
  try {
    auto result = body();
    statements.execute(in_batch ? "RELEASE one_write" : "COMMIT");
    return result;
  } catch (...) {
    try {
      if (in_batch) {
        statements.execute("ROLLBACK TO one_write");
        statements.execute("RELEASE one_write");
      } else {
        statements.execute("ROLLBACK");
      }
    } catch (const Poco::Exception&) {
      // The first error is the one to report.
    }
    throw;
  }
}

} // namespace

struct SqliteLedger::Impl {
  fs::path state_dir;
  fs::path database;
  Session session;
  // Order is important: declared after the session, so destroyed (finalized) before it.
  PreparedStatements statements;

  Impl(fs::path dir, fs::path db)
      : state_dir(std::move(dir)), database(std::move(db)), session("SQLite", database.string()),
        statements(Poco::Data::SQLite::Utility::dbHandle(session)) {}

  [[nodiscard]] core::Problem problem(const Poco::Exception& error) const {
    const std::string what = error.displayText();
    std::string fix = "check the state folder; `mailroom backup` and a restore can replace a "
                      "damaged ledger";
    if (what.find("readonly") != std::string::npos || what.find("read-only") != std::string::npos)
      fix = fmt::format("if you only read it (staff in the `mailroom` group), the service must "
                        "have run once with this version, which keeps ledger.db-wal and -shm; "
                        "if mailroom writes it, chown the state folder and ledger.db* to the user "
                        "that runs it (files owned by another user, e.g. root, after a command "
                        "ran as root)");
    else if (what.find("locked") != std::string::npos || what.find("busy") != std::string::npos)
      fix = "another process held the ledger longer than the busy timeout; try again";
    return {database.string(), what, fix};
  }

  template <class F> auto guarded(F&& body) -> core::Result<decltype(body())> {
    try {
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        return {};
      } else {
        return body();
      }
    } catch (const Poco::Exception& error) {
      return std::unexpected(problem(error));
    } catch (const std::exception& error) {
      return std::unexpected(core::Problem{database.string(), error.what(), ""});
    }
  }

  Id audit_row(const Actor& actor, const std::string& action, const std::string& what,
               const std::string& reason, std::optional<Id> mail_id) {
    const std::string at = core::to_iso_utc(actor.at);
    NullableInt mail = mail_id ? NullableInt(*mail_id) : NullableInt();
    auto address = nullable(actor.staff_address);
    auto message_id = nullable(actor.message_id);
    auto sha256 = nullable(actor.mail_sha256);
    session << "INSERT INTO audit(at, unix_user, action, what, reason, mail_id, staff_address, "
               "message_id, mail_sha256) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        useRef(at), useRef(actor.unix_user), useRef(action), useRef(what), useRef(reason),
        use(mail), use(address), use(message_id), use(sha256), now;
    return last_id();
  }

  int replies_since(const std::string& identity, core::Instant since) {
    const std::string from = core::to_iso_utc(since);
    // A scheduled mail (a reminder) has no mail behind it: its Message-ID counts instead.
    return static_cast<int>(
        statements.integer("SELECT count(DISTINCT coalesce(mail_id, message_id)) FROM replies "
                           "WHERE identity = ? AND state <> 'suppressed' AND created_at >= ?",
                           identity, from));
  }

  // Inside the caller's transaction: the cap is counted here, at enqueue, so retries
  // and restarts never reset it (docs/reliability-cases.md A6).
  // Returns whether it queued the reply (false: a suppressed row says why not).
  bool enqueue(std::optional<Id> mail_id, const OutgoingReply& reply, core::Instant at) {
    std::optional<std::string> why = reply.suppressed;
    if (!why && !reply.identity.empty()) {
      const int sent = replies_since(reply.identity, at - std::chrono::hours{24});
      if (sent >= reply.max_per_day)
        why = fmt::format("rate limit: {} replies to {} in the last 24 h (max {})", sent,
                          reply.identity, reply.max_per_day);
    }
    if (!why && reply.recipients.empty())
      why = "no roster address to send to";
    const std::string created = core::to_iso_utc(at);
    NullableInt mail = mail_id ? NullableInt(*mail_id) : NullableInt();
    auto insert = [&](const std::string& recipient, const std::string& state,
                      const std::string& reason) {
      statements.execute(
          "INSERT INTO replies(mail_id, kind, identity, recipient, message_id, message, "
          "state, why, attempts, next_attempt_at, last_error, created_at) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '', ?)",
          mail, reply.kind, reply.identity, recipient, reply.message_id, reply.message, state,
          reason, created, created);
    };
    if (why) {
      insert("", "suppressed", *why);
      return false;
    }
    for (const auto& recipient : reply.recipients)
      insert(recipient, "queued", "");
    return true;
  }

  // The outbox rows `where` selects (with `argument` bound to its placeholder, when not
  // empty), in the order they were queued.
  std::vector<ReplyRow> select_replies(const std::string& where, const std::string& argument) {
    const std::string sql =
        "SELECT id, mail_id, kind, identity, recipient, message_id, message, state, why, "
        "attempts, next_attempt_at, last_error, created_at, sent_at, claimed_by, "
        "claimed_at FROM replies " +
        where + " ORDER BY id";
    if (argument.empty())
      return select_rows(session, sql, reply_from);
    return select_rows(session, sql, reply_from, argument);
  }

  // Rows the last INSERT, UPDATE or DELETE changed.
  int changes() { return sqlite3_changes(statements.connection()); }

  Id last_id() { return sqlite3_last_insert_rowid(statements.connection()); }

  void insert_decision(Id mail_id, const std::string& cause, const judge::Decision& decision,
                       core::Instant decided_at) {
    const std::int64_t number =
        statements.integer("SELECT count(*) FROM decisions WHERE mail_id = ?", mail_id) + 1;
    const auto& c = decision.classification;
    const std::string at = core::to_iso_utc(decided_at);
    auto lecture = nullable(c.lecture ? std::optional{rules::iso_date(*c.lecture)} : std::nullopt);
    auto group = nullable(c.group);
    auto verdict = nullable(decision.judgement
                                ? std::optional{deadline::to_string(decision.judgement->verdict)}
                                : std::nullopt);
    auto late_by = nullable(decision.judgement
                                ? std::optional<std::int64_t>{decision.judgement->late_by.count()}
                                : std::nullopt);
    statements.execute("INSERT INTO decisions(mail_id, number, decided_at, cause, kind, lecture, "
                       "grp, verdict, late_by) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       mail_id, number, at, cause, c.kind, lecture, group, verdict, late_by);
  }

  // The decision columns of `mails`, in the order of k_decision_columns.
  struct DecisionColumns {
    std::string kind;
    NullableText deliverable, lecture, group;
    double confidence = 0;
    NullableText due, verdict;
    NullableInt late_by;
    std::string reply_kind, reply_reason, signals, review_reasons, decided_at;

    DecisionColumns(const judge::Decision& decision, core::Instant decided)
        : kind(decision.classification.kind),
          deliverable(nullable(decision.classification.deliverable)),
          lecture(nullable(decision.classification.lecture
                               ? std::optional{rules::iso_date(*decision.classification.lecture)}
                               : std::nullopt)),
          group(nullable(decision.classification.group)),
          confidence(decision.classification.confidence),
          due(nullable(decision.due ? std::optional{core::to_iso_utc(*decision.due)}
                                    : std::nullopt)),
          verdict(nullable(decision.judgement
                               ? std::optional{deadline::to_string(decision.judgement->verdict)}
                               : std::nullopt)),
          late_by(nullable(decision.judgement
                               ? std::optional<std::int64_t>{decision.judgement->late_by.count()}
                               : std::nullopt)),
          reply_kind(judge::to_string(decision.reply)), reply_reason(decision.reply_reason),
          signals(json_list(decision.classification.signals)),
          review_reasons(json_list(decision.classification.review_reasons)),
          decided_at(core::to_iso_utc(decided)) {}

    bool operator==(const DecisionColumns&) const = default;
  };

  // The mails `where` selects (with `argument` bound to its placeholders, when not empty),
  // oldest arrival first, with their content findings and latest staff overrule.
  std::vector<MailRow> select_mails(const std::string& where, const std::string& argument) {
    const std::string sql =
        "SELECT id, sha256, size, archive_path, source, file, received_at, message_id, "
        "from_address, subject, date_header, parse_errors, links, kind, deliverable, "
        "lecture, grp, confidence, due, verdict, late_by, reply_kind, reply_reason, "
        "signals, review_reasons, decided_at FROM mails " +
        where + " ORDER BY received_at, id";
    auto mails = argument.empty() ? select_rows(session, sql, mail_from)
                                  : select_rows(session, sql, mail_from, argument);
    read_findings(session, mails);
    // Every overrule in the order staff made them: the latest of each mail stays.
    const auto overrules = select_rows(
        session,
        "SELECT id, mail_id, deliverable, lecture, grp, audit_id FROM reclassifications "
        "ORDER BY id",
        overrule_from);
    for (const auto& overrule : overrules)
      for (auto& mail : mails)
        if (mail.id == overrule.mail_id)
          mail.reclassified = overrule.change;
    return mails;
  }

  void configure() {
    // Order is important: the busy timeout first, so that switching to WAL waits for
    // another process instead of failing.
    int value = 0;
    session << fmt::format("PRAGMA busy_timeout = {}", k_busy_timeout_ms), into(value), now;
    std::string mode;
    session << "PRAGMA journal_mode = WAL", into(mode), now;
    if (mode != "wal")
      throw Poco::IOException("cannot switch ledger.db to WAL (journal_mode is " + mode + ")");
    // synchronous, foreign_keys and busy_timeout are per connection (docs/reliability-cases.md §7).
    session << "PRAGMA synchronous = FULL", now;
    session << "PRAGMA foreign_keys = ON", now;
    // Keep ledger.db-wal and -shm when the last connection closes: staff in the group
    // read the ledger while the daemon is stopped, and a reader that may not create files
    // in the 0750 state folder can open a WAL database only when both exist (SQLite's
    // read-only WAL, https://sqlite.org/wal.html#readonly).
    int persist = 1;
    sqlite3_file_control(Poco::Data::SQLite::Utility::dbHandle(session), "main",
                         SQLITE_FCNTL_PERSIST_WAL, &persist);
    // A kept WAL must be empty when the last connection closes: otherwise the next
    // process rebuilds its index from the whole file and checkpoints it all again, three
    // fsyncs and a megabyte copied on every `run --once` that found nothing. With a
    // limit set, SQLite truncates the kept WAL to zero bytes after its closing
    // checkpoint (and to the limit after each reset while running).
    std::int64_t limit = 0;
    session << fmt::format("PRAGMA journal_size_limit = {}", k_wal_size_limit_bytes), into(limit),
        now;
  }

  // Staff act on a mail by its id: a Problem (NotFound) when there is no such mail.
  void require_mail(Id mail_id) {
    Poco::Int64 exists = 0;
    session << "SELECT count(*) FROM mails WHERE id = ?", use(mail_id), into(exists), now;
    if (exists == 0)
      throw Poco::NotFoundException(fmt::format("no mail with id {}", mail_id));
  }

  // The staff grants of `table` (extensions, excusals) in force, that is not revoked,
  // oldest first: their `columns`, read by `row_from`.
  template <class RowFrom>
  auto grants_in_force(const std::string& table, const std::string& columns, RowFrom row_from) {
    return select_rows(session,
                       "SELECT " + columns + " FROM " + table +
                           " WHERE revoked_audit_id IS NULL ORDER BY id",
                       row_from);
  }

  int user_version() {
    int version = 0;
    session << "PRAGMA user_version", into(version), now;
    return version;
  }
};

SqliteLedger::SqliteLedger(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteLedger::SqliteLedger(SqliteLedger&&) noexcept = default;
SqliteLedger& SqliteLedger::operator=(SqliteLedger&&) noexcept = default;
SqliteLedger::~SqliteLedger() = default;

const fs::path& SqliteLedger::database_path() const {
  return m_impl->database;
}

core::Result<SqliteLedger> SqliteLedger::open(const fs::path& state_dir, OpenMode mode) {
  const fs::path database = state_dir / "ledger.db";
  std::error_code error;
  if (mode == OpenMode::create) {
    fs::create_directories(state_dir, error);
    if (error)
      return core::fail(state_dir.string(), "cannot create the state folder: " + error.message(),
                        "check its parent's owner and permissions");
  } else if (!fs::exists(database, error)) {
    return core::fail(state_dir.string(), "no ledger here (ledger.db is missing)",
                      "give the state folder the daemon uses, or record mail first with "
                      "`mailroom replay --state DIR`");
  }
  struct statfs info {};
  if (::statfs(state_dir.c_str(), &info) != 0)
    return core::fail(state_dir.string(), fmt::format("cannot stat: {}", std::strerror(errno)));
  const long magic = static_cast<long>(info.f_type) & 0xFFFFFFFFL;
  if (magic == k_nfs_magic || magic == k_smb_magic || magic == k_cifs_magic ||
      magic == k_smb2_magic)
    return core::fail(state_dir.string(),
                      "the state folder is on a network filesystem (NFS/CIFS); WAL needs a local "
                      "filesystem",
                      "put state_dir on a local disk");

  Poco::Data::SQLite::Connector::registerConnector();
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(state_dir, database);
  } catch (const Poco::Exception& e) {
    return core::fail(database.string(), "cannot open: " + e.displayText(),
                      "check the state folder's owner and permissions");
  }
  auto configured = impl->guarded([&] { impl->configure(); });
  if (!configured)
    return std::unexpected(configured.error());

  const int known = static_cast<int>(migrations().size());
  auto migrated = impl->guarded([&]() -> std::optional<core::Problem> {
    for (;;) {
      const int version = impl->user_version();
      if (version > known)
        return core::Problem{
            database.string(),
            fmt::format("schema version {} is newer than this mailroom knows ({})", version, known),
            "run the mailroom that wrote it (or a newer one), or restore a backup made by this "
            "version"};
      if (version == known)
        return std::nullopt;
      // Each migration in its own transaction; another process may migrate at the
      // same time, so the version is read again under the write lock.
      write_transaction(impl->statements, [&] {
        const int current = impl->user_version();
        if (current != version)
          return 0;
        for (const auto& statement : migrations()[static_cast<std::size_t>(version)])
          impl->session << statement, now;
        impl->session << fmt::format("PRAGMA user_version = {}", version + 1), now;
        return 0;
      });
    }
  });
  if (!migrated)
    return std::unexpected(migrated.error());
  if (*migrated)
    return std::unexpected(**migrated);
  return SqliteLedger(std::move(impl));
}

core::Result<ConnectionSettings> SqliteLedger::settings() {
  return m_impl->guarded([&] {
    ConnectionSettings settings;
    auto& session = m_impl->session;
    session << "PRAGMA journal_mode", into(settings.journal_mode), now;
    session << "PRAGMA synchronous", into(settings.synchronous), now;
    session << "PRAGMA foreign_keys", into(settings.foreign_keys), now;
    session << "PRAGMA busy_timeout", into(settings.busy_timeout_ms), now;
    settings.user_version = m_impl->user_version();
    return settings;
  });
}

core::Result<void> SqliteLedger::begin_batch() {
  return m_impl->guarded([&] { m_impl->session << "BEGIN IMMEDIATE", now; });
}

core::Result<void> SqliteLedger::commit_batch() {
  return m_impl->guarded([&] {
    try {
      m_impl->session << "COMMIT", now;
    } catch (const Poco::Exception&) {
      // A COMMIT that failed may leave the transaction open (SQLITE_BUSY): nothing of the
      // batch is kept, and the next batch starts afresh.
      rollback_batch();
      throw;
    }
  });
}

void SqliteLedger::rollback_batch() {
  if (sqlite3_get_autocommit(Poco::Data::SQLite::Utility::dbHandle(m_impl->session)) != 0)
    return;
  try {
    m_impl->session << "ROLLBACK", now;
  } catch (const Poco::Exception&) {
    // Nothing more to do: SQLite rolls back what a failed statement left.
  }
}

core::Result<bool> SqliteLedger::knows_source(const std::string& source) {
  return m_impl->guarded([&] {
    Poco::Int64 count = 0;
    m_impl->session << "SELECT count(*) FROM sources WHERE source = ?", useRef(source), into(count),
        now;
    return count > 0;
  });
}

core::Result<std::vector<SourceMail>> SqliteLedger::mails_from(const std::string& source) {
  return m_impl->guarded([&] {
    // "<source>#sha256=..." sorts between "<source>#sha256=" and "<source>#sha256>".
    const std::string first = source + "#sha256=";
    const std::string after = source + "#sha256>";
    auto rows = m_impl->statements.run(
        "SELECT m.id, m.sha256, m.size FROM sources s JOIN mails m ON m.id = s.mail_id WHERE "
        "s.source = ? OR (s.source > ? AND s.source < ?) ORDER BY m.id",
        source, first, after);
    std::vector<SourceMail> found;
    while (rows.next())
      found.push_back({rows.integer(0), rows.text(1), rows.integer(2)});
    return found;
  });
}

core::Result<RecordOutcome> SqliteLedger::record(const NewMail& mail,
                                                 const judge::Decision& decision,
                                                 core::Instant decided_at,
                                                 const std::optional<OutgoingReply>& reply,
                                                 const std::vector<OutgoingReply>& notes) {
  return m_impl->guarded([&] {
    auto& statements = m_impl->statements;
    return write_transaction(statements, [&] {
      const auto count_sources = [&](const std::string& key) {
        return statements.integer("SELECT count(*) FROM sources WHERE source = ?", key);
      };
      std::string source = mail.source;
      if (count_sources(mail.source) > 0) {
        Id id = 0;
        std::string sha256;
        if (auto known = statements.run("SELECT m.id, m.sha256 FROM sources s JOIN mails m ON "
                                        "m.id = s.mail_id WHERE s.source = ?",
                                        mail.source);
            known.next()) {
          id = known.integer(0);
          sha256 = known.text(1);
        }
        if (sha256 == mail.sha256)
          return RecordOutcome{id, Recorded::known_source};
        // The same source with other bytes: a UID handed out again after a mailbox
        // restore (docs/reliability-cases.md E3). Never skip it; keep both under distinct keys.
        source = fmt::format("{}#sha256={}", mail.source, mail.sha256.substr(0, 16));
        // ... and a folder read again after that finds it under its own key.
        if (count_sources(source) > 0)
          return RecordOutcome{
              statements.integer("SELECT mail_id FROM sources WHERE source = ?", source),
              Recorded::known_source};
      }
      const std::string received = core::to_iso_utc(mail.received_at);
      const auto insert_source = [&](Id mail_id) {
        statements.execute(
            "INSERT INTO sources(source, mail_id, file, received_at) VALUES(?, ?, ?, ?)", source,
            mail_id, mail.file, received);
      };
      if (statements.integer("SELECT count(*) FROM mails WHERE sha256 = ?", mail.sha256) > 0) {
        // The same bytes from another source (an alias that also delivers here, a
        // renamed Maildir file): link the source, decide nothing again.
        const Id id = statements.integer("SELECT id FROM mails WHERE sha256 = ?", mail.sha256);
        insert_source(id);
        return RecordOutcome{id, Recorded::known_content};
      }
      const auto& facts = decision.facts;
      std::vector<std::string> errors = facts.parse_errors;
      errors.insert(errors.end(), facts.limit_exceeded.begin(), facts.limit_exceeded.end());
      std::vector<std::string> links;
      for (const auto& link : facts.links)
        links.push_back(link.url);
      const Impl::DecisionColumns d(decision, decided_at);
      statements.execute(
          "INSERT INTO mails(sha256, size, archive_path, source, file, received_at, "
          "message_id, from_address, subject, date_header, parse_errors, links, kind, "
          "deliverable, lecture, grp, confidence, due, verdict, late_by, reply_kind, "
          "reply_reason, signals, review_reasons, decided_at) VALUES(?, ?, ?, ?, ?, ?, ?, "
          "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          mail.sha256, mail.size, mail.archive_path, source, mail.file, received, facts.message_id,
          sender(facts), facts.subject, facts.date_header, json_list(errors), json_list(links),
          d.kind, d.deliverable, d.lecture, d.group, d.confidence, d.due, d.verdict, d.late_by,
          d.reply_kind, d.reply_reason, d.signals, d.review_reasons, d.decided_at);
      const Id id = m_impl->last_id();
      insert_source(id);
      std::int64_t position = 0;
      for (const auto& attachment : mail.attachments) {
        ++position;
        statements.execute("INSERT INTO attachments(mail_id, position, original_name, "
                           "stored_name, content_type, size, sha256) VALUES(?, ?, ?, ?, ?, ?, ?)",
                           id, position, attachment.original_name, attachment.stored_name,
                           attachment.content_type, attachment.size, attachment.sha256);
      }
      m_impl->insert_decision(id, "recorded", decision, decided_at);
      write_findings(statements, id, decision.findings);
      if (reply)
        m_impl->enqueue(id, *reply, decided_at);
      for (const auto& note : notes)
        m_impl->enqueue(id, note, decided_at);
      return RecordOutcome{id, Recorded::new_mail};
    });
  });
}

core::Result<int> SqliteLedger::replies_since(const std::string& identity, core::Instant since) {
  return m_impl->guarded([&] { return m_impl->replies_since(identity, since); });
}

core::Result<SqliteLedger::SentCount> SqliteLedger::sent_since(core::Instant since,
                                                               const std::string& recipient) {
  return m_impl->guarded([&] {
    const std::string from = core::to_iso_utc(since);
    const std::string& to = recipient;
    Poco::Int64 count = 0;
    NullableText oldest;
    // sent_at is kept when a DSN later turns a sent row into 'bounced': it went out.
    if (to.empty())
      m_impl->session << "SELECT count(*), min(sent_at) FROM replies WHERE sent_at IS NOT NULL "
                         "AND sent_at > ?",
          useRef(from), into(count), into(oldest), now;
    else
      m_impl->session << "SELECT count(*), min(sent_at) FROM replies WHERE sent_at IS NOT NULL "
                         "AND sent_at > ? AND lower(recipient) = lower(?)",
          useRef(from), useRef(to), into(count), into(oldest), now;
    SentCount out;
    out.count = static_cast<int>(count);
    if (!oldest.isNull())
      out.oldest = core::parse_iso(oldest.value());
    return out;
  });
}

core::Result<std::vector<ReplyRow>> SqliteLedger::due_replies(core::Instant at) {
  return m_impl->guarded([&] {
    return m_impl->select_replies("WHERE state = 'queued' AND next_attempt_at <= ?",
                                  core::to_iso_utc(at));
  });
}

core::Result<std::vector<ReplyRow>> SqliteLedger::replies(const std::string& state) {
  return m_impl->guarded([&] {
    if (state.empty())
      return m_impl->select_replies("", "");
    return m_impl->select_replies("WHERE state = ?", state);
  });
}

core::Result<bool> SqliteLedger::claim_reply(Id id, std::int64_t claimer_pid, core::Instant at) {
  return m_impl->guarded([&] {
    Poco::Int64 row = id;
    Poco::Int64 claimer = claimer_pid;
    const std::string when = core::to_iso_utc(at);
    // Order is important: one statement both tests and sets the state, so SQLite's write
    // lock makes the claim atomic between processes.
    m_impl->session << "UPDATE replies SET state = 'sending', claimed_by = ?, claimed_at = ? "
                       "WHERE id = ? AND state = 'queued'",
        use(claimer), useRef(when), use(row), now;
    return m_impl->changes() == 1;
  });
}

core::Result<bool> SqliteLedger::release_claim(Id id, std::int64_t claimer) {
  return m_impl->guarded([&] {
    Poco::Int64 row = id;
    Poco::Int64 pid = claimer;
    m_impl->session << "UPDATE replies SET state = 'queued', claimed_by = NULL, claimed_at = NULL "
                       "WHERE id = ? AND state = 'sending' AND claimed_by = ?",
        use(row), use(pid), now;
    return m_impl->changes() == 1;
  });
}

// The marks after a send: whatever claimed the row, the server's answer is the truth.
core::Result<void> SqliteLedger::reply_sent(Id id, core::Instant at) {
  return m_impl->guarded([&] {
    const std::string when = core::to_iso_utc(at);
    Poco::Int64 row = id;
    m_impl->session << "UPDATE replies SET state = 'sent', sent_at = ?, attempts = attempts + 1, "
                       "claimed_by = NULL, claimed_at = NULL WHERE id = ?",
        useRef(when), use(row), now;
  });
}

core::Result<void> SqliteLedger::reply_failed(Id id, const std::string& error) {
  return m_impl->guarded([&] {
    Poco::Int64 row = id;
    m_impl->session << "UPDATE replies SET state = 'failed', last_error = ?, attempts = "
                       "attempts + 1, claimed_by = NULL, claimed_at = NULL WHERE id = ?",
        useRef(error), use(row), now;
  });
}

core::Result<void> SqliteLedger::reply_retry(Id id, const std::string& error, core::Instant next) {
  return m_impl->guarded([&] {
    Poco::Int64 row = id;
    Poco::Int64 self = ::getpid();
    const std::string when = core::to_iso_utc(next);
    m_impl->session << "UPDATE replies SET state = 'queued', last_error = ?, next_attempt_at = ?, "
                       "attempts = attempts + 1, claimed_by = NULL, claimed_at = NULL WHERE id = ? "
                       "AND (state = 'queued' OR (state = 'sending' AND claimed_by = ?))",
        useRef(error), useRef(when), use(row), use(self), now;
  });
}

core::Result<void> SqliteLedger::reply_held(Id id, const std::string& why) {
  return m_impl->guarded([&] {
    Poco::Int64 row = id;
    m_impl->session << "UPDATE replies SET last_error = ? WHERE id = ? AND state = 'queued'",
        useRef(why), use(row), now;
  });
}

core::Result<int> SqliteLedger::reply_bounced(const std::string& message_id,
                                              const std::string& recipient,
                                              const std::string& detail) {
  return m_impl->guarded([&] {
    auto& session = m_impl->session;
    return write_transaction(m_impl->statements, [&] {
      Poco::Int64 matching = 0;
      session << "SELECT count(*) FROM replies WHERE message_id = ? AND state = 'sent' AND "
                 "lower(recipient) = lower(?)",
          useRef(message_id), useRef(recipient), into(matching), now;
      if (matching > 0)
        session << "UPDATE replies SET state = 'bounced', last_error = ? WHERE message_id = ? "
                   "AND state = 'sent' AND lower(recipient) = lower(?)",
            useRef(detail), useRef(message_id), useRef(recipient), now;
      else
        session << "UPDATE replies SET state = 'bounced', last_error = ? WHERE message_id = ? "
                   "AND state = 'sent'",
            useRef(detail), useRef(message_id), now;
      Poco::Int64 changed = 0;
      session << "SELECT changes()", into(changed), now;
      return static_cast<int>(changed);
    });
  });
}

core::Result<std::vector<MailRow>> SqliteLedger::mails(std::optional<core::Instant> since) {
  return m_impl->guarded([&] {
    if (since)
      return m_impl->select_mails("WHERE received_at >= ?", core::to_iso_utc(*since));
    return m_impl->select_mails("", "");
  });
}

core::Result<std::vector<MailRow>> SqliteLedger::mails_of_group(const std::string& group) {
  return m_impl->guarded([&] {
    return m_impl->select_mails(
        "WHERE grp = ?1 OR id IN (SELECT mail_id FROM reclassifications WHERE grp = ?1)", group);
  });
}

core::Result<std::optional<MailRow>> SqliteLedger::mail(Id id) {
  return m_impl->guarded([&]() -> std::optional<MailRow> {
    auto rows = m_impl->select_mails("WHERE id = ?", std::to_string(id));
    if (rows.empty())
      return std::nullopt;
    return rows.front();
  });
}

core::Result<std::vector<AttachmentRow>> SqliteLedger::attachments(Id mail_id) {
  return m_impl->guarded([&] {
    return select_rows(m_impl->session,
                       "SELECT original_name, stored_name, content_type, size, sha256 FROM "
                       "attachments WHERE mail_id = ? ORDER BY position",
                       attachment_from, mail_id);
  });
}

core::Result<std::vector<DecisionVersion>> SqliteLedger::decisions(Id mail_id) {
  return m_impl->guarded([&] {
    return select_rows(m_impl->session,
                       "SELECT number, decided_at, cause, kind, lecture, grp, verdict, late_by "
                       "FROM decisions WHERE mail_id = ? ORDER BY number",
                       decision_version_from, mail_id);
  });
}

core::Result<std::vector<std::string>> SqliteLedger::sources(Id mail_id) {
  return m_impl->guarded([&] {
    std::vector<std::string> out;
    m_impl->session << "SELECT source FROM sources WHERE mail_id = ? ORDER BY rowid", use(mail_id),
        into(out), now;
    return out;
  });
}

core::Result<std::vector<ExtensionRow>> SqliteLedger::extensions() {
  return m_impl->guarded([&] {
    return m_impl->grants_in_force("extensions", "id, grp, deliverable, lecture, until, audit_id",
                                   extension_from);
  });
}

core::Result<std::vector<ExcusalRow>> SqliteLedger::excusals() {
  return m_impl->guarded([&] {
    return m_impl->grants_in_force("excusals", "id, grp, deliverable, lecture, audit_id",
                                   excusal_from);
  });
}

core::Result<std::vector<Id>> SqliteLedger::dismissed() {
  return m_impl->guarded([&] {
    std::vector<Poco::Int64> ids;
    m_impl->session << "SELECT DISTINCT mail_id FROM dismissals ORDER BY mail_id", into(ids), now;
    return std::vector<Id>(ids.begin(), ids.end());
  });
}

core::Result<std::vector<AuditRow>> SqliteLedger::audit(std::optional<Id> mail_id) {
  return m_impl->guarded([&] {
    const std::string columns = "SELECT id, at, unix_user, action, what, reason, mail_id, "
                                "staff_address, message_id FROM audit ";
    if (mail_id)
      return select_rows(m_impl->session, columns + "WHERE mail_id = ? ORDER BY id", audit_from,
                         *mail_id);
    return select_rows(m_impl->session, columns + "ORDER BY id", audit_from);
  });
}

core::Result<std::optional<Id>> SqliteLedger::audit_of_mail_command(const std::string& message_id,
                                                                    const std::string& sha256) {
  return m_impl->guarded([&] {
    Poco::Nullable<Poco::Int64> found;
    m_impl->session << "SELECT min(id) FROM audit WHERE (message_id = ? AND message_id <> '') "
                       "OR mail_sha256 = ?",
        useRef(message_id), useRef(sha256), into(found), now;
    return found.isNull() ? std::optional<Id>{} : std::optional<Id>{found.value()};
  });
}

core::Result<Id> SqliteLedger::extend(const ExtensionRow& extension, const Actor& actor,
                                      const std::string& reason) {
  return m_impl->guarded([&] {
    return write_transaction(m_impl->statements, [&] {
      const std::string until = core::to_iso_utc(extension.until);
      const std::string what =
          fmt::format("group {} {}{} until {}", extension.group, extension.deliverable,
                      extension.lecture ? "@" + *extension.lecture : "", until);
      const Id audit_id = m_impl->audit_row(actor, "extend", what, reason, std::nullopt);
      auto lecture = nullable(extension.lecture);
      m_impl->session << "INSERT INTO extensions(grp, deliverable, lecture, until, audit_id) "
                         "VALUES(?, ?, ?, ?, ?)",
          useRef(extension.group), useRef(extension.deliverable), use(lecture), useRef(until),
          useRef(audit_id), now;
      return audit_id;
    });
  });
}

core::Result<Id> SqliteLedger::excuse(const ExcusalRow& excusal, const Actor& actor,
                                      const std::string& reason) {
  return m_impl->guarded([&] {
    return write_transaction(m_impl->statements, [&] {
      const std::string what = fmt::format("group {} {}{}", excusal.group, excusal.deliverable,
                                           excusal.lecture ? "@" + *excusal.lecture : "");
      const Id audit_id = m_impl->audit_row(actor, "excuse", what, reason, std::nullopt);
      auto lecture = nullable(excusal.lecture);
      m_impl->session << "INSERT INTO excusals(grp, deliverable, lecture, audit_id) "
                         "VALUES(?, ?, ?, ?)",
          useRef(excusal.group), useRef(excusal.deliverable), use(lecture), useRef(audit_id), now;
      return audit_id;
    });
  });
}

core::Result<Reclassified> SqliteLedger::reclassify(Id mail_id, const Reclassification& change,
                                                    const Actor& actor, const std::string& reason,
                                                    const std::optional<OutgoingReply>& reply) {
  return m_impl->guarded([&] {
    auto& session = m_impl->session;
    return write_transaction(m_impl->statements, [&] {
      m_impl->require_mail(mail_id);
      const std::string what = fmt::format("mail {} as {}{}{}", mail_id, change.deliverable,
                                           change.lecture ? "@" + *change.lecture : "",
                                           change.group ? " group " + *change.group : "");
      Reclassified done;
      done.audit_id = m_impl->audit_row(actor, "reclassify", what, reason, mail_id);
      auto lecture = nullable(change.lecture);
      auto group = nullable(change.group);
      session << "INSERT INTO reclassifications(mail_id, deliverable, lecture, grp, "
                 "audit_id) VALUES(?, ?, ?, ?, ?)",
          use(mail_id), useRef(change.deliverable), use(lecture), use(group), useRef(done.audit_id),
          now;
      if (reply) {
        Poco::Int64 answered = 0;
        session << "SELECT count(*) FROM replies WHERE mail_id = ? AND message_id = ?",
            use(mail_id), useRef(reply->message_id), into(answered), now;
        if (answered == 0)
          done.reply_queued = m_impl->enqueue(mail_id, *reply, actor.at);
      }
      return done;
    });
  });
}

core::Result<Id> SqliteLedger::dismiss(Id mail_id, const Actor& actor, const std::string& reason) {
  return m_impl->guarded([&] {
    auto& session = m_impl->session;
    return write_transaction(m_impl->statements, [&] {
      m_impl->require_mail(mail_id);
      const Id audit_id =
          m_impl->audit_row(actor, "dismiss", fmt::format("mail {}", mail_id), reason, mail_id);
      session << "INSERT INTO dismissals(mail_id, audit_id) VALUES(?, ?)", use(mail_id),
          useRef(audit_id), now;
      return audit_id;
    });
  });
}

namespace {

// The rows of `table` in force for one group's deliverable instance, newest first.
std::vector<Poco::Int64> in_force(Session& session, const std::string& table,
                                  const std::string& group, const std::string& deliverable,
                                  const std::optional<std::string>& lecture) {
  std::vector<Poco::Int64> ids;
  std::string bound_lecture = lecture.value_or("");
  session << "SELECT id FROM " + table +
                 " WHERE revoked_audit_id IS NULL AND grp = ? AND deliverable = ? AND "
                 "coalesce(lecture, '') = ? ORDER BY id DESC",
      useRef(group), useRef(deliverable), useRef(bound_lecture), into(ids), now;
  return ids;
}

} // namespace

core::Result<std::optional<Id>> SqliteLedger::revoke_extension(const ExtensionRow& which,
                                                               const Actor& actor,
                                                               const std::string& reason) {
  return m_impl->guarded([&] {
    auto& session = m_impl->session;
    return write_transaction(m_impl->statements, [&]() -> std::optional<Id> {
      const auto ids =
          in_force(session, "extensions", which.group, which.deliverable, which.lecture);
      if (ids.empty())
        return std::nullopt;
      const std::string what =
          fmt::format("group {} {}{} (extension #{})", which.group, which.deliverable,
                      which.lecture ? "@" + *which.lecture : "", ids.front());
      const Id audit_id = m_impl->audit_row(actor, "revoke-extension", what, reason, std::nullopt);
      // The latest extension only: the one before it, if any, is in force again.
      const Poco::Int64 latest = ids.front();
      session << "UPDATE extensions SET revoked_audit_id = ? WHERE id = ?", useRef(audit_id),
          useRef(latest), now;
      return audit_id;
    });
  });
}

core::Result<std::optional<Id>> SqliteLedger::revoke_excusal(const ExcusalRow& which,
                                                             const Actor& actor,
                                                             const std::string& reason) {
  return m_impl->guarded([&] {
    auto& session = m_impl->session;
    return write_transaction(m_impl->statements, [&]() -> std::optional<Id> {
      const auto ids = in_force(session, "excusals", which.group, which.deliverable, which.lecture);
      if (ids.empty())
        return std::nullopt;
      const std::string what = fmt::format("group {} {}{}", which.group, which.deliverable,
                                           which.lecture ? "@" + *which.lecture : "");
      const Id audit_id = m_impl->audit_row(actor, "revoke-excusal", what, reason, std::nullopt);
      for (const Poco::Int64 id : ids)
        session << "UPDATE excusals SET revoked_audit_id = ? WHERE id = ?", useRef(audit_id),
            useRef(id), now;
      return audit_id;
    });
  });
}

core::Result<Redecided> SqliteLedger::redecide(Id mail_id, const judge::Decision& decision,
                                               core::Instant decided_at,
                                               const std::optional<OutgoingReply>& reply) {
  return m_impl->guarded([&] {
    auto& session = m_impl->session;
    return write_transaction(m_impl->statements, [&] {
      Impl::DecisionColumns fresh(decision, decided_at);
      // What is stored, in the columns a decision fills; decided_at stays the fresh one,
      // so that a decision made again at another time compares equal.
      const auto stored_rows = select_rows(
          session,
          "SELECT kind, deliverable, lecture, grp, confidence, due, verdict, late_by, "
          "reply_kind, reply_reason, signals, review_reasons FROM mails WHERE id = ?",
          [&](RecordSet& rows) {
            Impl::DecisionColumns stored(decision, decided_at);
            stored.kind = text(rows, "kind");
            stored.deliverable = nullable(text_or_null(rows, "deliverable"));
            stored.lecture = nullable(text_or_null(rows, "lecture"));
            stored.group = nullable(text_or_null(rows, "grp"));
            stored.confidence = real(rows, "confidence");
            stored.due = nullable(text_or_null(rows, "due"));
            stored.verdict = nullable(text_or_null(rows, "verdict"));
            stored.late_by = nullable(int_or_null(rows, "late_by"));
            stored.reply_kind = text(rows, "reply_kind");
            stored.reply_reason = text(rows, "reply_reason");
            stored.signals = text(rows, "signals");
            stored.review_reasons = text(rows, "review_reasons");
            return stored;
          },
          mail_id);
      if (stored_rows.empty())
        throw Poco::NotFoundException(fmt::format("no mail with id {}", mail_id));
      const auto& stored = stored_rows.front();
      write_findings(m_impl->statements, mail_id, decision.findings);
      if (stored == fresh)
        return Redecided{};
      auto& d = fresh;
      session << "UPDATE mails SET kind = ?, deliverable = ?, lecture = ?, grp = ?, confidence "
                 "= ?, due = ?, verdict = ?, late_by = ?, reply_kind = ?, reply_reason = ?, "
                 "signals = ?, review_reasons = ?, decided_at = ? WHERE id = ?",
          use(d.kind), use(d.deliverable), use(d.lecture), use(d.group), use(d.confidence),
          use(d.due), use(d.verdict), use(d.late_by), use(d.reply_kind), use(d.reply_reason),
          use(d.signals), use(d.review_reasons), use(d.decided_at), use(mail_id), now;
      m_impl->insert_decision(mail_id, "reprocess", decision, decided_at);
      Redecided done{true, false};
      if (reply) {
        Poco::Int64 answered = 0;
        session << "SELECT count(*) FROM replies WHERE mail_id = ? AND message_id = ?",
            use(mail_id), useRef(reply->message_id), into(answered), now;
        if (answered == 0)
          done.reply_queued = m_impl->enqueue(mail_id, *reply, decided_at);
      }
      return done;
    });
  });
}

core::Result<Id> SqliteLedger::note(const std::string& action, const std::string& what,
                                    const Actor& actor, const std::string& reason) {
  return m_impl->guarded([&] {
    return write_transaction(m_impl->statements, [&] {
      return m_impl->audit_row(actor, action, what, reason, std::nullopt);
    });
  });
}

core::Result<bool> SqliteLedger::queue_scheduled(const pipeline::ScheduledMail& mail,
                                                 core::Instant at) {
  return m_impl->guarded([&] {
    return write_transaction(m_impl->statements, [&] {
      auto& session = m_impl->session;
      // Order is important: the key is taken first, under the write lock, so of two
      // processes (or a restart) only the first queues the mail.
      session << "INSERT OR IGNORE INTO scheduled(key, kind, deliverable, lecture, grp, "
                 "recipient_identity, planned_for, queued_at, late, message_id, subject) "
                 "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          useRef(mail.key), bind(std::string(pipeline::to_string(mail.kind))),
          bind(nullable(mail.deliverable)), bind(nullable(mail.lecture)),
          bind(nullable(mail.group)), useRef(mail.recipient_identity),
          bind(core::to_iso_utc(mail.planned_for)), bind(core::to_iso_utc(at)),
          bind(mail.late ? 1 : 0), useRef(mail.reply.message_id), useRef(mail.subject), now;
      if (m_impl->changes() == 0)
        return false;
      m_impl->enqueue(std::nullopt, mail.reply, at);
      return true;
    });
  });
}

core::Result<std::vector<pipeline::ScheduledRow>> SqliteLedger::scheduled() {
  return m_impl->guarded([&] {
    return select_rows(
        m_impl->session,
        "SELECT s.id, s.key, s.kind, s.deliverable, s.lecture, s.grp, s.recipient_identity, "
        "s.planned_for, s.queued_at, s.late, s.message_id, s.subject, (SELECT "
        "group_concat(r.state || CASE WHEN r.why <> '' THEN ': ' || r.why ELSE '' END, '\n') "
        "FROM replies r WHERE r.message_id = s.message_id) AS states FROM scheduled s ORDER BY "
        "s.id",
        scheduled_from);
  });
}

core::Result<core::Instant> SqliteLedger::digest_since(core::Instant at) {
  return m_impl->guarded([&] {
    auto& session = m_impl->session;
    const auto recorded = [&]() -> std::optional<core::Instant> {
      std::vector<std::string> since;
      session << "SELECT value FROM desk_facts WHERE name = 'digest_since'", into(since), now;
      return since.empty() ? std::nullopt : core::parse_iso(since.front());
    };
    // Read first: once recorded (every poll after the first), nothing is written.
    if (auto since = recorded())
      return *since;
    return write_transaction(m_impl->statements, [&] {
      session << "INSERT OR IGNORE INTO desk_facts(name, value) VALUES('digest_since', ?)",
          bind(core::to_iso_utc(at)), now;
      return recorded().value_or(at);
    });
  });
}

core::Result<void> SqliteLedger::backup_to(const fs::path& destination) {
  const fs::path folder =
      destination.parent_path().empty() ? fs::path(".") : destination.parent_path();
  const fs::path temporary =
      folder / fmt::format(".tmp-{}-{}", ::getpid(), destination.filename().string());
  std::error_code ignored;
  fs::remove(temporary, ignored);
  auto copied = m_impl->guarded([&] {
    // VACUUM INTO reads the database in one read transaction: under WAL it neither
    // blocks the writer nor restarts when the writer commits (unlike the stepwise
    // backup API with small steps, docs/reliability-cases.md Q3).
    const std::string target = temporary.string();
    m_impl->session << "VACUUM INTO ?", useRef(target), now;
  });
  if (!copied) {
    fs::remove(temporary, ignored);
    return copied;
  }
  // Order is important: the copy is on disk before its final name points at it.
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int error = errno;
    if (fd >= 0)
      ::close(fd);
    fs::remove(temporary, ignored);
    return core::fail(temporary.string(), fmt::format("cannot fsync: {}", std::strerror(error)));
  }
  ::close(fd);
  if (::rename(temporary.c_str(), destination.c_str()) != 0) {
    const int error = errno;
    fs::remove(temporary, ignored);
    return core::fail(destination.string(),
                      fmt::format("cannot rename into place: {}", std::strerror(error)));
  }
  const int dir = ::open(folder.c_str(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

core::Result<SqliteLedger::Checkpoint> SqliteLedger::checkpoint() {
  return m_impl->guarded([&] {
    Checkpoint result;
    int busy = 0, log_frames = 0, checkpointed = 0;
    m_impl->session << "PRAGMA wal_checkpoint(TRUNCATE)", into(busy), into(log_frames),
        into(checkpointed), now;
    result.busy = busy != 0;
    std::error_code error;
    const auto wal = m_impl->database.string() + "-wal";
    result.wal_bytes = fs::exists(wal, error) ? fs::file_size(wal, error) : 0;
    return result;
  });
}

std::string current_unix_user() {
  const uid_t uid = ::geteuid();
  if (const passwd* entry = ::getpwuid(uid); entry && entry->pw_name)
    return entry->pw_name;
  return fmt::format("uid {}", uid);
}

} // namespace mailroom::ledger
