#include "message/dsn.hpp"

#include "message/headers.hpp"
#include "message/mime_walk.hpp"
#include "message/structure.hpp"
#include "message/transfer.hpp"
#include "util/text.hpp"

#include <mimetic/mimetic.h>

#include <vector>

namespace mailroom::message {

namespace {

// A report's fields come first; the returned original follows and is not needed.
constexpr std::size_t k_scan_bytes = 1u << 20;
// Enough for any real report's recipients; a hostile one gets no more rows than this.
constexpr std::size_t k_max_recipients = 100;

std::string field_of(const mimetic::Header& header, std::string_view name) {
  std::string storage;
  const auto* value = find_field(header, name, storage);
  return value ? util::trim(*value) : std::string{};
}

// "rfc822; <a@b>" -> "a@b": the address of an RFC 3464 address field.
std::string address_of(std::string_view value) {
  if (const auto semicolon = value.find(';'); semicolon != std::string_view::npos)
    value = value.substr(semicolon + 1);
  auto address = util::trim(value);
  if (address.size() > 1 && address.front() == '<' && address.back() == '>')
    address = address.substr(1, address.size() - 2);
  return address;
}

// The text of a delivery-status body split into its field blocks (RFC 3464 2.1: the
// per-message block, then one per recipient), each read by mimetic's header reader,
// which unfolds continuation lines.
std::vector<BouncedRecipient> recipients_of_status(std::string_view text) {
  std::vector<BouncedRecipient> out;
  std::size_t start = 0;
  while (start < text.size() && out.size() < k_max_recipients) {
    auto end = text.find("\n\n", start);
    auto crlf = text.find("\r\n\r\n", start);
    std::size_t gap = 2;
    if (crlf != std::string_view::npos && (end == std::string_view::npos || crlf < end)) {
      end = crlf;
      gap = 4;
    }
    const auto block = text.substr(start, end == std::string_view::npos ? text.npos : end - start);
    start = end == std::string_view::npos ? text.size() : end + gap;
    if (util::trim(block).empty())
      continue;
    const std::string entity_text = std::string(block) + "\n\n";
    const auto tree = read_mime_tree(entity_text);
    const mimetic::MimeEntity& entity = *tree.root;
    BouncedRecipient recipient;
    recipient.recipient = address_of(field_of(entity.header(), "final-recipient"));
    if (recipient.recipient.empty())
      recipient.recipient = address_of(field_of(entity.header(), "original-recipient"));
    if (recipient.recipient.empty())
      continue; // the per-message block
    recipient.action = util::lower(field_of(entity.header(), "action"));
    recipient.status = field_of(entity.header(), "status");
    recipient.diagnostic = field_of(entity.header(), "diagnostic-code");
    out.push_back(std::move(recipient));
  }
  return out;
}

bool looks_like_status(std::string_view text) {
  const auto lower = util::lower(text.substr(0, 4096));
  return lower.find("final-recipient:") != std::string::npos &&
         (lower.starts_with("reporting-mta:") || lower.find("\nreporting-mta:") != lower.npos ||
          lower.find("\nstatus:") != lower.npos);
}

// The decoded text of the first part that is a delivery status: typed so, or a text part
// whose fields say so. Depth first, iteratively: the structure was cut to the limits.
std::string status_text(const mimetic::MimeEntity& root) {
  std::vector<const mimetic::MimeEntity*> stack{&root};
  while (!stack.empty()) {
    const auto* entity = stack.back();
    stack.pop_back();
    const auto type = util::lower(entity->header().contentType().str());
    const auto& parts = entity->body().parts();
    if (parts.empty() && (type.starts_with("message/delivery-status") ||
                          type.starts_with("message/global-delivery-status") ||
                          type.starts_with("text/plain") || type.starts_with("/"))) {
      std::string storage;
      const auto* encoding = find_field(entity->header(), "content-transfer-encoding", storage);
      auto text = decode_to_string(entity->body(),
                                   encoding ? transfer_encoding(*encoding) : TransferEncoding{});
      if (!type.starts_with("text/") && !type.starts_with("/"))
        return text;
      if (looks_like_status(text))
        return text;
    }
    if (type.starts_with("message/rfc822"))
      continue; // the returned original: its own parts are not the report
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
      stack.push_back(*it);
  }
  return {};
}

// Exim writes no delivery-status part: X-Failed-Recipients names the addresses, and the
// body has each on a line of its own, indented, with the reason indented further below.
std::vector<BouncedRecipient> exim_recipients(const mimetic::MimeEntity& root) {
  std::vector<BouncedRecipient> out;
  const auto failed = field_of(root.header(), "x-failed-recipients");
  if (failed.empty())
    return out;
  const std::string& body = root.body();
  for (const auto& mailbox : parse_mailboxes(failed, k_max_recipients)) {
    BouncedRecipient recipient;
    recipient.recipient = mailbox.address;
    recipient.action = "failed";
    const auto line = "\n  " + mailbox.address;
    auto at = body.find(line);
    if (at != std::string::npos) {
      at = body.find('\n', at + 1);
      std::string reason;
      while (at != std::string::npos && at + 1 < body.size()) {
        const auto end = body.find('\n', at + 1);
        const std::string_view next(body.data() + at + 1,
                                    (end == std::string::npos ? body.size() : end) - at - 1);
        if (!next.starts_with("    ") && !next.starts_with("\t"))
          break;
        reason += (reason.empty() ? "" : " ") + util::trim(next);
        at = end;
      }
      recipient.diagnostic = reason;
    }
    out.push_back(std::move(recipient));
  }
  return out;
}

} // namespace

std::vector<BouncedRecipient> read_bounce(std::string_view raw) {
  try {
    raw = raw.substr(0, std::min(raw.size(), k_scan_bytes));
    const auto usable = raw.substr(0, scan_structure(raw, Limits{}).usable);
    const auto tree = read_mime_tree(usable);
    const mimetic::MimeEntity& root = *tree.root;
    if (auto text = status_text(root); !text.empty())
      if (auto recipients = recipients_of_status(text); !recipients.empty())
        return recipients;
    return exim_recipients(root);
  } catch (const std::exception&) {
    return {};
  }
}

} // namespace mailroom::message
