#pragma once

#include "archive/archive.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "mailbox/mailbox.hpp"
#include "pipeline/decision.hpp"
#include "rules/course.hpp"

namespace mailroom::daemon {

enum class Taken { recorded, known };

struct IngestOutcome {
  Taken taken = Taken::recorded;
  ledger::Id mail_id = 0;
  pipeline::Decision decision; // empty when the mail was known
};

// Takes one raw mail into the state folder, exactly once: skip a known source; parse;
// archive the raw bytes and attachments (fsync'ed) before any decision is recorded;
// decide; record. A mail that fails to parse is still recorded, with its errors.
class Ingest {
public:
  Ingest(ledger::SqliteLedger& ledger, const archive::Archive& archive)
      : m_ledger(ledger), m_archive(archive) {}

  [[nodiscard]] core::Result<IngestOutcome> take(const mailbox::RawMail& mail,
                                                 const rules::Course& course, core::Instant now);

private:
  ledger::SqliteLedger& m_ledger;
  const archive::Archive& m_archive;
};

} // namespace mailroom::daemon
