#include "daemon/ingest.hpp"

#include "message/parse.hpp"

namespace mailroom::daemon {

core::Result<IngestOutcome> Ingest::take(const mailbox::RawMail& mail, const rules::Course& course,
                                         core::Instant now) {
  auto seen = m_ledger.knows_source(mail.source);
  if (!seen)
    return std::unexpected(seen.error());
  if (*seen)
    return IngestOutcome{Taken::known, 0, {}};
  message::ParseOptions options;
  options.keep_attachment_bytes = true;
  auto facts = message::parse(mail.raw, "file " + mail.file, options);
  // Order is important: archive first (fsync'ed and renamed), record after. A crash in
  // between leaves an archived file that the next run finds by its hash.
  auto stored = m_archive.store(mail.raw, facts.attachments);
  if (!stored)
    return std::unexpected(stored.error());
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
  // The bytes are in the archive now; the decision and the ledger need only the facts.
  for (auto& attachment : facts.attachments)
    std::string().swap(attachment.bytes);
  auto decision =
      pipeline::decide(mail.source, mail.file, mail.received_at, std::move(facts), course);
  auto recorded = m_ledger.record(row, decision, now);
  if (!recorded)
    return std::unexpected(recorded.error());
  return IngestOutcome{recorded->what == ledger::Recorded::new_mail ? Taken::recorded
                                                                    : Taken::known,
                       recorded->mail_id, std::move(decision)};
}

} // namespace mailroom::daemon
