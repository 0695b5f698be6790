#include "report/ledger_csv.hpp"

#include "core/instant.hpp"
#include "rules/course.hpp"
#include "util/text.hpp"

namespace mailroom::report {

std::vector<std::string> ledger_csv_header() {
  return {"deliverable",     "lecture",  "group",          "due",          "status", "received_at",
          "late_by_seconds", "versions", "extended_until", "counting_mail"};
}

std::vector<std::string> ledger_csv_fields(const judge::InstanceStatus& row, bool owed) {
  const auto& instance = row.instance;
  const auto& counting = row.counting;
  const bool has_due = owed || instance.due != core::Instant{};
  return {instance.deliverable,
          instance.lecture ? rules::iso_date(*instance.lecture) : "",
          instance.group.value_or(""),
          has_due ? core::to_iso_utc(instance.due) : "",
          judge::to_string(row.status),
          counting ? core::to_iso_utc(counting->received_at) : "",
          counting ? std::to_string(counting->late_by.count()) : "",
          std::to_string(row.versions.size()),
          row.extended_until ? core::to_iso_utc(*row.extended_until) : "",
          counting ? std::to_string(counting->mail_id) : ""};
}

std::string ledger_csv(const std::vector<judge::InstanceStatus>& statuses,
                       const std::string& group) {
  std::string out;
  const auto add = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i)
      out += (i ? "," : "") + util::csv_field(fields[i]);
    out += "\r\n";
  };
  add(ledger_csv_header());
  for (const auto& row : statuses) {
    if (!row.instance.group || (!group.empty() && *row.instance.group != group))
      continue;
    add(ledger_csv_fields(row, true));
  }
  return out;
}

} // namespace mailroom::report
