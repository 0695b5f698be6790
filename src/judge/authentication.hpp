#pragma once

#include "message/facts.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::judge {

// One trace header field of a message, in header order (topmost first).
struct TraceField {
  enum class Kind { received, authentication_results };
  Kind kind = Kind::received;
  std::string value; // unfolded
};

// The Received and Authentication-Results fields of the top-level header of `raw`, in
// the order they appear. Pure; reads up to the first empty line.
[[nodiscard]] std::vector<TraceField> trace_fields(std::string_view raw);

// Whether the From of a mail is authenticated (docs/reliability-cases.md section 2, S1, S2, S8).
struct Authentication {
  bool authenticated = false;
  std::string why; // the A-R that was used and what it said, or why nothing counts
};

// Authentication-Results count only when their authserv-id (lower case, comments and a
// trailing dot removed) is `trusted_authserv_id`, and only above the trust boundary: the
// first Received field not added by a host of the trusted domain from a loopback or
// private address (the bracketed address is written by our server, not by the sender).
// Of those, the topmost decides. Authenticated means dmarc=pass with header.from equal to
// the From domain, or dkim=pass with header.d in the From's organizational domain; SPF
// alone never counts. An empty `trusted_authserv_id` authenticates nothing (fail closed),
// and so does a mail with other than exactly one From address. Pure.
[[nodiscard]] Authentication authenticate(const std::vector<TraceField>& trace,
                                          const message::MessageFacts& facts,
                                          std::string_view trusted_authserv_id);

// The authserv-id of one Authentication-Results value (RFC 8601 2.2), normalised as
// authenticate compares it: lower case, comments and a trailing dot removed. Nullopt when
// it cannot be read. Pure.
[[nodiscard]] std::optional<std::string> authserv_id_of(std::string_view value);

// The signal a decision carries about its From: "authenticated: WHY" or
// "unauthenticated: WHY".
[[nodiscard]] std::string authentication_signal(const Authentication& authentication);

// What a decision's signals say about its sender: `unknown` when no authentication signal
// is there (no checks were run, e.g. replay without a config). Without a configured
// trusted authserv-id every checked mail is `unauthenticated`: replies to the sender
// only, on the smaller budget, and no silent replacement of another address's version.
enum class SenderTrust { unknown, authenticated, unauthenticated };
[[nodiscard]] SenderTrust sender_trust(const std::vector<std::string>& signals);

// Whether `signal` is one authentication_signal made. Pure.
[[nodiscard]] bool is_authentication_signal(std::string_view signal);

} // namespace mailroom::judge
