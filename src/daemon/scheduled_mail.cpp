#include "daemon/scheduled_mail.hpp"

#include "daemon/report_file.hpp"
#include "deadline/deadline.hpp"
#include "report/digest.hpp"
#include "schedule/compose.hpp"
#include "schedule/plan.hpp"
#include "setup/replies.hpp"
#include "setup/rules_files.hpp"

#include <set>

namespace mailroom::daemon {

namespace {

// `rules_dir`/templates/NAME.mustache when the course has its own, else the shipped one.
core::Result<std::string> scheduled_template(const std::filesystem::path& rules_dir,
                                             const std::string& name) {
  const auto own = rules_dir / "templates" / (name + ".mustache");
  std::error_code ignored;
  return setup::read_file(std::filesystem::exists(own, ignored)
                              ? own
                              : setup::shipped_templates() / (name + ".mustache"));
}

core::Result<std::set<std::string>> queued_keys(ledger::SqliteLedger& ledger) {
  auto rows = ledger.scheduled();
  if (!rows)
    return std::unexpected(rows.error());
  std::set<std::string> keys;
  for (const auto& row : *rows)
    keys.insert(row.key);
  return keys;
}

} // namespace

core::Result<ScheduledDue> scheduled_due(ledger::SqliteLedger& ledger, const rules::Course& course,
                                         const setup::Settings& settings,
                                         const pipeline::ReplyPlan& plan, core::Instant now,
                                         Queued queued, std::optional<core::Instant> digest_since) {
  auto keys = queued_keys(ledger);
  if (!keys)
    return std::unexpected(keys.error());
  const std::set<std::string> none;
  const auto& skip = queued == Queued::skip ? *keys : none;
  ScheduledDue due;
  const auto digest = settings.digest.to.empty() ? std::nullopt
                                                 : schedule::digest_due(course, settings.digest.at,
                                                                        skip, now, digest_since);
  const bool reminders = schedule::reminder_window_open(deadline::instances(course), course, now);
  if (!digest && !reminders)
    return due;
  auto term = read_term(ledger, course, now, now);
  if (!term)
    return std::unexpected(term.error());
  const schedule::SendAs as{plan.from, plan.reply_to, plan.gates.own_domain, now};
  if (digest) {
    auto text = scheduled_template(settings.rules_dir, "digest");
    auto page_template = report_template(settings.rules_dir);
    for (const auto* failed :
         {text ? nullptr : &text.error(), page_template ? nullptr : &page_template.error()})
      if (failed)
        return std::unexpected(*failed);
    auto html = report::render_html(report::make_page(*term), *page_template);
    if (!html)
      return std::unexpected(html.error());
    auto mail = report::digest_mail(*term, *digest, settings.digest.to, *text, *html, as);
    if (!mail)
      return std::unexpected(mail.error());
    due.digest = std::move(*mail);
  }
  if (reminders) {
    auto text = scheduled_template(settings.rules_dir, "reminder");
    if (!text)
      return std::unexpected(text.error());
    for (const auto& reminder : schedule::reminders_due(course, term->statuses, skip, now)) {
      auto mail =
          schedule::reminder_mail(course, reminder, *text, as, plan.max_per_student_per_day);
      if (!mail)
        return std::unexpected(mail.error());
      due.reminders.push_back(std::move(*mail));
    }
  }
  return due;
}

core::Result<QueuedCounts> queue_scheduled_mail(ledger::SqliteLedger& ledger,
                                                const rules::Course& course,
                                                const setup::Settings& settings,
                                                const pipeline::ReplyPlan& plan,
                                                core::Instant now) {
  std::optional<core::Instant> since;
  if (!settings.digest.to.empty()) {
    auto recorded = ledger.digest_since(now);
    if (!recorded)
      return std::unexpected(recorded.error());
    since = *recorded;
  }
  auto due = scheduled_due(ledger, course, settings, plan, now, Queued::skip, since);
  if (!due)
    return std::unexpected(due.error());
  QueuedCounts counts;
  if (due->digest) {
    auto queued = ledger.queue_scheduled(*due->digest, now);
    if (!queued)
      return std::unexpected(queued.error());
    counts.digests += *queued ? 1 : 0;
  }
  for (const auto& reminder : due->reminders) {
    auto queued = ledger.queue_scheduled(reminder, now);
    if (!queued)
      return std::unexpected(queued.error());
    counts.reminders += *queued ? 1 : 0;
  }
  return counts;
}

} // namespace mailroom::daemon
