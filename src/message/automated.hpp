#pragma once

#include "message/facts.hpp"
#include "message/headers.hpp"

#include <string>
#include <vector>

namespace mailroom::message {

// One header field as written, name lower-cased, value unfolded.
struct HeaderField {
  std::string name;
  std::string value;
};

// Why a message was sent by a machine (RFC 3834, RFC 5230 section 4.6, and what
// the real-mail corpus shows: Exchange and iCloud auto-replies, bounces without
// Auto-Submitted, list mail). Empty when nothing says so. The first reasons use
// the wording of the corpus's expected.json ("Auto-Submitted: auto-replied",
// "Content-Type: multipart/report; report-type=delivery-status", "List-Id",
// "Precedence: bulk").
[[nodiscard]] std::vector<std::string> automated_reasons(const std::vector<HeaderField>& fields,
                                                         const Structured& content_type,
                                                         const std::vector<Mailbox>& from,
                                                         std::string_view return_path);

} // namespace mailroom::message
