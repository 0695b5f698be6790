#include "pipeline/engine.hpp"

#include "core/fault.hpp"
#include "judge/authentication.hpp"
#include "judge/content.hpp"
#include "judge/ledger_view.hpp"
#include "message/parse.hpp"
#include "message/transfer.hpp"
#include "pipeline/bounces.hpp"
#include "pipeline/oversized.hpp"
#include "pipeline/replacement.hpp"
#include "pipeline/versions.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mailroom::pipeline {

reply::ComposeOptions compose_options(const ReplyPlan& plan, reply::Recipients recipients,
                                      core::Instant now, std::string unique) {
  reply::ComposeOptions options;
  options.from = plan.from;
  options.reply_to = plan.reply_to;
  options.message_id_domain = plan.gates.own_domain;
  options.recipients = recipients;
  options.now = now;
  options.unique = std::move(unique);
  return options;
}

std::optional<OutgoingReply> outgoing_reply(const judge::Decision& decision,
                                            const rules::Course& course, const ReplyPlan& plan,
                                            core::Instant now, std::string_view unique_suffix) {
  OutgoingReply out;
  out.kind = judge::to_string(decision.reply);
  out.identity = reply::identity_of(decision, course);
  out.max_per_day = plan.max_per_student_per_day;
  // Forgeries "from" a student draw on a smaller budget of their own and never silence
  // the student's real receipts.
  const bool unauthenticated =
      judge::sender_trust(decision.classification.signals) == judge::SenderTrust::unauthenticated;
  if (unauthenticated && !out.identity.empty()) {
    out.identity += " (unauthenticated)";
    out.max_per_day = plan.max_unauthenticated_replies_per_day;
  }
  // Only mail that would have had a reply, or that is mailroom's own or automated, gets
  // a suppressed row: the rest (not a submission, unknown sender) says why in the mail's
  // own reply_reason.
  const auto own = reply::own_mail(decision.facts, plan.gates);
  const bool own_or_automated = own || decision.facts.automated;
  if (decision.reply == judge::ReplyKind::none && !(own_or_automated && !out.identity.empty()))
    return std::nullopt;
  if (auto why = reply::suppression(decision, course, plan.gates, now)) {
    out.suppressed = *why;
    return out;
  }
  // Group Cc only when configured ([replies] recipients = "group"), and never for mail
  // whose From failed the Authentication-Results check of a configured
  // trusted_authserv_id: a forged From must not mail a whole group. Without one, no
  // From is authenticated, so no reply goes beyond its sender.
  const auto options =
      compose_options(plan, unauthenticated ? reply::Recipients::sender_only : plan.recipients, now,
                      decision.facts.sha256.substr(0, 24) + std::string(unique_suffix));
  auto composed = reply::compose(decision, course, plan.templates, options);
  if (!composed) {
    out.suppressed = "cannot compose: " + composed.error().to_string();
    return out;
  }
  out.kind = composed->kind;
  out.message_id = composed->message_id;
  out.message = std::move(composed->message);
  out.recipients = composed->to;
  out.recipients.insert(out.recipients.end(), composed->cc.begin(), composed->cc.end());
  return out;
}

judge::Decision judge_mail(const RawMail& mail, const rules::Course& course,
                           const judge::TrustChecks& checks,
                           const std::vector<judge::Version>& earlier,
                           const content::FileReader* reader) {
  auto decision = judge::decide(mail.source, mail.file, mail.received_at,
                                message::parse(mail.raw, "file " + mail.file), course);
  judge::apply_checks(decision, mail.raw, checks, earlier);
  judge::check_content(decision, mail.raw, course, reader);
  return decision;
}

