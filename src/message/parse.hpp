#pragma once

#include "message/facts.hpp"

#include <string_view>

namespace mailroom::message {

// Read one raw RFC 5322 message into facts. Never throws and never fails: what
// cannot be read is reported in `parse_errors` / `limit_exceeded`. `origin` names the
// message in those texts ("file new/1700000000.M1.host").
[[nodiscard]] MessageFacts parse(std::string_view raw, std::string_view origin,
                                 const ParseOptions& options = {});

// Label a URL: google-slides, google-docs, google-drive, github, gitlab, other.
[[nodiscard]] LinkKind classify_link(std::string_view url);

// The host of an http(s) URL, lower case, without userinfo, port or "www."; empty for
// anything else.
[[nodiscard]] std::string link_host(std::string_view url);

} // namespace mailroom::message
