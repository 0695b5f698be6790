#pragma once

#include "message/facts.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mailroom::message {

// What a pass over the message, reading it the way mimetic will, found out
// before mimetic builds its tree. mimetic 0.9.8 recurses once per nesting level,
// keeps every part and every header field in memory and searches for
// boundaries with a Boyer-Moore variant that is quadratic in the boundary
// length, so hostile mail must be cut before mimetic sees it.
struct StructureScan {
  std::size_t usable = 0; // mimetic may parse raw.substr(0, usable)
  int deepest = 0;        // deepest nesting seen (the top-level entity is 0)
  int parts = 0;          // entities seen, containers included
  std::vector<std::string> limit_exceeded;
};

// Replays mimetic's own header reader and boundary search without building a
// tree, iteratively, so the cost is linear and the stack stays flat. Counting
// goes on past the first limit so the report can say how deep or how many.
[[nodiscard]] StructureScan scan_structure(std::string_view raw, const Limits& limits);

} // namespace mailroom::message
