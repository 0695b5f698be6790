#pragma once

#include "content/reading.hpp"
#include "core/instant.hpp"
#include "judge/checks.hpp"
#include "judge/decision.hpp"
#include "message/transfer.hpp"
#include "pipeline/ports.hpp"
#include "pipeline/records.hpp"
#include "pipeline/staff_commands.hpp"
#include "reply/compose.hpp"
#include "reply/gates.hpp"
#include "rules/course.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The one path a mail takes from its bytes to the ledger: archive, parse, decide, the
// arrival and sender checks, the reply plan, record. `run`, `replay --state` and
// `reprocess` all go through here, so the order and the exactly-once rules live in one
// place.
namespace mailroom::pipeline {

// How replies are made: templates, the gates, the cap. Without a plan nothing is
// enqueued (replay, tests).
struct ReplyPlan {
  reply::Templates templates;
  reply::GatePolicy gates;
  std::string from;     // the course address
  std::string reply_to; // staff
  reply::Recipients recipients = reply::Recipients::sender_and_group;
  int max_per_student_per_day = 10;
  // Replies to mail whose From fails a configured trusted_authserv_id count against a
  // budget of their own per student, so that forgeries never use up the real one.
  int max_unauthenticated_replies_per_day = 3;
};

enum class Taken { recorded, known };

struct IngestOutcome {
  Taken taken = Taken::recorded;
  Id mail_id = 0;
  judge::Decision decision; // empty when the mail was known
  std::vector<Notice> notices;
};

// What deciding a recorded mail again did.
struct RetakeOutcome {
  bool changed = false;
  bool reply_queued = false; // with dry_run: would be queued
  judge::Decision decision;
  // A changed decision got no reply because its instance's deadline is older than
  // RetakeOptions::max_instance_age: news of a term long past is not news.
  bool too_old = false;
  std::optional<OutgoingReply> reply; // the reply queued (or, with dry_run, that would be)
};

// Where the checks of a re-decision come from: a config's checks, or (none at hand) the
// outcome of the checks made when the mail was recorded, carried over.
struct RetakeOptions {
  std::optional<judge::TrustChecks> checks; // nullopt: carry the recorded outcome
  // Set: queue the reply a changed decision calls for (reprocess --notify).
  const ReplyPlan* notify = nullptr;
  // Set: no reply about an instance whose deadline is older than this (max_reply_age);
  // unset: any age (reprocess --any-age).
  std::optional<std::chrono::seconds> max_instance_age;
  // Decide and say what would change and what would be sent; write nothing.
  bool dry_run = false;
};

// What the engine needs of a mail that its bytes alone decide (its SHA-256), done before
// Engine::take: a mailbox that reads ahead does it on its own thread
// (Mailbox::prepare_ahead), beside the recording of the mail before.
void hash_ahead(RawMail& mail);
// hash_ahead(), and the bytes written to the archive's temporary folder: what is left to
// Engine::take is the parse, the attachments' files, the decision and the record. Nothing
// is parsed ahead: a mail that kills the parser does so in take(), after the work log
// named it (set_work_log), so that it is the one set aside after k_deaths_before_failed.
void prepare_ahead(RawMail& mail, const MailArchive& archive);

// prepare_ahead(), done piece by piece as a mail's bytes arrive from the server
// (Mailbox::prepare_as_received): each piece is hashed and written while it is still in
// the cache, and while the server sends the rest, where prepare_ahead() reads a whole deck
// from memory twice after its last byte came.
class PreparingAhead final : public ArrivingMail {
public:
  // `write_ahead`: whether to write the bytes as they come, else to hash them only and
  // write them once it is known whether the archive has them already. finish() sets it
  // for the next mail: false after a mail that was not staged (the archive had it, as
  // when a folder's UIDVALIDITY changed and every mail comes again, or the disk refused
  // it), true after one that was.
  PreparingAhead(const MailArchive& archive, std::atomic<bool>& write_ahead);
  void add(std::string_view piece) override;
  // Sets the mail's hash and staged bytes as prepare_ahead() does.
  void finish(RawMail& mail) override;

private:
  const MailArchive& m_archive;
  std::atomic<bool>& m_write_ahead;
  message::Sha256 m_hash;
  std::unique_ptr<StagingAhead> m_staging;
};

class Engine {
public:
  Engine(MailStore& store, const MailArchive& archive, const core::Clock& clock)
      : m_store(store), m_archive(archive), m_clock(clock) {}

  // The arrival and sender checks every new mail goes through (judge/checks.hpp).
  void set_checks(judge::TrustChecks checks) { m_checks = std::move(checks); }
  // Each IMAP mail's INTERNALDATE against its topmost Received field: a judged deliverable
  // with a difference over `limit` (or no SMTP trace) is held for review.
  void check_arrival(std::chrono::seconds limit) { m_checks.arrival_limit = limit; }
  // Authentication-Results honoured from `authserv_id` only; an unauthenticated version of
  // an instance that has an authenticated one is held for review.
  void trust_authserv_id(std::string authserv_id) { m_checks.authserv_id = std::move(authserv_id); }
  // Replies are queued with each decision by `plan` (it must outlive the engine); without
  // one, nothing is queued and bounces are not looked for.
  void set_replies(const ReplyPlan* plan) { m_replies = plan; }
  // Staff commands by mail are carried out by `desk` (it must outlive the engine);
  // without one, a command mail is recorded, refused, and never judged.
  void set_staff_desk(StaffDesk* desk) { m_staff = desk; }
  // Each new mail's work is noted in `work` before it starts (it must outlive the engine);
  // a mail that was being worked on when the process died k_deaths_before_failed times is
  // recorded as failed, unread, and skipped. Without one, nothing is noted (replay, tests).
  void set_work_log(WorkLog* work) { m_work = work; }
  // Called at each step of a mail's work (archived, decided, recorded): what the daemon's
  // watchdog feeds on while a mail takes long.
  void on_progress(std::function<void()> progress) { m_progress = std::move(progress); }
  // Files (PDF pages and text, zip listings) for the content checks are read by `reader`
  // (it must outlive the engine); without one, only what a mail itself shows is checked.
  void set_content_reader(const content::FileReader* reader) { m_reader = reader; }

