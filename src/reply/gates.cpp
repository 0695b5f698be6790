#include "reply/gates.hpp"

#include "deadline/deadline.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

namespace mailroom::reply {

namespace {

std::string domain_of(const std::string& message_id) {
  const auto at = message_id.rfind('@');
  if (at == std::string::npos)
    return {};
  std::string domain = message_id.substr(at + 1);
  while (!domain.empty() && (domain.back() == '>' || domain.back() == ' '))
    domain.pop_back();
  return util::lower(domain);
}

} // namespace

std::string identity_of(const judge::Decision& decision, const rules::Course& course) {
  const auto& email = decision.classification.student_email;
  if (!email)
    return {};
  const auto students = course.students_with_email(*email);
  return students.empty() ? std::string{} : students.front()->uniqname;
}

std::optional<std::string> own_mail(const message::MessageFacts& facts, const GatePolicy& policy) {
  if (!facts.x_mailroom_loop.empty())
    return fmt::format("mailroom's own mail (X-Mailroom-Loop: {})", facts.x_mailroom_loop);
  const auto own = util::lower(policy.own_domain);
  if (!own.empty()) {
    if (domain_of(facts.message_id) == own)
      return fmt::format("mailroom's own mail (Message-ID {})", facts.message_id);
    if (domain_of(facts.in_reply_to) == own && facts.attachments.empty() && facts.links.empty())
      return "a reply to mailroom's own mail (In-Reply-To " + facts.in_reply_to + ")";
  }
  if (!policy.own_address.empty())
    for (const auto& from : facts.from)
      if (util::lower(from.address) == util::lower(policy.own_address))
        return "mailroom's own mail (From " + from.address + ")";
  return std::nullopt;
}

std::optional<std::string> suppression(const judge::Decision& decision, const rules::Course& course,
                                       const GatePolicy& policy, core::Instant now) {
  const auto& facts = decision.facts;
  if (auto own = own_mail(facts, policy))
    return own;
  if (facts.automated || (!facts.auto_submitted.empty() && facts.auto_submitted != "no")) {
    std::string why = "automated mail is never answered (RFC 3834)";
    if (!facts.automated_reasons.empty())
      why += ": " + facts.automated_reasons.front();
    else
      why += ": Auto-Submitted: " + facts.auto_submitted;
    return why;
  }
  if (decision.reply == judge::ReplyKind::none)
    return decision.reply_reason.empty() ? std::string{"no reply is due"} : decision.reply_reason;
  if (!decision.classification.student_email || identity_of(decision, course).empty())
    return std::string{"sender is not on the roster"};
  if (now - decision.received_at > policy.max_reply_age)
    return fmt::format("older than max_reply_age ({} old)",
                       deadline::format_duration(now - decision.received_at));
  return std::nullopt;
}

} // namespace mailroom::reply
