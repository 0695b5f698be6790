#pragma once

#include "core/instant.hpp"
#include "message/facts.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::message {

// RFC 2047 encoded-words in a header value decoded to UTF-8. Whitespace between
// adjacent encoded-words is dropped and adjacent words in one charset are joined
// before conversion, so a character split across two words survives. Raw 8-bit
// text is read as UTF-8, else windows-1252. Malformed words stay as written.
// Linear in the length of `raw`.
[[nodiscard]] std::string decode_words(std::string_view raw);

// One parameter of a structured field, unquoted but otherwise as written
// ("filename*0*", "utf-8''%C3%9Cbung").
struct Param {
  std::string name; // lower case
  std::string value;
};

// "type/subtype; a=b; c=\"d\"" split into its first token (lower case) and parameters.
struct Structured {
  std::string token;
  std::vector<Param> params;
};

[[nodiscard]] Structured parse_structured(std::string_view value);

// What reading one parameter found besides its value.
struct ParamNotes {
  bool lossy = false;           // bytes did not convert cleanly
  bool segments_capped = false; // more RFC 2231 segments than mailroom joins
};

// The value of parameter `name` (lower case), with RFC 2231 continuations joined
// and percent-decoded in their charset, or RFC 2047 words decoded when the
// mailer put those in quotes instead (Gmail and Outlook do). `fallback_charset`
// (the part's charset) is tried for raw 8-bit bytes that are not UTF-8.
[[nodiscard]] std::optional<std::string> param_value(const std::vector<Param>& params,
                                                     std::string_view name,
                                                     std::string_view fallback_charset,
                                                     ParamNotes* notes = nullptr);

// The mailboxes of an address-list header ("A <a@x>, \"B, C\" <b@x>, c@x (C)").
// Groups are flattened. At most `limit` mailboxes are returned.
[[nodiscard]] std::vector<Mailbox> parse_mailboxes(std::string_view value, std::size_t limit);

// RFC 5322 date-time ("Tue, 04 Nov 2025 10:29:59 -0500"), leniently; nullopt when unreadable.
[[nodiscard]] std::optional<core::Instant> parse_date(std::string_view value);

// Every "<...>" message id in a References or In-Reply-To value.
[[nodiscard]] std::vector<std::string> message_ids(std::string_view value, std::size_t limit);

[[nodiscard]] std::string lower_ascii(std::string_view s);
[[nodiscard]] std::string_view trim(std::string_view s);

} // namespace mailroom::message