namespace {

// Whether `mail` is one of the mails `recorded` from its source. A Maildir file name always
// names the same bytes. An IMAP UID may name another mail after a folder is restored under
// the same UIDVALIDITY: there the bytes decide, hashed only when a size matches.
bool recorded_already(const std::vector<SourceMail>& recorded, const RawMail& mail) {
  if (recorded.empty() || mail.source.starts_with("maildir:"))
    return !recorded.empty();
  std::string sha256;
  for (const auto& known : recorded) {
    if (known.size != static_cast<std::int64_t>(mail.raw.size()))
      continue;
    if (sha256.empty())
      sha256 = mail.sha256.empty() ? message::sha256_hex(mail.raw) : mail.sha256;
    if (known.sha256 == sha256)
      return true;
  }
  return false;
}

// What makes two decisions the same for a student, in the terms of the decision history:
// kind, lecture, group, verdict and lateness.
DecisionVersion summary_of(const judge::Decision& decision) {
  const auto& c = decision.classification;
  DecisionVersion summary;
  summary.kind = c.kind;
  summary.lecture = c.lecture ? std::optional{rules::iso_date(*c.lecture)} : std::nullopt;
  summary.group = c.group;
  if (decision.judgement) {
    summary.verdict = deadline::to_string(decision.judgement->verdict);
    summary.late_by_seconds = decision.judgement->late_by.count();
  }
  return summary;
}

bool same_decision(const DecisionVersion& a, const DecisionVersion& b) {
  return a.kind == b.kind && a.lecture == b.lecture && a.group == b.group &&
         a.verdict == b.verdict && a.late_by_seconds == b.late_by_seconds;
}

// The Message-ID part that names a decision: its reply never shares the Message-ID of the
// first reply, nor of a reply to another decision.
std::string decision_key(const DecisionVersion& summary) {
  return "." + message::sha256_hex(
                   fmt::format("{}|{}|{}|{}|{}", summary.kind, summary.lecture.value_or(""),
                               summary.group.value_or(""), summary.verdict.value_or(""),
                               summary.late_by_seconds.value_or(0)))
                   .substr(0, 12);
}

} // namespace

void hash_ahead(RawMail& mail) {
  mail.sha256 = message::sha256_hex(mail.raw);
}

void prepare_ahead(RawMail& mail, const MailArchive& archive) {
  hash_ahead(mail);
  mail.staged = archive.stage_ahead(mail.raw, mail.sha256);
}

PreparingAhead::PreparingAhead(const MailArchive& archive, std::atomic<bool>& write_ahead)
    : m_archive(archive), m_write_ahead(write_ahead),
      m_staging(write_ahead ? archive.begin_stage_ahead() : nullptr) {}

void PreparingAhead::add(std::string_view piece) {
  m_hash.add(piece);
  if (m_staging)
    m_staging->write(piece);
}

void PreparingAhead::finish(RawMail& mail) {
  mail.sha256 = m_hash.finish();
  mail.staged =
      m_staging ? m_staging->finish(mail.sha256) : m_archive.stage_ahead(mail.raw, mail.sha256);
  m_write_ahead = mail.staged != nullptr;
}

// An unauthenticated version never supersedes an authenticated one of the same instance:
// it is weighed against the versions already recorded (those before `recorded_before`,
// for a re-decision), read only for an unauthenticated version, and only its group's.
core::Result<void> Engine::hold_unverified(judge::Decision& decision, const rules::Course& course,
                                           std::optional<Id> recorded_before) {
  auto version = judge::version_of(decision, 0);
  if (!version || version->trust != judge::SenderTrust::unauthenticated)
    return {};
  auto mails = m_store.mails_of_group(version->group);
  if (!mails)
    return std::unexpected(mails.error());
  if (recorded_before)
    std::erase_if(*mails, [&](const MailRow& other) { return other.id >= *recorded_before; });
  judge::hold_if_unverified(decision, versions_of(*mails, course));
  return {};
}

