#pragma once

#include "message/facts.hpp"
#include "message/structure.hpp"

#include <mimetic/mimetic.h>

#include <string>
#include <string_view>

namespace mailroom::message {

// The value of the first field `name` (lower case) of `header`, nullptr if none.
[[nodiscard]] const std::string* find_field(const mimetic::Header& header, std::string_view name,
                                            std::string& storage);

// Walks the tree mimetic built (already cut to the limits by scan_structure; its bodies
// copied or located),
// depth first, and fills `facts.attachments`, `facts.text`, `facts.text_from_html`
// and `facts.links`. Part paths are IMAP section numbers ("2.1"), as in the
// corpus's expected.json.
// `origin` prefixes the parse_errors it adds.
void walk_parts(const MimeTree& tree, std::string_view origin, const ParseOptions& options,
                MessageFacts& facts);

} // namespace mailroom::message
