#pragma once

#include "content/findings.hpp"
#include "ledger/prepared_statements.hpp"
#include "pipeline/records.hpp"

#include <Poco/Data/Session.h>

#include <vector>

// The content checks' findings of each mail (table content_findings): written with the
// mail's decision, in its transaction, and read back onto MailRow.
namespace mailroom::ledger {

// Replaces what is recorded for `mail_id` with `findings`. Inside the caller's transaction.
void write_findings(PreparedStatements& statements, pipeline::Id mail_id,
                    const std::vector<content::Finding>& findings);

// Fills each mail's `findings` from the table, in the order they were found.
void read_findings(Poco::Data::Session& session, std::vector<pipeline::MailRow>& mails);

} // namespace mailroom::ledger