core::Result<IngestOutcome> Engine::take(const RawMail& mail, const rules::Course& course) {
  auto seen = m_store.mails_from(mail.source);
  if (!seen)
    return std::unexpected(seen.error());
  if (recorded_already(*seen, mail))
    return IngestOutcome{Taken::known, 0, {}, {}};
  // Order is important: the note comes before any work on the mail, and is taken back
  // when the work ends without the process dying (recorded or not); a death leaves it.
  struct EndWork {
    WorkLog* work;
    ~EndWork() {
      if (work)
        work->end();
    }
  } end_work{nullptr};
  if (m_work) {
    auto deaths = m_work->begin(mail);
    if (!deaths)
      return std::unexpected(deaths.error());
    end_work.work = m_work;
    if (*deaths >= k_deaths_before_failed)
      return take_failed(mail, *deaths);
  }
  // Order is important: archive first (fsync'ed and renamed), record after. A crash in
  // between leaves an archived file that the next run finds by its hash. In a Batch, the
  // archive is made durable for the whole batch before its one commit (Batch::commit).
  auto archived =
      m_archive.parse_and_store(mail.raw, "file " + mail.file, mail.sha256, mail.staged.get());
  if (!archived)
    return std::unexpected(archived.error());
  core::fault_point("after-archive");
  progress();
  NewMail row{mail.source,
              mail.file,
              mail.received_at,
              archived->sha256,
              static_cast<std::int64_t>(mail.raw.size()),
              archived->archive_path,
              std::move(archived->attachments)};
  if (auto line = command_mail_line(archived->facts, course))
    return take_command(mail, row, std::move(archived->facts), *line, course);
  auto decision =
      judge::decide(mail.source, mail.file, mail.received_at, std::move(archived->facts), course);
  judge::apply_checks(decision, mail.raw, m_checks, {});
  hold_oversized(decision);
  if (auto held = hold_unverified(decision, course, std::nullopt); !held)
    return std::unexpected(held.error());
  judge::check_content(decision, mail.raw, course, m_reader);
  progress();
  const auto now = m_clock.now();
  IngestOutcome outcome;
  std::optional<OutgoingReply> reply;
  if (m_replies) {
    reply = outgoing_reply(decision, course, *m_replies, now);
    if (auto own = reply::own_mail(decision.facts, m_replies->gates);
        own && !decision.facts.automated)
      outcome.notices.push_back(
          {Notice::Level::critical,
           fmt::format("{}: {}; not answered (a forward or a rule sent it back to the staff "
                       "mailbox?)",
                       decision.file, *own)});
  }
  // A version that replaces the one that counted, sent from another address, tells that
  // earlier sender (pipeline/replacement.hpp).
  std::vector<OutgoingReply> notes;
  if (m_replies)
    if (const auto version = judge::version_of(decision, 0); version && !version->held) {
      auto mails = m_store.mails_of_group(version->group);
      if (!mails)
        return std::unexpected(mails.error());
      if (auto note = replacement_note(decision, *mails, course, *m_replies, now))
        notes.push_back(std::move(*note));
    }
  // One transaction: the mail, its decision and its reply rows (the outbox).
  auto recorded = m_store.record(row, decision, now, reply, notes);
  if (!recorded)
    return std::unexpected(recorded.error());
  core::fault_point("after-record");
  const bool new_mail = recorded->what == Recorded::new_mail;
  if (m_replies && new_mail)
    note_bounce(m_store, mail.raw, decision.facts, m_replies->gates.own_domain, outcome.notices);
  outcome.taken = new_mail ? Taken::recorded : Taken::known;
  outcome.mail_id = recorded->mail_id;
  outcome.decision = std::move(decision);
  return outcome;
}

core::Result<void> Batch::open() {
  if (auto begun = m_store.begin_batch(); !begun)
    return begun;
  m_archive.begin_batch();
  m_open = true;
  m_mails = 0;
  m_bytes = 0;
  m_opened_at = std::chrono::steady_clock::now();
  return {};
}

core::Result<void> Batch::commit() {
  if (!m_open)
    return {};
  // Order is important: every archive file of the batch durable and in place, then the
  // one commit of its records and replies.
  if (auto synced = m_archive.sync_batch(); !synced) {
    drop();
    return synced;
  }
  // The fault points are reached once per mail of the batch, so that the crash matrix's
  // "POINT:N" names the batch of the Nth mail, however the mails fell into batches.
  for (std::size_t i = 0; i < m_mails; ++i)
    core::fault_point("after-batch-sync");
  m_open = false;
  if (auto committed = m_store.commit_batch(); !committed)
    return committed;
  for (std::size_t i = 0; i < m_mails; ++i)
    core::fault_point("after-commit");
  return {};
}

void Batch::drop() {
  if (!m_open)
    return;
  m_open = false;
  m_store.rollback_batch();
  m_archive.drop_batch();
}

