#include "ledger/views.hpp"

#include "classify/classification.hpp"

namespace mailroom::ledger {

namespace {

std::optional<rules::Date> date_of(const std::optional<std::string>& text) {
  return text ? pipeline::parse_iso_date(*text) : std::nullopt;
}

} // namespace

std::vector<pipeline::Version> versions_of(const std::vector<MailRow>& mails,
                                           const rules::Course& course) {
  std::vector<pipeline::Version> versions;
  for (const auto& mail : mails) {
    pipeline::Version version;
    version.mail_id = mail.id;
    version.received_at = mail.received_at;
    // A staff reclassification is a person's decision: neither held nor weighed by its
    // sender's authentication any more.
    if (mail.reclassified) {
      version.deliverable = mail.reclassified->deliverable;
      version.lecture = date_of(mail.reclassified->lecture);
      const auto group = mail.reclassified->group ? mail.reclassified->group : mail.group;
      if (!group)
        continue;
      version.group = *group;
    } else {
      if (!mail.deliverable || !mail.group || !course.deliverable(*mail.deliverable))
        continue;
      // Held (pipeline::hold_for_review): needs-review, yet judged by INTERNALDATE.
      version.held = mail.kind == classify::k_needs_review && mail.verdict.has_value();
      if (mail.kind != *mail.deliverable && !version.held)
        continue;
      version.deliverable = *mail.deliverable;
      version.lecture = date_of(mail.lecture);
      version.group = *mail.group;
      version.trust = pipeline::sender_trust(mail.signals);
    }
    versions.push_back(std::move(version));
  }
  return versions;
}

std::vector<pipeline::Extension> extensions_of(const std::vector<ExtensionRow>& rows) {
  std::vector<pipeline::Extension> out;
  for (const auto& row : rows)
    out.push_back({row.group, row.deliverable, date_of(row.lecture), row.until});
  return out;
}

std::vector<pipeline::Excusal> excusals_of(const std::vector<ExcusalRow>& rows) {
  std::vector<pipeline::Excusal> out;
  for (const auto& row : rows)
    out.push_back({row.group, row.deliverable, date_of(row.lecture)});
  return out;
}

} // namespace mailroom::ledger
