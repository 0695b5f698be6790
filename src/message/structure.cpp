#include "message/structure.hpp"

#include "message/header_block.hpp"

#include <mimetic/mimetic.h>

#include <new>
#include <optional>
#include <stdexcept>

namespace mailroom::message {
namespace {

using RawIterator = const char*;

// mimetic's own header reader, run on one header at a time. Deriving from the
// input-iterator parser gives access to loadHeader(), which the random-access
// parser that MimeEntity uses inherits unchanged.
class HeaderProbe : public mimetic::IteratorParser<RawIterator, std::input_iterator_tag> {
public:
  explicit HeaderProbe(mimetic::MimeEntity& entity) : IteratorParser(entity) {}
  RawIterator load(RawIterator begin, RawIterator end) {
    m_bit = begin;
    m_eit = end;
    loadHeader();
    return m_bit;
  }
};

enum class Found { none, boundary, closing };

// One step of mimetic's random-access copy_until_boundary: only the innermost boundary
// ("--" + parameter) is searched, from `from`, anywhere in a line. The block before it
// ends at `block_end` (the newline before the boundary not counted); the next read
// begins at `next`, past the boundary, its closing "--" and one line end. When the
// boundary is missing, the rest of `text` is the block.
struct BoundaryStep {
  std::size_t block_end = 0;
  std::size_t next = 0;
  Found found = Found::none;
  bool reversed = false; // mimetic's block would end before it begins (below)
};

BoundaryStep step_to_boundary(std::string_view text, std::size_t from, std::string_view boundary) {
  const auto at = text.find(boundary, from);
  if (at == std::string_view::npos)
    return {text.size(), text.size(), Found::none};
  BoundaryStep step{at, at + boundary.size(), Found::boundary};
  if (step.next + 1 < text.size() && text[step.next] == '-' && text[step.next + 1] == '-') {
    step.found = Found::closing;
    step.next += 2;
  }
  if (step.next + 1 < text.size() && is_newline(text[step.next])) {
    const char c = text[step.next++];
    if (is_newline(text[step.next]) && text[step.next] != c)
      ++step.next;
  }
  // mimetic trims "\r\n", "\n\r" or one "\r" or "\n". For a one-byte block it looks
  // at the byte before the block too, and a pair found so ends the block before it
  // begins: mimetic then throws ("basic_string::_M_replace") unless it ignores the block.
  if (at > from && is_newline(text[at - 1])) {
    const char last = text[at - 1];
    const bool pair = at >= 2 && is_newline(text[at - 2]) && text[at - 2] != last;
    step.reversed = pair && at - from == 1;
    step.block_end = step.reversed ? from : at - (pair ? 2 : 1);
  }
  return step;
}

enum class Kind { leaf, message, multipart };

class Scanner {
public:
  Scanner(std::string_view raw, const Limits& limits) : m_raw(raw), m_limits(limits) {}

  StructureScan run() {
    Next next = enter();
    while (next != Next::stop) {
      if (next == Next::child)
        next = enter();
      else if (m_frames.empty())
        break;
      else
        next = resume();
    }
    if (!m_cut)
      m_result.usable = m_raw.size();
    report();
    return std::move(m_result);
  }

private:
  enum class Next { child, parent, stop };

  // mimetic's loadHeader + getType + loadBody, up to where a child begins.
  Next enter() {
    const int depth = static_cast<int>(m_frames.size());
    ++m_result.parts;
    m_result.deepest = std::max(m_result.deepest, depth);
    if (depth > m_limits.max_depth || m_result.parts > m_limits.max_parts)
      cut(m_pos);
    const auto window = scan_header_block(m_raw, m_pos, m_limits);
    if (!window.oversized.empty()) {
      // The top-level header had its oversized fields taken out (parse); a part's
      // header with one ends the readable mail here.
      for (const auto& field : window.oversized)
        m_result.limit_exceeded.push_back("part " + std::to_string(m_result.parts) + ": " +
                                          oversized_field_problem(m_raw, field, m_limits));
      cut(m_pos);
      return Next::stop;
    }
    if (window.capped) {
      m_result.limit_exceeded.push_back(
          "header of part " + std::to_string(m_result.parts) + " has more than " +
          std::to_string(m_limits.max_header_fields) + " fields, limit " +
          std::to_string(m_limits.max_header_fields));
      cut(window.end);
      return Next::stop;
    }
    mimetic::MimeEntity entity;
    HeaderProbe probe(entity);
    const RawIterator begin = m_raw.data();
    m_pos = static_cast<std::size_t>(probe.load(begin + m_pos, begin + window.end) - begin);
    const mimetic::Header& header = entity.header();
    const mimetic::ContentType& type = header.contentType();
    if (type.isMultipart())
      return enter_multipart(type);
    if (type.type() == "message" && type.subtype() == "rfc822") {
      m_frames.push_back(Kind::message);
      return Next::child;
    }
    copy_until_boundary();
    return Next::parent;
  }

  Next enter_multipart(const mimetic::ContentType& type) {
    std::string boundary = "--" + type.param("boundary");
    if (boundary.size() > m_limits.max_boundary_length) {
      m_result.limit_exceeded.push_back("MIME boundary " + std::to_string(boundary.size() - 2) +
                                        " characters long, limit " +
                                        std::to_string(m_limits.max_boundary_length));
      cut(m_pos);
      return Next::stop;
    }
    m_bounds.push_back(std::move(boundary));
    copy_until_boundary();
    m_frames.push_back(Kind::multipart);
    return Next::parent;
  }