core::Result<IngestOutcome> Engine::take_failed(const RawMail& mail, int deaths) {
  auto archived = m_archive.store_unread(mail.raw);
  if (!archived)
    return std::unexpected(archived.error());
  const NewMail row{mail.source,
                    mail.file,
                    mail.received_at,
                    archived->sha256,
                    static_cast<std::int64_t>(mail.raw.size()),
                    archived->archive_path,
                    {}};
  judge::Decision decision;
  decision.source = mail.source;
  decision.file = mail.file;
  decision.received_at = mail.received_at;
  decision.facts = std::move(archived->facts);
  decision.classification.kind = classify::k_needs_review;
  decision.classification.review_reasons.push_back(fmt::format(
      "{}: mailroom died {} times while working on this mail, so it was archived as it came "
      "({}) and not read again; read it there, then reclassify or dismiss it",
      k_stopped_the_daemon, deaths, archived->archive_path));
  decision.reply = judge::ReplyKind::none;
  decision.reply_reason = std::string(k_stopped_the_daemon) + ": not read, not answered";
  auto recorded = m_store.record(row, decision, m_clock.now(), std::nullopt, {});
  if (!recorded)
    return std::unexpected(recorded.error());
  IngestOutcome outcome;
  outcome.taken = recorded->what == Recorded::new_mail ? Taken::recorded : Taken::known;
  outcome.mail_id = recorded->mail_id;
  outcome.notices.push_back(
      {Notice::Level::error,
       fmt::format("{} (file {}) {}: recorded as mail {} without reading it, and skipped; "
                   "`mailroom review` lists it",
                   mail.source, mail.file, k_stopped_the_daemon, recorded->mail_id)});
  outcome.decision = std::move(decision);
  return outcome;
}

core::Result<RetakeOutcome> Engine::retake(const MailRow& mail, const rules::Course& course,
                                           const RetakeOptions& options) {
  // A mail that stopped the daemon twice is not read again here either: reading it could
  // stop this process too. Staff settle it by hand.
  if (std::ranges::any_of(mail.review_reasons, [](const std::string& reason) {
        return reason.starts_with(k_stopped_the_daemon);
      }))
    return RetakeOutcome{};
  auto raw = m_archive.raw_of(mail);
  if (!raw)
    return std::unexpected(raw.error());
  auto decision = judge::decide(mail.source, mail.file, mail.received_at,
                                message::parse(*raw, "file " + mail.file), course);
  if (options.checks) {
    judge::apply_checks(decision, *raw, *options.checks, {});
    if (auto held = hold_unverified(decision, course, mail.id); !held)
      return std::unexpected(held.error());
  } else {
    judge::carry_checks(decision, mail.signals, mail.review_reasons);
  }
  judge::check_content(decision, *raw, course, m_reader);
  const auto now = m_clock.now();
  // The reply a changed decision is owed: none for a mail staff reclassified (their
  // decision stands), nor for a decision the mail already had when it was recorded;
  // otherwise what ingest would queue, under a Message-ID that names the decision, so a
  // second reprocess never queues it again.
  std::optional<OutgoingReply> reply;
  bool too_old = false;
  if (options.notify && !mail.reclassified) {
    const auto summary = summary_of(decision);
    auto history = m_store.decisions(mail.id);
    if (!history)
      return std::unexpected(history.error());
    if (history->empty() || !same_decision(history->front(), summary)) {
      too_old = options.max_instance_age && decision.due &&
                now - *decision.due > *options.max_instance_age;
      if (!too_old)
        reply = outgoing_reply(decision, course, *options.notify, now, decision_key(summary));
    }
  }
  if (options.dry_run) {
    // The decision in force is the newest of the history.
    auto history = m_store.decisions(mail.id);
    if (!history)
      return std::unexpected(history.error());
    const bool changed = history->empty() || !same_decision(history->back(), summary_of(decision));
    const bool would_queue = changed && reply && !reply->suppressed;
    return RetakeOutcome{changed, would_queue, std::move(decision), changed && too_old,
                         would_queue ? std::move(reply) : std::nullopt};
  }
  auto updated = m_store.redecide(mail.id, decision, now, reply);
  if (!updated)
    return std::unexpected(updated.error());
  return RetakeOutcome{updated->changed, updated->reply_queued, std::move(decision),
                       updated->changed && too_old,
                       updated->reply_queued ? std::move(reply) : std::nullopt};
}

} // namespace mailroom::pipeline
