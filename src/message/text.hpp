#pragma once

#include "message/facts.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mailroom::message {

// The readable text of an HTML document (UTF-8 in, UTF-8 out): tags dropped,
// script/style/head content dropped, block ends as line breaks, entities decoded.
[[nodiscard]] std::string html_to_text(std::string_view html);

// HTML character references ("&amp;", "&#233;", "&#xE9;", "&uuml;") decoded.
[[nodiscard]] std::string decode_entities(std::string_view text);

// The href values of <a>, <area> and <link> tags, entities decoded, in order.
[[nodiscard]] std::vector<std::string> html_hrefs(std::string_view html, std::size_t limit);

// CRLF and lone CR turned into LF.
[[nodiscard]] std::string normalize_newlines(std::string_view text);

// Every http(s) URL written in plain text, in order, trailing punctuation removed.
[[nodiscard]] std::vector<std::string> text_urls(std::string_view text, std::size_t limit);

// Appends `url` to `links` unless it is already there or the limit is reached.
void add_link(std::vector<Link>& links, std::string url, std::size_t limit);

} // namespace mailroom::message
