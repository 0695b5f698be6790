#include "daemon/report_file.hpp"

#include "daemon/replies.hpp"
#include "daemon/rules_files.hpp"
#include "deadline/deadline.hpp"
#include "pipeline/versions.hpp"
#include "report/page.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace mailroom::daemon {

namespace fs = std::filesystem;

core::Result<std::string> report_template(const fs::path& rules_dir) {
  const auto own = rules_dir / "templates" / "report.mustache";
  std::error_code ignored;
  return read_file(fs::exists(own, ignored) ? own : shipped_templates() / "report.mustache");
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

core::Result<void> write_file_durably(const fs::path& path, const std::string& bytes) {
  const auto folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const auto temporary = folder / ("." + path.filename().string() + ".tmp");
  const auto failed = [](const fs::path& where, int error) {
    return core::fail(where.string(), std::strerror(error),
                      "check that the folder exists and mailroom may write there");
  };
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return failed(temporary, errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    done += static_cast<std::size_t>(n);
  }
  const bool written = done == bytes.size() && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return failed(temporary, error);
  }
  // Order is important: the bytes are on disk before the name points at them.
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_error = errno;
    ::unlink(temporary.c_str());
    return failed(path, rename_error);
  }
  if (const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
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
  return write_file_durably(path, *html);
}

} // namespace mailroom::daemon
