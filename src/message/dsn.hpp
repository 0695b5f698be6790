#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailroom::message {

// One recipient a delivery report (bounce) says was not delivered, with the whole reason:
// fields are unfolded, so a Diagnostic-Code the MTA folded is read to its end.
struct BouncedRecipient {
  std::string recipient;  // bare address: Final-Recipient, else Original-Recipient
  std::string action;     // "failed", "delayed", ...; empty when not said
  std::string status;     // "5.1.1"; may carry the MTA's words after it
  std::string diagnostic; // the Diagnostic-Code, unfolded ("smtp; 550 5.1.1 <a@b>: ...")
};

// The recipients the delivery report `raw` names, in its order: each per-recipient block of
// an RFC 3464 message/delivery-status part (Postfix, Sendmail, Exchange and Office 365 write
// one), or of a text part that is one (MTAs that attach it as text/plain); without one, the
// X-Failed-Recipients of an Exim bounce, each with the indented reason under its address in
// the body. Empty when `raw` is no bounce mailroom can read. Reads at most the first MB, in
// linear time, through mimetic. Pure; never throws.
[[nodiscard]] std::vector<BouncedRecipient> read_bounce(std::string_view raw);

} // namespace mailroom::message