  // Back in the innermost open container: mimetic's loadMultipart loop.
  Next resume() {
    if (m_frames.back() == Kind::message || m_pos >= m_raw.size() || m_last == Found::none) {
      m_frames.pop_back();
      return Next::parent;
    }
    if (m_last == Found::boundary)
      return Next::child;
    m_bounds.pop_back();
    copy_until_boundary();
    m_frames.pop_back();
    return Next::parent;
  }

  // mimetic's random-access copy_until_boundary (step_to_boundary).
  void copy_until_boundary() {
    if (m_bounds.empty()) {
      m_pos = m_raw.size();
      return;
    }
    const auto step = step_to_boundary(m_raw, m_pos, m_bounds.back());
    m_pos = step.next;
    m_last = step.found;
  }

  void cut(std::size_t at) {
    if (!m_cut) {
      m_cut = at;
      m_result.usable = at;
    }
  }

  void report() {
    if (m_result.deepest > m_limits.max_depth)
      m_result.limit_exceeded.insert(m_result.limit_exceeded.begin(),
                                     "MIME nesting " + std::to_string(m_result.deepest) +
                                         " deep, limit " + std::to_string(m_limits.max_depth));
    if (m_result.parts > m_limits.max_parts)
      m_result.limit_exceeded.push_back(std::to_string(m_result.parts) + " MIME parts, limit " +
                                        std::to_string(m_limits.max_parts));
  }

  std::string_view m_raw;
  const Limits& m_limits;
  std::size_t m_pos = 0;
  Found m_last = Found::none;
  std::vector<std::string> m_bounds;
  std::vector<Kind> m_frames;
  std::optional<std::size_t> m_cut;
  StructureScan m_result;
};

// mimetic's parser, but a leaf's body is located in the text instead of copied into the
// entity. copy_until_boundary is the one virtual step of mimetic's parser that sees
// bodies; it is replaced with the random-access one's (step_to_boundary), and the rest
// (headers, the walk through parts, the entities) is mimetic's own, which the
// random-access parser inherits unchanged from the input-iterator one.
class LocatingParser : public mimetic::IteratorParser<RawIterator, std::input_iterator_tag> {
  using InputParser = mimetic::IteratorParser<RawIterator, std::input_iterator_tag>;

public:
  LocatingParser(mimetic::MimeEntity& root, std::string_view text,
                 std::unordered_map<const mimetic::MimeEntity*, std::string_view>& located)
      : IteratorParser(root), m_text(text), m_located(located) {}

  void load() { run(m_text.data(), m_text.data() + m_text.size()); }

private:
  void copy_until_boundary(mimetic::ParsingElem element) override {
    const auto from = static_cast<std::size_t>(m_bit - m_text.data());
    if (m_boundaryList.empty()) { // mimetic leaves the last boundary as it was
      m_bit = m_text.data() + m_text.size();
      keep(element, m_text.substr(from));
      return;
    }
    const auto step = step_to_boundary(m_text, from, m_boundaryList.front());
    m_lastBoundary = step.found == Found::none       ? InputParser::NoBoundary
                     : step.found == Found::boundary ? InputParser::Boundary
                                                     : InputParser::ClosingBoundary;
    if (step.reversed && element != InputParser::peIgnore)
      throw std::length_error("basic_string::_M_replace"); // what mimetic's own copy throws
    m_bit = m_text.data() + step.next;
    keep(element, m_text.substr(from, step.block_end - from));
  }

  void keep(mimetic::ParsingElem element, std::string_view block) {
    mimetic::MimeEntity& entity = *m_entityStack.top();
    switch (element) {
    case InputParser::pePreamble:
      entity.body().preamble().append(block);
      break;
    case InputParser::peEpilogue:
      entity.body().epilogue().append(block);
      break;
    case InputParser::peBody:
      locate(entity, block);
      break;
    default: // peIgnore
      break;
    }
  }

  // A body that mimetic's header reader began (with a line that was no field) goes on as
  // a copy, as does one of two blocks (never seen).
  void locate(mimetic::MimeEntity& entity, std::string_view block) {
    if (!entity.body().empty()) {
      entity.body().append(block);
      return;
    }
    const auto [at, first] = m_located.try_emplace(&entity, block);
    if (first)
      return;
    entity.body().append(at->second);
    entity.body().append(block);
    m_located.erase(at);
  }

  std::string_view m_text;
  std::unordered_map<const mimetic::MimeEntity*, std::string_view>& m_located;
};

} // namespace

StructureScan scan_structure(std::string_view raw, const Limits& limits) {
  return Scanner(raw, limits).run();
}

std::string_view MimeTree::body(const mimetic::MimeEntity& entity) const {
  if (const auto at = located.find(&entity); at != located.end())
    return at->second;
  return entity.body();
}

MimeTree read_mime_tree(std::string_view text, Bodies bodies) {
  MimeTree tree{std::make_unique<mimetic::MimeEntity>(), {}, {}};
  try {
    if (bodies == Bodies::located)
      LocatingParser(*tree.root, text, tree.located).load();
    else
      tree.root->load(text.data(), text.data() + text.size());
    return tree;
  } catch (const std::bad_alloc&) {
    throw; // out of memory is a limit (parse's catch), not a body mimetic cannot read
  } catch (const std::exception& error) {
    tree.unread_body = error.what();
  }
  tree.located.clear();
  // Skipping every body, mimetic reads nothing but header fields, which do not throw.
  tree.root = std::make_unique<mimetic::MimeEntity>();
  tree.root->load(text.data(), text.data() + text.size(),
                  mimetic::imBody | mimetic::imChildParts | mimetic::imPreamble |
                      mimetic::imEpilogue);
  return tree;
}

} // namespace mailroom::message
