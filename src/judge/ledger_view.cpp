#include "judge/ledger_view.hpp"

#include <algorithm>

namespace mailroom::judge {

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
      row.versions.push_back({version.mail_id, version.received_at, judgement.verdict,
                              judgement.late_by, version.held, version.trust});
    }
    std::stable_sort(row.versions.begin(), row.versions.end(),
                     [](const auto& a, const auto& b) { return a.received_at < b.received_at; });

    const bool has_authenticated =
        std::any_of(row.versions.begin(), row.versions.end(), [](const JudgedVersion& v) {
          return !v.held && v.trust == SenderTrust::authenticated;
        });
    const auto counts = [&](const JudgedVersion& v) {
      return !v.held && !(has_authenticated && v.trust == SenderTrust::unauthenticated);
    };
    // Order is important: the latest on-time version counts before any late one.
    const auto pick = [&](auto eligible) -> std::optional<JudgedVersion> {
      for (auto it = row.versions.rbegin(); it != row.versions.rend(); ++it)
        if (eligible(*it) && it->verdict == deadline::Verdict::on_time)
          return *it;
      for (auto it = row.versions.rbegin(); it != row.versions.rend(); ++it)
        if (eligible(*it))
          return *it;
      return std::nullopt;
    };
    row.counting = pick(counts);
    const bool held = !row.counting && !row.versions.empty();
    if (held)
      row.counting = pick([](const JudgedVersion& v) { return v.held; });

    const bool excused = std::any_of(excusals.begin(), excusals.end(),
                                     [&](const Excusal& e) { return matches(instance, e); });
    if (excused)
      row.status = Status::excused;
    else if (held)
      row.status = Status::needs_review;
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

std::optional<rules::Date> parse_iso_date(std::string_view text) {
  int year = 0;
  unsigned month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return std::nullopt;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (text[i] < '0' || text[i] > '9')
      return std::nullopt;
  const auto number = [&](std::size_t from, std::size_t length) {
    int value = 0;
    for (std::size_t i = from; i < from + length; ++i)
      value = value * 10 + (text[i] - '0');
    return value;
  };
  year = number(0, 4);
  month = static_cast<unsigned>(number(5, 2));
  day = static_cast<unsigned>(number(8, 2));
  const rules::Date date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  if (!date.ok())
    return std::nullopt;
  return date;
}

core::Result<Target> parse_target(std::string_view text, const rules::Course& course) {
  const auto at = text.find('@');
  Target target;
  target.deliverable = std::string(text.substr(0, at));
  const auto* deliverable = course.deliverable(target.deliverable);
  if (!deliverable) {
    std::string known;
    for (const auto& d : course.deliverables)
      known += (known.empty() ? "" : ", ") + d.name;
    return core::fail(std::string(text), "unknown deliverable '" + target.deliverable + "'",
                      "use one of: " + known);
  }
  if (at != std::string_view::npos) {
    target.lecture = parse_iso_date(text.substr(at + 1));
    if (!target.lecture)
      return core::fail(std::string(text), "the lecture after '@' is not a date",
                        "write DELIVERABLE@YYYY-MM-DD, e.g. slides@2025-10-07");
  }
  if (deliverable->per_lecture && !target.lecture)
    return core::fail(std::string(text), target.deliverable + " is owed per lecture",
                      "name the lecture: " + target.deliverable + "@YYYY-MM-DD");
  if (!deliverable->per_lecture && target.lecture)
    return core::fail(std::string(text), target.deliverable + " is not per lecture",
                      "leave out the '@" + rules::iso_date(*target.lecture) + "'");
  return target;
}

core::Result<core::Instant> parse_staff_time(std::string_view text, const rules::Course& course) {
  if (auto instant = core::parse_iso(text))
    return *instant;
  const auto fail = [&] {
    return core::fail(std::string(text), "not a time",
                      "write 2025-10-08T12:00:00Z, or a local time such as \"2025-10-08 12:00\" "
                      "or a date (end of that day, " +
                          course.zone + ")");
  };
  const auto date = parse_iso_date(text.substr(0, 10));
  if (!date)
    return fail();
  std::chrono::seconds time_of_day{23 * 3600 + 59 * 60 + 59};
  if (text.size() > 10) {
    const auto rest = text.substr(11);
    if ((text[10] != ' ' && text[10] != 'T') || (rest.size() != 5 && rest.size() != 8) ||
        rest[2] != ':')
      return fail();
    int fields[3] = {0, 0, 0};
    for (std::size_t i = 0, f = 0; i < rest.size(); ++i) {
      if (rest[i] == ':') {
        ++f;
        continue;
      }
      if (rest[i] < '0' || rest[i] > '9')
        return fail();
      fields[f] = fields[f] * 10 + (rest[i] - '0');
    }
    if (fields[0] > 23 || fields[1] > 59 || fields[2] > 59)
      return fail();
    time_of_day = std::chrono::hours{fields[0]} + std::chrono::minutes{fields[1]} +
                  std::chrono::seconds{fields[2]};
  }
  return deadline::local_instant(course, *date, time_of_day);
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
  case Status::needs_review:
    return "needs-review";
  }
  return "pending";
}

std::optional<Status> parse_status(std::string_view text) {
  for (auto status : {Status::pending, Status::on_time, Status::late, Status::missing,
                      Status::extended, Status::excused, Status::needs_review})
    if (to_string(status) == text)
      return status;
  return std::nullopt;
}

} // namespace mailroom::judge
