#include "pipeline/bounces.hpp"

#include "message/dsn.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <set>

namespace mailroom::pipeline {

namespace {

// The ids of mailroom's own replies are in the report's first part and the returned
// original's header; a bounce is small.
constexpr std::size_t k_scan_bytes = 1u << 20;

// "bounced: status 5.1.1; 550 5.1.1 <a@b>: User doesn't exist: a@b": what staff read in
// `mailroom ledger --status reply-bounced`, whole.
std::string detail_of(const message::BouncedRecipient& recipient) {
  std::string detail = "bounced";
  if (!recipient.status.empty())
    detail += ": status " + recipient.status;
  if (!recipient.diagnostic.empty())
    detail += "; " + recipient.diagnostic;
  return detail;
}

} // namespace

int note_bounce(MailStore& store, std::string_view raw, const message::MessageFacts& facts,
                const std::string& own_domain, std::vector<Notice>& notices) {
  if (!facts.automated || own_domain.empty())
    return 0;
  const std::string_view head = raw.substr(0, std::min(raw.size(), k_scan_bytes));
  const std::string lower = util::lower(head);
  const std::string suffix = "@" + util::lower(own_domain) + ">";
  std::set<std::string> ids;
  for (auto at = lower.find(suffix); at != std::string::npos; at = lower.find(suffix, at + 1)) {
    const auto open = lower.rfind('<', at);
    if (open == std::string::npos || at - open > 200)
      continue;
    const std::string id(head.substr(open, at + suffix.size() - open));
    if (id.find_first_of(" \t\r\n") == std::string::npos && id != facts.message_id)
      ids.insert(id);
  }
  if (ids.empty())
    return 0;
  auto recipients = message::read_bounce(raw);
  if (recipients.empty())
    recipients.push_back({}); // a bounce that names no recipient: all the reply's rows
  int marked = 0;
  for (const auto& id : ids) {
    for (const auto& bounced : recipients) {
      const auto detail = detail_of(bounced);
      auto changed = store.reply_bounced(id, bounced.recipient, detail);
      if (!changed) {
        notices.push_back({Notice::Level::error, changed.error().to_string()});
        continue;
      }
      if (*changed > 0)
        notices.push_back(
            {Notice::Level::warning,
             fmt::format("reply {} to {} bounced ({}): shown by `mailroom ledger "
                         "--status reply-bounced`",
                         id, bounced.recipient.empty() ? "its recipients" : bounced.recipient,
                         detail)});
      marked += *changed;
    }
  }
  return marked;
}

} // namespace mailroom::pipeline
