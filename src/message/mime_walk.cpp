#include "message/mime_walk.hpp"

#include "message/charset.hpp"
#include "message/headers.hpp"
#include "message/structure.hpp"
#include "message/text.hpp"
#include "message/transfer.hpp"

#include <optional>

namespace mailroom::message {
namespace {

// Text parts bigger than this are read for links and text only up to it.
constexpr std::size_t k_max_text_bytes = 4u << 20;

struct Part {
  const mimetic::MimeEntity& entity;
  std::string content_type; // "type/subtype", lower case
  Structured type;
  Structured disposition;
  TransferEncoding encoding = TransferEncoding::identity;
};

class Walker {
public:
  Walker(std::string_view origin, const ParseOptions& options, MessageFacts& facts)
      : m_origin(origin), m_options(options), m_facts(facts) {}

  void run(const MimeTree& tree) {
    m_trees.push_back(&tree);
    walk(*tree.root, "", 0, false);
    finish_text();
  }

private:
  // expect.py's walk(): containers are numbered through, an embedded message's
  // body is numbered under the message's own number.
  void walk(const mimetic::MimeEntity& entity, const std::string& path, int depth, bool in_digest) {
    if (depth > m_options.limits.max_depth + 1)
      return;
    ++m_parts;
    Part part = describe(entity, in_digest);
    const auto& children = entity.body().parts();
    if (part.content_type.starts_with("multipart/")) {
      const bool digest = part.content_type == "multipart/digest";
      const std::string prefix = path.empty() ? "" : path + ".";
      int index = 0;
      for (const auto* child : children)
        walk(*child, prefix + std::to_string(++index), depth + 1, digest);
      return;
    }
    if (part.content_type.starts_with("message/") && !children.empty() && !opaque_message(part)) {
      embedded(*children.front(), path.empty() ? "1" : path, depth);
      return;
    }
    if (part.content_type.starts_with("message/") &&
        part.content_type != "message/delivery-status" && children.empty() &&
        !opaque_message(part)) {
      nested(part, path.empty() ? "1" : path, depth);
      return;
    }
    leaf(part, path.empty() ? "1" : path);
  }

  // mimetic reads only message/rfc822 as a message; Python (and mail clients)
  // read every message/* but delivery-status that way (message/partial,
  // message/global). The body is parsed as a message of its own, within what
  // is left of the depth and part limits.
  void nested(const Part& part, const std::string& path, int depth) {
    const std::string_view body = body_of(part.entity);
    Limits limits = m_options.limits;
    limits.max_depth -= depth + 1;
    limits.max_parts -= m_parts;
    if (limits.max_depth < 0 || limits.max_parts < 1)
      return;
    auto scan = scan_structure(body, limits);
    for (auto& text : scan.limit_exceeded)
      m_facts.limit_exceeded.push_back("part " + path + ": " + text);
    const auto tree = read_mime_tree(body.substr(0, scan.usable), Bodies::located);
    if (!tree.unread_body.empty())
      m_facts.parse_errors.push_back(
          "part " + path +
          ": the forwarded message's body could not be read (mimetic: " + tree.unread_body + ")");
    m_trees.push_back(&tree);
    embedded(*tree.root, path, depth);
    m_trees.pop_back();
  }

  void embedded(const mimetic::MimeEntity& inner, const std::string& here, int depth) {
    const Part inner_part = describe(inner, false);
    if (inner_part.content_type.starts_with("multipart/")) {
      int index = 0;
      const bool digest = inner_part.content_type == "multipart/digest";
      for (const auto* child : inner.body().parts())
        walk(*child, here + "." + std::to_string(++index), depth + 2, digest);
      return;
    }
    walk(inner, here + ".1", depth + 1, false);
  }

  // A message/* part sent base64 or quoted-printable: RFC 2046 forbids it,
  // mailers do it, and its bytes are then an opaque attachment.
  static bool opaque_message(const Part& part) {
    return part.encoding == TransferEncoding::base64 ||
           part.encoding == TransferEncoding::quoted_printable;
  }

  Part describe(const mimetic::MimeEntity& entity, bool in_digest) const {
    Part part{entity, {}, {}, {}, TransferEncoding::identity};
    std::string storage;
    if (const auto* value = find_field(entity.header(), "content-type", storage))
      part.type = parse_structured(*value);
    if (const auto* value = find_field(entity.header(), "content-disposition", storage))
      part.disposition = parse_structured(*value);
    if (const auto* value = find_field(entity.header(), "content-transfer-encoding", storage))
      part.encoding = transfer_encoding(*value);
    part.content_type = part.type.token;
    const auto slash = part.content_type.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == part.content_type.size() ||
        part.content_type.find_first_of(" \t\"") != std::string::npos)
      part.content_type = in_digest ? "message/rfc822" : "text/plain";
    return part;
  }

