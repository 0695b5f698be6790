#include "daemon/report_file.hpp"

#include "archive/archive.hpp"
#include "deadline/deadline.hpp"
#include "pipeline/versions.hpp"
#include "report/page.hpp"
#include "setup/replies.hpp"
#include "setup/rules_files.hpp"

#include <fmt/format.h>

namespace mailroom::daemon {

namespace fs = std::filesystem;

core::Result<std::string> report_template(const fs::path& rules_dir) {
  const auto own = rules_dir / "templates" / "report.mustache";
  std::error_code ignored;
  return setup::read_file(
      fs::exists(own, ignored) ? own : setup::shipped_templates() / "report.mustache");
}

core::Result<report::Term> read_term(ledger::SqliteLedger& ledger, const rules::Course& course,
                                     core::Instant made_at, core::Instant as_of) {
  report::Term term;
  term.course = &course;
  term.made_at = made_at;
  term.as_of = as_of;
  term.ledger_path = ledger.database_path().string();
  auto mails = ledger.mails();
  auto extensions = ledger.extensions();
  auto excusals = ledger.excusals();
  auto audit = ledger.audit();
  for (const auto* failed :
       {mails ? nullptr : &mails.error(), extensions ? nullptr : &extensions.error(),
        excusals ? nullptr : &excusals.error(), audit ? nullptr : &audit.error()})
    if (failed)
      return std::unexpected(*failed);
  term.statuses = judge::ledger_status(
      deadline::instances(course), pipeline::versions_of(*mails, course),
      pipeline::extensions_of(*extensions), pipeline::excusals_of(*excusals), as_of);
  for (const auto& status : term.statuses)
    for (const auto& version : status.versions) {
      if (term.attachments.contains(version.mail_id))
        continue;
      auto files = ledger.attachments(version.mail_id);
      if (!files)
        return std::unexpected(files.error());
      term.attachments[version.mail_id] = std::move(*files);
    }
  term.mails = std::move(*mails);
  term.extensions = std::move(*extensions);
  term.excusals = std::move(*excusals);
  term.audit = std::move(*audit);
  return term;
}

core::Result<std::string> report_html(ledger::SqliteLedger& ledger, const rules::Course& course,
                                      const std::string& template_text, core::Instant made_at,
                                      core::Instant as_of) {
  auto term = read_term(ledger, course, made_at, as_of);
  if (!term)
    return std::unexpected(term.error());
  return report::render_html(report::make_page(*term), template_text);
}

core::Result<void> write_report(ledger::SqliteLedger& ledger, const rules::Course& course,
                                const fs::path& rules_dir, const fs::path& path,
                                core::Instant now) {
  auto text = report_template(rules_dir);
  if (!text)
    return std::unexpected(text.error());
  auto html = report_html(ledger, course, *text, now, now);
  if (!html)
    return std::unexpected(html.error());
  // 0644: the page is meant to be served by a web server, which is not in the mailroom group.
  return archive::write_durably(path, *html, {}, 0644);
}

} // namespace mailroom::daemon
