#include "pipeline/versions.hpp"

#include "classify/classification.hpp"

namespace mailroom::pipeline {

namespace {

std::optional<rules::Date> date_of(const std::optional<std::string>& text) {
  return text ? judge::parse_iso_date(*text) : std::nullopt;
}

} // namespace

std::vector<judge::Version> versions_of(const std::vector<MailRow>& mails,
                                        const rules::Course& course) {
  std::vector<judge::Version> versions;
  for (const auto& mail : mails) {
    judge::Version version;
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
      // Held (judge::hold_for_review): needs-review, yet judged by INTERNALDATE.
      version.held = mail.kind == classify::k_needs_review && mail.verdict.has_value();
      if (mail.kind != *mail.deliverable && !version.held)
        continue;
      version.deliverable = *mail.deliverable;
      version.lecture = date_of(mail.lecture);
      version.group = *mail.group;
      version.trust = judge::sender_trust(mail.signals);
    }
    versions.push_back(std::move(version));
  }
  return versions;
}

std::vector<judge::Extension> extensions_of(const std::vector<ExtensionRow>& rows) {
  std::vector<judge::Extension> out;
  for (const auto& row : rows)
    out.push_back({row.group, row.deliverable, date_of(row.lecture), row.until});
  return out;
}

std::vector<judge::Excusal> excusals_of(const std::vector<ExcusalRow>& rows) {
  std::vector<judge::Excusal> out;
  for (const auto& row : rows)
    out.push_back({row.group, row.deliverable, date_of(row.lecture)});
  return out;
}

} // namespace mailroom::pipeline
