#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailroom::reply {

// The one address of a course's desk: students write to it, replies come from it, and
// bounces come back to it.
struct Desk {
  std::string from;    // the From field as written ("CSE 585 Staff <cse585-staff@umich.edu>")
  std::string address; // the bare address ("cse585-staff@umich.edu")
  // mailroom's own Message-ID domain, under the desk's domain so that strict servers see
  // a sender that owns it ("mailroom.cse585-f25.umich.edu"); also the loop marker.
  std::string message_id_domain;
};

// The bare address of a From-like `value` ("Name <a@b>" or "a@b"); nullopt unless it is
// exactly one address with a local part and a domain. Pure.
[[nodiscard]] std::optional<std::string> bare_address(std::string_view value);

// The desk of course `course_id` whose address is `from` (a From field as written).
// A `from` without a readable domain gives a ".invalid" Message-ID domain. Pure.
[[nodiscard]] Desk desk_of(std::string_view from, std::string_view course_id);

} // namespace mailroom::reply
