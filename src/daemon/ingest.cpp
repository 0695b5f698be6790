#include "daemon/ingest.hpp"

#include "core/fault.hpp"
#include "daemon/bounces.hpp"
#include "ledger/views.hpp"
#include "message/parse.hpp"
#include "pipeline/authentication.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace mailroom::daemon {

std::optional<ledger::OutgoingReply> outgoing_reply(const pipeline::Decision& decision,
                                                    const rules::Course& course,
                                                    const ReplyPlan& plan, core::Instant now,
                                                    std::string_view unique_suffix) {
  ledger::OutgoingReply out;
  out.kind = pipeline::to_string(decision.reply);
  out.identity = reply::identity_of(decision, course);
  out.max_per_day = plan.max_per_student_per_day;
  // reliability.md S7: forgeries "from" a student draw on a smaller budget of their own
  // and never silence the student's real receipts.
  const bool unauthenticated = pipeline::sender_trust(decision.classification.signals) ==
                               pipeline::SenderTrust::unauthenticated;
  if (unauthenticated && !out.identity.empty()) {
    out.identity += " (unauthenticated)";
    out.max_per_day = plan.max_unauthenticated_replies_per_day;
  }
  // Only mail that would have had a reply, or that is mailroom's own or automated, gets
  // a suppressed row: the rest (not a submission, unknown sender) says why in the mail's
  // own reply_reason.
  const auto own = reply::own_mail(decision.facts, plan.gates);
  const bool own_or_automated = own || decision.facts.automated;
  if (decision.reply == pipeline::ReplyKind::none && !(own_or_automated && !out.identity.empty()))
    return std::nullopt;
  if (own && !decision.facts.automated)
    spdlog::critical("{}: {}; not answered (a forward or a rule sent it back to the staff "
                     "mailbox?)",
                     decision.file, *own);
  if (auto why = reply::suppression(decision, course, plan.gates, now)) {
    out.suppressed = *why;
    return out;
  }
  reply::ComposeOptions options;
  options.from = plan.from;
  options.reply_to = plan.reply_to;
  options.message_id_domain = plan.gates.own_domain;
  // Group Cc only when configured ([replies] recipients = "group"), and never for mail
  // whose From failed the Authentication-Results check of a configured
  // trusted_authserv_id (reliability.md section 9, 4): a forged From must not mail a
  // whole group. Without a trusted_authserv_id the group is still Cc'd (not fail-closed).
  options.recipients = plan.recipients;
  if (unauthenticated)
    options.recipients = reply::Recipients::sender_only;
  options.now = now;
  options.unique = decision.facts.sha256.substr(0, 24) + std::string(unique_suffix);
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

namespace {

// Whether `mail` is one of the mails `recorded` from its source. A Maildir file name always
// names the same bytes. An IMAP UID may name another mail after a restore under the same
// UIDVALIDITY (reliability.md E3): there the bytes decide, hashed only when a size matches.
bool recorded_already(const std::vector<ledger::SourceMail>& recorded,
                      const mailbox::RawMail& mail) {
  if (recorded.empty() || mail.source.starts_with("maildir:"))
    return !recorded.empty();
  std::string sha256;
  for (const auto& known : recorded) {
    if (known.size != static_cast<std::int64_t>(mail.raw.size()))
      continue;
    if (sha256.empty())
      sha256 = archive::sha256_hex(mail.raw);
    if (known.sha256 == sha256)
      return true;
  }
  return false;
}

} // namespace

core::Result<IngestOutcome> Ingest::take(const mailbox::RawMail& mail, const rules::Course& course,
                                         core::Instant now) {
  auto seen = m_ledger.mails_from(mail.source);
  if (!seen)
    return std::unexpected(seen.error());
  if (recorded_already(*seen, mail))
    return IngestOutcome{Taken::known, 0, {}};
  // Order is important: archive first (fsync'ed and renamed), record after. A crash in
  // between leaves an archived file that the next run finds by its hash.
  auto parsed = archive::parse_and_store(m_archive, mail.raw, "file " + mail.file);
  if (!parsed)
    return std::unexpected(parsed.error());
  core::fault_point("after-archive");
  auto& facts = parsed->facts;
  const auto* stored = &parsed->stored;
  ledger::NewMail row{mail.source,
                      mail.file,
                      mail.received_at,
                      stored->sha256,
                      static_cast<std::int64_t>(mail.raw.size()),
                      "archive/" + stored->raw_path.filename().string(),
                      {}};
  for (std::size_t i = 0; i < stored->attachments.size() && i < facts.attachments.size(); ++i) {
    const auto& file = stored->attachments[i];
    row.attachments.push_back({file.original_name, file.stored_name,
                               facts.attachments[i].content_type,
                               static_cast<std::int64_t>(file.size), file.sha256});
  }
  auto decision =
      pipeline::decide(mail.source, mail.file, mail.received_at, std::move(facts), course);
  pipeline::apply_checks(decision, mail.raw, m_checks, {});
  // S4 needs the versions already recorded; read them only for an unauthenticated version,
  // and only its group's.
  if (auto version = pipeline::version_of(decision, 0);
      version && version->trust == pipeline::SenderTrust::unauthenticated) {
    auto mails = m_ledger.mails_of_group(version->group);
    if (!mails)
      return std::unexpected(mails.error());
    pipeline::hold_if_unverified(decision, ledger::versions_of(*mails, course));
  }
  std::optional<ledger::OutgoingReply> reply;
  if (m_replies)
    reply = outgoing_reply(decision, course, *m_replies, now);
  // One transaction: the mail, its decision and its reply rows (the outbox).
  auto recorded = m_ledger.record(row, decision, now, reply);
  if (!recorded)
    return std::unexpected(recorded.error());
  core::fault_point("after-commit");
  if (m_replies && recorded->what == ledger::Recorded::new_mail)
    (void)note_bounce(m_ledger, mail.raw, decision.facts, m_replies->gates.own_domain);
  return IngestOutcome{recorded->what == ledger::Recorded::new_mail ? Taken::recorded
                                                                    : Taken::known,
                       recorded->mail_id, std::move(decision)};
}

} // namespace mailroom::daemon
