#include "cli/findings_output.hpp"

#include "deadline/deadline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace mailroom::cli {

std::vector<JsonObject> findings_record(const std::vector<content::Finding>& findings) {
  std::vector<JsonObject> out;
  for (const auto& finding : findings) {
    JsonObject record;
    record.add("check", finding.check);
    record.add("outcome", content::to_string(finding.outcome));
    record.add("text", finding.text);
    out.push_back(std::move(record));
  }
  return out;
}

void print_findings(const std::vector<content::Finding>& findings, std::ostream& out,
                    std::string_view indent) {
  if (findings.empty())
    return;
  out << indent << "warnings:\n";
  for (const auto& finding : findings)
    out << indent << "  - " << content::line_of(finding) << "\n";
}

std::vector<content::Finding> findings_of(const StaffRecords& records, pipeline::Id mail_id) {
  const auto it = std::ranges::find(records.mails, mail_id, &pipeline::MailRow::id);
  return it == records.mails.end() ? std::vector<content::Finding>{} : it->findings;
}

namespace {

std::vector<const pipeline::MailRow*>
warned_outside(const StaffRecords& records, const std::vector<pipeline::ReviewItem>& queue) {
  std::vector<const pipeline::MailRow*> out;
  for (const auto& mail : records.mails)
    if (!mail.findings.empty() &&
        std::ranges::find(queue, mail.id, &pipeline::ReviewItem::mail_id) == queue.end())
      out.push_back(&mail);
  return out;
}

std::string instance_of(const pipeline::MailRow& mail) {
  return fmt::format("{}{}{}", mail.deliverable.value_or(mail.kind),
                     mail.lecture ? "@" + *mail.lecture : "",
                     mail.group ? ", group " + *mail.group : "");
}

} // namespace

void print_content_warnings(const StaffRecords& records,
                            const std::vector<pipeline::ReviewItem>& queue,
                            const rules::Course& course) {
  const auto warned = warned_outside(records, queue);
  if (warned.empty())
    return;
  std::cout << fmt::format("\n{} recorded submission(s) with content warnings (the verdicts "
                           "stand; `mailroom show ID` for the mail):\n",
                           warned.size());
  for (const auto* mail : warned) {
    std::cout << fmt::format("\nmail {}  {}  {}  {}\n", mail->id,
                             deadline::format_local(mail->received_at, course.zone), mail->from,
                             instance_of(*mail));
    print_findings(mail->findings, std::cout);
  }
}

void print_content_warnings_json(const StaffRecords& records,
                                 const std::vector<pipeline::ReviewItem>& queue) {
  for (const auto* mail : warned_outside(records, queue)) {
    JsonObject record;
    record.add("mail", static_cast<std::int64_t>(mail->id));
    record.add("at", core::to_iso_utc(mail->received_at));
    record.add("from", mail->from);
    record.add("subject", mail->subject);
    record.add("reason", "content-check");
    record.add("why", content::line_of(mail->findings.front()));
    record.add("settle", std::vector<std::string>{fmt::format("mailroom show {}", mail->id)});
    record.add("warnings", findings_record(mail->findings));
    std::cout << record.str() << "\n";
  }
}

} // namespace mailroom::cli
