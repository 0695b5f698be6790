#include "message/parse.hpp"

#include "message/automated.hpp"
#include "message/control_bytes.hpp"
#include "message/header_block.hpp"
#include "message/headers.hpp"
#include "message/mime_walk.hpp"
#include "message/structure.hpp"
#include "message/transfer.hpp"

#include <mimetic/mimetic.h>

#include <exception>
#include <new>
#include <utility>

namespace mailroom::message {
namespace {

// "message 30 MB, limit 25 MB"; in bytes when rounding would hide the excess.
std::string size_over_limit(std::uint64_t bytes, std::uint64_t limit) {
  const auto mb = [](std::uint64_t n) { return (n + (1u << 19)) >> 20; };
  if (mb(bytes) > mb(limit))
    return "message " + std::to_string(mb(bytes)) + " MB, limit " + std::to_string(mb(limit)) +
           " MB";
  return "message " + std::to_string(bytes) + " bytes, limit " + std::to_string(limit) + " bytes";
}

// The top-level fields, minus any longer than the per-field limit (reported).
std::vector<HeaderField> read_fields(const mimetic::Header& header, const Limits& limits,
                                     MessageFacts& facts) {
  std::vector<HeaderField> fields;
  fields.reserve(header.size());
  for (const auto& field : header) {
    HeaderField out{lower_ascii(field.name()), field.value()};
    if (out.value.size() > limits.max_header_bytes) {
      facts.limit_exceeded.push_back("header field " + std::string(field.name()) + " is " +
                                     kilobytes(out.value.size()) + ", limit " +
                                     kilobytes(limits.max_header_bytes));
      continue;
    }
    fields.push_back(std::move(out));
  }
  return fields;
}

std::optional<Mailbox> first_mailbox(std::string_view value) {
  auto mailboxes = parse_mailboxes(value, 1);
  if (mailboxes.empty())
    return std::nullopt;
  return std::move(mailboxes.front());
}

void append_mailboxes(std::vector<Mailbox>& to, std::string_view value, const Limits& limits) {
  if (to.size() >= limits.max_addresses)
    return;
  for (auto& mailbox : parse_mailboxes(value, limits.max_addresses - to.size()))
    to.push_back(std::move(mailbox));
}

// Fills the envelope-ish facts. The first From, Subject, Date and Message-ID
// win over later duplicates, as in Python's email package.
void read_headers(const std::vector<HeaderField>& fields, const Limits& limits,
                  MessageFacts& facts) {
  bool subject = false;
  bool date = false;
  bool message_id = false;
  for (const auto& [name, value] : fields) {
    if (name == "from") {
      if (facts.from_fields++ == 0)
        facts.from = parse_mailboxes(value, limits.max_addresses);
    } else if (name == "reply-to" && !facts.reply_to) {
      facts.reply_to = first_mailbox(value);
    } else if (name == "sender" && !facts.sender) {
      facts.sender = first_mailbox(value);
    } else if (name == "to") {
      append_mailboxes(facts.to, value, limits);
    } else if (name == "cc") {
      append_mailboxes(facts.cc, value, limits);
    } else if (name == "return-path" && facts.return_path.empty()) {
      facts.return_path = std::string(trim(value));
    } else if (name == "subject" && !std::exchange(subject, true)) {
      facts.subject = decode_words(trim(value));
    } else if (name == "date" && !std::exchange(date, true)) {
      facts.date_header = std::string(trim(value));
      facts.date = parse_date(value);
    } else if (name == "message-id" && !std::exchange(message_id, true)) {
      facts.message_id = std::string(trim(value));
    } else if (name == "in-reply-to" && facts.in_reply_to.empty()) {
      facts.in_reply_to = std::string(trim(value));
    } else if (name == "references" && facts.references.empty()) {
      facts.references = message_ids(value, limits.max_addresses);
    } else if (name == "received") {
      facts.received.push_back(value);
    } else if (name == "authentication-results") {
      facts.authentication_results.push_back(value);
    } else if (name == "auto-submitted" && facts.auto_submitted.empty()) {
      facts.auto_submitted = lower_ascii(trim(value));
    } else if (name == "x-mailroom-loop" && facts.x_mailroom_loop.empty()) {
      facts.x_mailroom_loop = std::string(trim(value));
    }
  }
}

Structured top_content_type(const std::vector<HeaderField>& fields) {
  for (const auto& field : fields)
    if (field.name == "content-type")
      return parse_structured(field.value);
  return {};
}

// Where the message proper starts: after an mbox "From " line (mail saved from
// an mbox keeps it) and after blank-only lines before the first field, both of
// which Python's email package skips too.
std::size_t header_start(std::string_view raw) {
  std::size_t pos = 0;
  auto next_line = [&](std::size_t from) {
    const auto end = raw.find('\n', from);
    return end == std::string_view::npos ? raw.size() : end + 1;
  };
  if (raw.starts_with("From "))
    pos = next_line(0);
  while (pos < raw.size() && (raw[pos] == ' ' || raw[pos] == '\t')) {
    const auto end = next_line(pos);
    if (!trim(raw.substr(pos, end - pos)).empty())
      break;
    pos = end;
  }
  return pos;
}

void read_message(std::string_view raw, std::string_view origin, const ParseOptions& options,
                  MessageFacts& facts) {
  const auto& limits = options.limits;
  if (raw.size() > limits.max_message_bytes) {
    facts.limit_exceeded.push_back(size_over_limit(raw.size(), limits.max_message_bytes));
    raw = raw.substr(0, limits.max_message_bytes);
  }
  raw.remove_prefix(header_start(raw));
  std::string nul_free;
  if (raw.find('\0') != std::string_view::npos) {
    nul_free = with_header_nuls_replaced(raw);
    raw = nul_free;
  }
  // Order is important: oversized fields go before mimetic (or the structure scan, which
  // runs mimetic's header reader) sees them; its cost grows with a field's square.
  std::string without_oversized;
  if (const auto block = scan_header_block(raw, 0, limits); !block.oversized.empty()) {
    for (const auto& field : block.oversized)
      facts.limit_exceeded.push_back(oversized_field_problem(raw, field, limits));
    without_oversized = without_oversized_fields(raw, block);
    raw = without_oversized;
  }
  auto scan = scan_structure(raw, limits);
  for (auto& text : scan.limit_exceeded)
    facts.limit_exceeded.push_back(std::move(text));
  const auto usable = raw.substr(0, scan.usable);
  const auto tree = read_mime_tree(usable, Bodies::located);
  const mimetic::MimeEntity& root = *tree.root;
  facts.body_unread = !tree.unread_body.empty();
  if (facts.body_unread)
    facts.parse_errors.push_back(
        std::string(origin) +
        ": the MIME body could not be read, only the header (mimetic: " + tree.unread_body + ")");
  const auto fields = read_fields(root.header(), limits, facts);
  read_headers(fields, limits, facts);
  walk_parts(tree, origin, options, facts);
  facts.automated_reasons =
      automated_reasons(fields, top_content_type(fields), facts.from, facts.return_path);
  facts.automated = !facts.automated_reasons.empty();
  // Decoded text may hold controls again ("=?utf-8?q?a=00b?=", "filename*=''a%00.pdf").
  facts.subject = replace_control_bytes(facts.subject);
  for (auto* list : {&facts.from, &facts.to, &facts.cc})
    for (auto& mailbox : *list)
      mailbox.name = replace_control_bytes(mailbox.name);
  for (auto& file : facts.attachments)
    file.filename = replace_control_bytes(file.filename);
  if (fields.empty())
    facts.parse_errors.push_back(std::string(origin) + ": no header fields");
}

} // namespace

MessageFacts parse(std::string_view raw, std::string_view origin, const ParseOptions& options) {
  MessageFacts facts;
  facts.size = raw.size();
  facts.sha256 = options.raw_sha256.empty() ? sha256_hex(raw) : std::string(options.raw_sha256);
  try {
    read_message(raw, origin, options, facts);
  } catch (const std::bad_alloc&) {
    facts.limit_exceeded.push_back(std::string(origin) + ": out of memory while parsing");
  } catch (const std::exception& error) {
    facts.parse_errors.push_back(std::string(origin) + ": " + error.what());
  }
  return facts;
}

} // namespace mailroom::message
