#pragma once

#include "message/facts.hpp"
#include "pipeline/ports.hpp"

#include <string>

namespace mailroom::pipeline {

// A bounce (DSN) of one of mailroom's own replies: automated mail that names a
// Message-ID on `own_domain`. Its reply rows become "bounced" (`mailroom ledger
// --status reply-bounced`) with the DSN's Status and Diagnostic-Code, for the
// Final-Recipient when the DSN names one. The bounce itself is never answered (the
// gates see it as automated and as mailroom's own). Returns the rows marked; what staff
// should know goes to `notices`.
int note_bounce(MailStore& store, std::string_view raw, const message::MessageFacts& facts,
                const std::string& own_domain, std::vector<Notice>& notices);

} // namespace mailroom::pipeline
