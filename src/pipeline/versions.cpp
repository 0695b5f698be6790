#include "pipeline/versions.hpp"

#include "classify/classification.hpp"
#include "pipeline/ports.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mailroom::pipeline {

namespace {

std::optional<rules::Date> date_of(const std::optional<std::string>& text) {
  return text ? judge::parse_iso_date(*text) : std::nullopt;
}

} // namespace

std::vector<judge::Version> versions_of(const std::vector<MailRow>& mails,
                                        const rules::Course& course,
                                        const std::vector<Id>& dismissed) {
  std::vector<judge::Version> versions;
  for (const auto& mail : mails) {
    if (std::find(dismissed.begin(), dismissed.end(), mail.id) != dismissed.end())
      continue;
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
      // Held (judge::hold_for_review): needs-review, judged by INTERNALDATE or not yet
      // judged; ledger_status judges every version against its instance's due anyway.
      version.held = mail.kind == classify::k_needs_review;
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

namespace {

bool has_prefix(const std::vector<std::string>& items, std::string_view prefix) {
  return std::any_of(items.begin(), items.end(),
                     [&](const std::string& item) { return item.starts_with(prefix); });
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : "; ") + item;
  return out;
}

// The --as of a reclassify command: the classifier's guess where it has one.
std::string target_guess(const MailRow& mail, const rules::Course& course) {
  const auto* deliverable = mail.deliverable ? course.deliverable(*mail.deliverable) : nullptr;
  if (!deliverable)
    return "DELIVERABLE[@LECTURE]";
  if (!deliverable->per_lecture)
    return deliverable->name;
  return deliverable->name + "@" + mail.lecture.value_or("LECTURE");
}

std::string reclassify_command(const MailRow& mail, const rules::Course& course) {
  return fmt::format("mailroom reclassify {} --as {} --group {} --reason \"...\"", mail.id,
                     target_guess(mail, course), mail.group.value_or("GROUP"));
}

std::string dismiss_command(const MailRow& mail, const std::string& reason) {
  return fmt::format("mailroom dismiss {} --reason \"{}\"", mail.id, reason);
}

std::optional<ReviewItem> review_item(const MailRow& mail, const rules::Course& course) {
  ReviewItem item{
      mail.id, mail.received_at, mail.from, mail.subject, ReviewReason::needs_review, "", {}};
  if (mail.kind == classify::k_needs_review &&
      has_prefix(mail.review_reasons, k_stopped_the_daemon)) {
    item.reason = ReviewReason::failed;
    item.why = joined(mail.review_reasons);
    item.settle = {reclassify_command(mail, course), dismiss_command(mail, "read by hand")};
    return item;
  }
  if (mail.kind == classify::k_needs_review) {
    if (has_prefix(mail.review_reasons, "arrival mismatch"))
      item.reason = ReviewReason::arrival_check;
    else if (has_prefix(mail.review_reasons, "unverified sender"))
      item.reason = ReviewReason::unverified_sender;
    item.why = joined(mail.review_reasons);
    item.settle = {reclassify_command(mail, course), dismiss_command(mail, "not a submission")};
    // Excusing is the answer when the group owes that instance and the mail explains why
    // it will not come (or came held and late for a reason staff accept).
    if (mail.deliverable && mail.group)
      if (const auto* d = course.deliverable(*mail.deliverable)) {
        const auto lecture = date_of(mail.lecture);
        const auto instances = deadline::instances(course);
        const bool owed = std::any_of(instances.begin(), instances.end(), [&](const auto& i) {
          return i.deliverable == d->name && i.group == mail.group && i.lecture == lecture;
        });
        if (owed)
          item.settle.push_back(fmt::format("mailroom excuse {} {}{} --reason \"...\"", *mail.group,
                                            d->name,
                                            lecture ? "@" + rules::iso_date(*lecture) : ""));
      }
    return item;
  }
  if (mail.kind == classify::k_staff_command) {
    if (mail.review_reasons.empty())
      return std::nullopt;
    item.reason = ReviewReason::staff_command;
    item.why = joined(mail.review_reasons);
    item.settle = {dismiss_command(mail, "not from staff")};
    return item;
  }
  if (mail.kind == classify::k_unknown_sender) {
    item.reason = ReviewReason::unknown_sender;
    item.why = mail.from + " is not on the roster";
    item.settle = {reclassify_command(mail, course), dismiss_command(mail, "not from a student")};
    return item;
  }
  if (mail.kind == classify::k_not_a_submission && has_prefix(mail.signals, "it mentions ")) {
    for (const auto& signal : mail.signals)
      if (signal.starts_with("it mentions ") && signal.ends_with("reads as a question")) {
        item.reason = ReviewReason::question;
        item.why = signal + "; nothing was answered";
        item.settle = {dismiss_command(mail, "answered")};
        return item;
      }
  }
  if (!mail.parse_errors.empty()) {
    item.reason = ReviewReason::unreadable;
    item.why = "could not be read fully: " + joined(mail.parse_errors);
    item.settle = {reclassify_command(mail, course), dismiss_command(mail, "read by hand")};
    return item;
  }
  return std::nullopt;
}

} // namespace

std::vector<ReviewItem> review_queue(const std::vector<MailRow>& mails,
                                     const std::vector<ReplyRow>& replies,
                                     const std::vector<Id>& dismissed,
                                     const rules::Course& course) {
  const auto settled = [&](const MailRow& mail) {
    return mail.reclassified ||
           std::find(dismissed.begin(), dismissed.end(), mail.id) != dismissed.end();
  };
  std::vector<ReviewItem> queue;
  for (const auto& mail : mails) {
    if (settled(mail))
      continue;
    if (auto item = review_item(mail, course))
      queue.push_back(std::move(*item));
  }
  for (const auto& reply : replies) {
    if (reply.state != "bounced")
      continue;
    const auto mail = std::find_if(mails.begin(), mails.end(),
                                   [&](const MailRow& row) { return row.id == reply.mail_id; });
    if (mail == mails.end() ||
        std::find(dismissed.begin(), dismissed.end(), mail->id) != dismissed.end())
      continue;
    ReviewItem item{
        mail->id,
        reply.sent_at.value_or(reply.created_at),
        mail->from,
        mail->subject,
        ReviewReason::bounce,
        fmt::format("the {} to {}: {}", reply.kind, reply.recipient, reply.last_error),
        {"fix the address in roster.csv, then " + dismiss_command(*mail, "address fixed")}};
    queue.push_back(std::move(item));
  }
  std::stable_sort(queue.begin(), queue.end(),
                   [](const ReviewItem& a, const ReviewItem& b) { return a.at < b.at; });
  return queue;
}

std::string to_string(ReviewReason reason) {
  switch (reason) {
  case ReviewReason::needs_review:
    return "needs-review";
  case ReviewReason::arrival_check:
    return "arrival-check";
  case ReviewReason::unverified_sender:
    return "unverified-sender";
  case ReviewReason::unknown_sender:
    return "unknown-sender";
  case ReviewReason::question:
    return "question";
  case ReviewReason::unreadable:
    return "unreadable";
  case ReviewReason::bounce:
    return "bounce";
  case ReviewReason::staff_command:
    return "staff-command";
  case ReviewReason::failed:
    return "failed";
  }
  return "needs-review";
}

} // namespace mailroom::pipeline