  // The body of `entity`, from the tree it is in.
  std::string_view body_of(const mimetic::MimeEntity& entity) const {
    for (auto tree = m_trees.rbegin(); tree != m_trees.rend(); ++tree)
      if (const auto at = (*tree)->located.find(&entity); at != (*tree)->located.end())
        return at->second;
    return entity.body();
  }

  // The bytes of a leaf: its body, or for an opaque message/* part the text
  // mimetic read as a header-less inner message.
  std::string_view leaf_bytes(const Part& part) const {
    const auto& children = part.entity.body().parts();
    if (children.size() == 1 && children.front()->header().empty())
      return body_of(*children.front());
    return body_of(part.entity);
  }

  void leaf(const Part& part, const std::string& path) {
    const std::string charset = param_value(part.type.params, "charset", "").value_or("");
    ParamNotes notes;
    auto filename = param_value(part.disposition.params, "filename", charset, &notes);
    if (!filename)
      filename = param_value(part.type.params, "name", charset, &notes);
    if (notes.segments_capped)
      error(path, "too many RFC 2231 segments in a name");
    const bool attachment_disposition = part.disposition.token == "attachment";
    if (attachment_disposition || filename)
      attachment(part, path, filename.value_or(""));
    if (attachment_disposition)
      return;
    if (part.content_type == "text/plain" || part.content_type == "text/html")
      text(part, charset);
  }

  void attachment(const Part& part, const std::string& path, std::string filename) {
    Decoded decoded;
    if (auto* writer = m_options.attachment_writer) {
      writer->begin(m_facts.attachments.size());
      decoded = decode_body(leaf_bytes(part), part.encoding, *writer);
    } else {
      const auto keep = m_options.keep_attachment_bytes ? KeepBytes::yes : KeepBytes::no;
      decoded = decode_body(leaf_bytes(part), part.encoding, keep);
    }
    if (decoded.lossy)
      error(path, "broken base64 kept as written");
    Attachment out;
    out.filename = std::move(filename);
    out.content_type = part.content_type;
    out.size = decoded.size;
    out.sha256 = std::move(decoded.sha256);
    out.bytes = std::move(decoded.bytes);
    out.part_path = path;
    out.inline_disposition = part.disposition.token == "inline";
    out.winmail_dat =
        part.content_type == "application/ms-tnef" || lower_ascii(out.filename) == "winmail.dat";
    m_facts.attachments.push_back(std::move(out));
  }

  void text(const Part& part, const std::string& charset) {
    const std::string_view body = body_of(part.entity);
    auto bytes = decode_to_string(body.substr(0, k_max_text_bytes), part.encoding);
    auto utf8 = normalize_newlines(to_utf8(bytes, charset).text);
    if (part.content_type == "text/plain") {
      for (auto& url : text_urls(utf8, m_options.limits.max_links))
        add_link(m_facts.links, std::move(url), m_options.limits.max_links);
      if (!m_plain)
        m_plain = std::move(utf8);
      return;
    }
    for (auto& url : html_hrefs(utf8, m_options.limits.max_links))
      add_link(m_facts.links, std::move(url), m_options.limits.max_links);
    auto plain = html_to_text(utf8);
    for (auto& url : text_urls(plain, m_options.limits.max_links))
      add_link(m_facts.links, std::move(url), m_options.limits.max_links);
    if (!m_html)
      m_html = std::move(plain);
  }

  void finish_text() {
    if (m_plain) {
      m_facts.text = std::move(*m_plain);
    } else if (m_html) {
      m_facts.text = std::move(*m_html);
      m_facts.text_from_html = true;
    }
  }

  void error(const std::string& path, const std::string& what) {
    m_facts.parse_errors.push_back(std::string(m_origin) + ": part " + path + ": " + what);
  }

  std::string_view m_origin;
  const ParseOptions& m_options;
  MessageFacts& m_facts;
  int m_parts = 0;
  std::optional<std::string> m_plain;
  std::optional<std::string> m_html;
  std::vector<const MimeTree*> m_trees; // the message's, then a forwarded message's
};

} // namespace

const std::string* find_field(const mimetic::Header& header, std::string_view name,
                              std::string& storage) {
  for (const auto& field : header) {
    const std::string& field_name = field.name();
    if (field_name.size() == name.size() && lower_ascii(field_name) == name) {
      storage = field.value();
      return &storage;
    }
  }
  return nullptr;
}

void walk_parts(const MimeTree& tree, std::string_view origin, const ParseOptions& options,
                MessageFacts& facts) {
  Walker(origin, options, facts).run(tree);
}

} // namespace mailroom::message
