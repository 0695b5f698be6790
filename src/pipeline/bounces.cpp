#include "pipeline/bounces.hpp"

#include "util/text.hpp"

#include <fmt/format.h>

#include <set>

namespace mailroom::pipeline {

namespace {

// DSN fields live in the first part of a report; the original follows. A bounce is small.
constexpr std::size_t k_scan_bytes = 1u << 20;

// The value of the first "Name:" line in `lower` (already lower case), from `text`
// (the same bytes, original case), up to the end of the line.
std::string field(const std::string& lower, std::string_view text, const std::string& name) {
  for (auto at = lower.find(name); at != std::string::npos; at = lower.find(name, at + 1)) {
    if (at != 0 && lower[at - 1] != '\n')
      continue;
    auto begin = at + name.size();
    auto end = lower.find('\n', begin);
    std::string value(text.substr(begin, end == std::string::npos ? end : end - begin));
    while (!value.empty() && (value.back() == '\r' || value.back() == ' '))
      value.pop_back();
    while (!value.empty() && value.front() == ' ')
      value.erase(0, 1);
    return value;
  }
  return {};
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
  std::string recipient = field(lower, head, "final-recipient:");
  if (const auto semicolon = recipient.find(';'); semicolon != std::string::npos)
    recipient = recipient.substr(semicolon + 1);
  while (!recipient.empty() && recipient.front() == ' ')
    recipient.erase(0, 1);
  if (recipient.starts_with("<") && recipient.ends_with(">"))
    recipient = recipient.substr(1, recipient.size() - 2);
  std::string detail = "bounced";
  if (auto status = field(lower, head, "status:"); !status.empty())
    detail += ": status " + status;
  if (auto diagnostic = field(lower, head, "diagnostic-code:"); !diagnostic.empty())
    detail += "; " + diagnostic;
  if (detail.size() > 300)
    detail.resize(300);
  int marked = 0;
  for (const auto& id : ids) {
    auto changed = store.reply_bounced(id, recipient, detail);
    if (!changed) {
      notices.push_back({Notice::Level::error, changed.error().to_string()});
      continue;
    }
    if (*changed > 0)
      notices.push_back(
          {Notice::Level::warning,
           fmt::format("reply {} to {} bounced ({}): shown by `mailroom ledger "
                       "--status reply-bounced`",
                       id, recipient.empty() ? "its recipients" : recipient, detail)});
    marked += *changed;
  }
  return marked;
}

} // namespace mailroom::pipeline
