#pragma once

#include "message/facts.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mimetic {
class MimeEntity;
}

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

// How read_mime_tree keeps a leaf's body: mimetic's way, copied into the entity, or
// located: not copied, only where it lies in the text read (MimeTree::body). A deck's
// base64 is as big as the mail, so a copy would hold the mail in memory twice.
enum class Bodies { copied, located };

// mimetic's tree of a message. mimetic throws on some broken bodies (a multipart without a
// boundary whose body starts with "--" lines); then `root` holds the header alone, so the
// sender and subject are still known, and `unread_body` says what mimetic said.
struct MimeTree {
  std::unique_ptr<mimetic::MimeEntity> root;
  std::string unread_body;
  // With Bodies::located: each leaf's body, in the text the tree was read from.
  std::unordered_map<const mimetic::MimeEntity*, std::string_view> located;

  // The body of `entity` (one of this tree's): where it was located, else mimetic's copy.
  [[nodiscard]] std::string_view body(const mimetic::MimeEntity& entity) const;
};

// Not mimetic's parsing constructor: when it throws, the half-built entity is never destroyed
// and every part read so far leaks. An entity built first and loaded after is freed whole.
// With Bodies::located the tree points into `text`, which must outlive it.
[[nodiscard]] MimeTree read_mime_tree(std::string_view text, Bodies bodies = Bodies::copied);

} // namespace mailroom::message
