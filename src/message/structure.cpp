#include "message/structure.hpp"

#include "message/header_block.hpp"

#include <mimetic/mimetic.h>

#include <new>
#include <optional>

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
  enum class Last { none, boundary, closing };
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
    if (m_frames.back() == Kind::message || m_pos >= m_raw.size() || m_last == Last::none) {
      m_frames.pop_back();
      return Next::parent;
    }
    if (m_last == Last::boundary)
      return Next::child;
    m_bounds.pop_back();
    copy_until_boundary();
    m_frames.pop_back();
    return Next::parent;
  }

  // The random-access copy_until_boundary: only the innermost boundary is
  // searched, anywhere in a line; when it is missing the rest is body.
  void copy_until_boundary() {
    if (m_bounds.empty()) {
      m_pos = m_raw.size();
      return;
    }
    m_last = Last::none;
    const auto& boundary = m_bounds.back();
    const auto found = m_raw.find(boundary, m_pos);
    if (found == std::string_view::npos) {
      m_pos = m_raw.size();
      return;
    }
    m_last = Last::boundary;
    m_pos = found + boundary.size();
    if (m_pos + 1 < m_raw.size() && m_raw[m_pos] == '-' && m_raw[m_pos + 1] == '-') {
      m_last = Last::closing;
      m_pos += 2;
    }
    if (m_pos + 1 < m_raw.size() && is_newline(m_raw[m_pos])) {
      const char c = m_raw[m_pos++];
      if (is_newline(m_raw[m_pos]) && m_raw[m_pos] != c)
        ++m_pos;
    }
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
  Last m_last = Last::none;
  std::vector<std::string> m_bounds;
  std::vector<Kind> m_frames;
  std::optional<std::size_t> m_cut;
  StructureScan m_result;
};

} // namespace

StructureScan scan_structure(std::string_view raw, const Limits& limits) {
  return Scanner(raw, limits).run();
}

MimeTree read_mime_tree(std::string_view text) {
  MimeTree tree{std::make_unique<mimetic::MimeEntity>(), {}};
  try {
    tree.root->load(text.data(), text.data() + text.size());
    return tree;
  } catch (const std::bad_alloc&) {
    throw; // out of memory is a limit (parse's catch), not a body mimetic cannot read
  } catch (const std::exception& error) {
    tree.unread_body = error.what();
  }
  // Skipping every body, mimetic reads nothing but header fields, which do not throw.
  tree.root = std::make_unique<mimetic::MimeEntity>();
  tree.root->load(text.data(), text.data() + text.size(),
                  mimetic::imBody | mimetic::imChildParts | mimetic::imPreamble |
                      mimetic::imEpilogue);
  return tree;
}

} // namespace mailroom::message