  // Takes one raw mail into the state folder, exactly once: skip a known source; archive
  // (durably) and parse; decide; check; record with its reply. A mail that fails to parse
  // is still recorded, with its errors.
  [[nodiscard]] core::Result<IngestOutcome> take(const RawMail& mail, const rules::Course& course);

  // Decides a recorded mail again from its archived bytes (rules, roster or assignments
  // changed) and records the new decision when it differs.
  [[nodiscard]] core::Result<RetakeOutcome> retake(const MailRow& mail, const rules::Course& course,
                                                   const RetakeOptions& options);

private:
  // A command mail (command_mail_line), instead of judgement: carried out when its From is
  // on staff.csv and authenticated (judge::authenticate, as for students), refused and
  // recorded for review otherwise; run once per Message-ID and content; answered to the
  // staff address alone. Defined in pipeline/command_mail.cpp.
  [[nodiscard]] core::Result<IngestOutcome> take_command(const RawMail& mail, const NewMail& row,
                                                         message::MessageFacts facts,
                                                         const std::string& line,
                                                         const rules::Course& course);
  // A mail that stopped the daemon `deaths` times: archived as it came, never parsed,
  // recorded as needs-review with k_stopped_the_daemon as its review reason, no reply.
  [[nodiscard]] core::Result<IngestOutcome> take_failed(const RawMail& mail, int deaths);
  void progress() const {
    if (m_progress)
      m_progress();
  }
  [[nodiscard]] core::Result<void> hold_unverified(judge::Decision& decision,
                                                   const rules::Course& course,
                                                   std::optional<Id> recorded_before);

  MailStore& m_store;
  const MailArchive& m_archive;
  const core::Clock& m_clock;
  judge::TrustChecks m_checks;
  const ReplyPlan* m_replies = nullptr;
  StaffDesk* m_staff = nullptr;
  WorkLog* m_work = nullptr;
  std::function<void()> m_progress;
  const content::FileReader* m_reader = nullptr;
};

// Group commit: the mails taken between open() and commit() (by Engines over the same
// store and archive) are archived without an fsync each and recorded in one ledger
// transaction. commit() makes the whole batch's archive durable in one pass and puts it
// in place, then commits the ledger: so the order of one mail (archive durable, then
// record) holds for the batch. A death before the commit keeps nothing of the batch in
// the ledger; the mailbox hands its mails on again, each recorded once then. Replies are
// queued in the batch's transaction with their mails, and sent after the commit.
class Batch {
public:
  Batch(MailStore& store, const MailArchive& archive) : m_store(store), m_archive(archive) {}
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  ~Batch() { drop(); }

  [[nodiscard]] core::Result<void> open();
  // A mail of `bytes` was taken into the open batch.
  void add(std::size_t bytes) {
    ++m_mails;
    m_bytes += bytes;
  }
  // Durable and recorded when this returns; on a problem nothing of the batch is.
  [[nodiscard]] core::Result<void> commit();
  // Gives the batch up: nothing of it is recorded or placed.
  void drop();

  [[nodiscard]] bool is_open() const { return m_open; }
  [[nodiscard]] std::size_t mails() const { return m_mails; }
  [[nodiscard]] std::size_t bytes() const { return m_bytes; }
  [[nodiscard]] std::chrono::steady_clock::time_point opened_at() const { return m_opened_at; }

private:
  MailStore& m_store;
  const MailArchive& m_archive;
  bool m_open = false;
  std::size_t m_mails = 0;
  std::size_t m_bytes = 0;
  std::chrono::steady_clock::time_point m_opened_at;
};

// Parses, decides and checks one mail without recording it (replay). `earlier` holds the
// versions decided before it, for the sender check; its files are read by `reader` for the
// content checks (none: only what the mail shows).
[[nodiscard]] judge::Decision judge_mail(const RawMail& mail, const rules::Course& course,
                                         const judge::TrustChecks& checks,
                                         const std::vector<judge::Version>& earlier,
                                         const content::FileReader* reader = nullptr);

// How a reply under `plan` is composed: from the plan's address, with its Reply-To and
// Message-ID domain, to `recipients`, dated `now`, its Message-ID made unique by `unique`.
[[nodiscard]] reply::ComposeOptions compose_options(const ReplyPlan& plan,
                                                    reply::Recipients recipients, core::Instant now,
                                                    std::string unique);

// The reply a decision leads to, ready for the outbox: composed, or suppressed with why
// (the gates of reply::suppression). Nullopt when the decision calls for no reply and
// nothing about it is worth a row (not a submission, unknown sender). A reply to
// unauthenticated mail goes to the sender only and counts against the identity
// "UNIQNAME (unauthenticated)" with max_unauthenticated_replies_per_day. Its Message-ID is
// made of the reply kind and the mail's hash, then `unique_suffix` (a re-decision's reply
// names its decision there, so it never shares the first reply's Message-ID).
[[nodiscard]] std::optional<OutgoingReply> outgoing_reply(const judge::Decision& decision,
                                                          const rules::Course& course,
                                                          const ReplyPlan& plan, core::Instant now,
                                                          std::string_view unique_suffix = {});

} // namespace mailroom::pipeline
