#pragma once

#include "core/instant.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::message {

struct Mailbox {
  std::string name;    // decoded display name, UTF-8
  std::string address; // addr-spec as written ("Jane.Doe@UMich.edu")
};

struct Attachment {
  std::string filename;     // decoded (RFC 2231 / RFC 2047), UTF-8; may be empty
  std::string content_type; // lower case, "application/pdf"
  std::uint64_t size = 0;   // decoded bytes
  std::string sha256;       // hex, lower case, of the decoded bytes
  std::string part_path;    // "2.1": where it sits in the MIME tree
  bool inline_disposition = false;
  bool winmail_dat = false; // Outlook's TNEF container (application/ms-tnef)
  // The decoded bytes are kept only when asked (ParseOptions::keep_attachment_bytes).
  std::string bytes;
};

enum class LinkKind { google_slides, google_docs, google_drive, github, gitlab, other };

struct Link {
  std::string url;
  LinkKind kind = LinkKind::other;
};

// Hard limits against hostile mail; over any of them the facts say which, plainly.
struct Limits {
  std::uint64_t max_message_bytes = 64ull << 20;
  int max_depth = 32;
  int max_parts = 1000;
  std::size_t max_header_bytes = 256u << 10; // one header field, unfolded
  std::size_t max_header_fields = 10000;     // fields in the header of one part
  std::size_t max_boundary_length = 200;     // RFC 2046 says 70; mailers exceed it a little
  std::size_t max_addresses = 1000;          // mailboxes read from one address field
  std::size_t max_links = 1000;
};

// Where decoded attachment bytes go as they are decoded, instead of memory: the archive
// writes them straight to disk, so a 20 MB deck is never held decoded beside its mail.
class AttachmentWriter {
public:
  virtual ~AttachmentWriter() = default;
  // The bytes of the attachment that will be facts.attachments[index] begin.
  virtual void begin(std::size_t index) = 0;
  virtual void write(std::string_view bytes) = 0;
  // What was written since begin() is void: broken base64 is kept as written instead.
  virtual void restart() = 0;
};

struct ParseOptions {
  Limits limits;
  bool keep_attachment_bytes = false;
  // When set, attachment bytes go here (and not into Attachment::bytes). Not owned.
  AttachmentWriter* attachment_writer = nullptr;
  // The raw message's SHA-256 when the caller has it already: a backlog is gigabytes,
  // hashed once.
  std::string_view raw_sha256;
};

// Everything mailroom reads from one raw RFC 5322 message. Pure data.
struct MessageFacts {
  std::vector<Mailbox> from; // more than one is suspicious (docs/reliability-cases.md S3)
  int from_fields = 0;       // number of From header fields
  std::optional<Mailbox> reply_to;
  std::optional<Mailbox> sender;
  std::vector<Mailbox> to;
  std::vector<Mailbox> cc;
  std::string return_path; // as written, "<>" for the null path; empty when absent
  std::string subject;     // decoded to UTF-8
  std::string date_header; // as written
  std::optional<core::Instant> date;
  std::string message_id; // with angle brackets, as written
  std::string in_reply_to;
  std::vector<std::string> references;
  std::vector<std::string> received; // Received fields, topmost first, unfolded
  std::vector<std::string> authentication_results;
  std::string auto_submitted; // header value, lower case
  std::string x_mailroom_loop;
  bool automated = false;
  std::vector<std::string> automated_reasons; // "Auto-Submitted: auto-replied", "List-Id present"
  std::string text;                           // text/plain, or text of text/html; UTF-8
  bool text_from_html = false;
  std::vector<Attachment> attachments;     // every depth, forwarded messages included
  std::vector<Link> links;                 // from text and HTML, each once, in order found
  std::vector<std::string> limit_exceeded; // "MIME nesting 120 deep, limit 32"
  std::vector<std::string> parse_errors;   // what was wrong but survived
  // mimetic read the header but not the body: what the mail carries is not known.
  bool body_unread = false;
  std::uint64_t size = 0; // raw bytes
  std::string sha256;     // of the raw bytes, hex
};

[[nodiscard]] std::string to_string(LinkKind kind);

} // namespace mailroom::message
