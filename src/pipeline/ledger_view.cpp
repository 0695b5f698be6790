#include "pipeline/ledger_view.hpp"

#include <algorithm>

namespace mailroom::pipeline {

namespace {

bool same_lecture(const deadline::Instance& instance, const std::optional<rules::Date>& lecture) {
  // An instance without a lecture (proposal, final report) takes versions whatever
  // lecture classification guessed.
  return !instance.lecture || instance.lecture == lecture;
}

template <class Row> bool matches(const deadline::Instance& instance, const Row& row) {
  return instance.group && *instance.group == row.group &&
         instance.deliverable == row.deliverable && same_lecture(instance, row.lecture);
}

} // namespace

std::vector<InstanceStatus> ledger_status(const std::vector<deadline::Instance>& instances,
                                          const std::vector<Version>& versions,
                                          const std::vector<Extension>& extensions,
                                          const std::vector<Excusal>& excusals, core::Instant now) {
  std::vector<InstanceStatus> rows;
  rows.reserve(instances.size());
  for (const auto& instance : instances) {
    InstanceStatus row;
    row.instance = instance;
    row.effective_due = instance.due;
    for (const auto& extension : extensions)
      if (matches(instance, extension))
        row.extended_until = extension.until; // the latest granted wins (input order)
    if (row.extended_until)
      row.effective_due = *row.extended_until;

    for (const auto& version : versions) {
      if (!matches(instance, version))
        continue;
      const auto judgement =
          deadline::judge(row.effective_due, instance.grace, version.received_at);
      row.versions.push_back(
          {version.mail_id, version.received_at, judgement.verdict, judgement.late_by});
    }
    std::stable_sort(row.versions.begin(), row.versions.end(),
                     [](const auto& a, const auto& b) { return a.received_at < b.received_at; });

    // Order is important: the latest on-time version counts before any late one.
    for (auto it = row.versions.rbegin(); it != row.versions.rend() && !row.counting; ++it)
      if (it->verdict == deadline::Verdict::on_time)
        row.counting = *it;
    if (!row.counting && !row.versions.empty())
      row.counting = row.versions.back();

    const bool excused = std::any_of(excusals.begin(), excusals.end(),
                                     [&](const Excusal& e) { return matches(instance, e); });
    if (excused)
      row.status = Status::excused;
    else if (row.counting)
      row.status =
          row.counting->verdict == deadline::Verdict::on_time ? Status::on_time : Status::late;
    else if (now <= row.effective_due + instance.grace)
      row.status = row.extended_until ? Status::extended : Status::pending;
    else
      row.status = Status::missing;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string to_string(Status status) {
  switch (status) {
  case Status::pending:
    return "pending";
  case Status::on_time:
    return "on-time";
  case Status::late:
    return "late";
  case Status::missing:
    return "missing";
  case Status::extended:
    return "extended";
  case Status::excused:
    return "excused";
  }
  return "pending";
}

std::optional<Status> parse_status(std::string_view text) {
  for (auto status : {Status::pending, Status::on_time, Status::late, Status::missing,
                      Status::extended, Status::excused})
    if (to_string(status) == text)
      return status;
  return std::nullopt;
}

} // namespace mailroom::pipeline
