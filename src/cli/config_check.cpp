#include "archive/archive.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "judge/authentication.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "reply/desk.hpp"
#include "setup/mailbox.hpp"
#include "setup/replies.hpp"
#include "setup/rules_files.hpp"
#include "setup/settings.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

namespace mailroom::cli {

namespace {

namespace fs = std::filesystem;

// Each step prints one line when it passes; the problems of every step are gathered, so
// one run lists all of them (as `nginx -t` does), and only a config that cannot be read
// at all stops the rest.
struct Report {
  core::Problems problems;
  void ok(const std::string& line) { std::cout << line << "\n"; }
  void warn(const std::string& line) { std::cout << "warning: " << line << "\n"; }
  void add(core::Problem problem) { problems.push_back(std::move(problem)); }
  void add(const core::Problems& more) {
    problems.insert(problems.end(), more.begin(), more.end());
  }
};

void check_rules(const setup::Settings& settings, Report& report) {
  auto course = setup::load_rules(settings.rules_dir);
  if (!course)
    return report.add(course.error());
  report.ok(fmt::format("rules {}: ok — {} ({}), {} students, {} deliverables",
                        settings.rules_dir.string(), course->name, course->term,
                        course->roster.size(), course->deliverables.size()));
}

void check_state(const setup::Settings& settings, Report& report) {
  std::error_code error;
  if (!fs::exists(settings.state_dir / "ledger.db", error)) {
    const auto parent =
        settings.state_dir.has_parent_path() ? settings.state_dir.parent_path() : fs::path(".");
    if (!fs::exists(settings.state_dir, error) && !fs::is_directory(parent, error))
      return report.add({settings.state_dir.string(),
                         "neither the state folder nor its parent exists",
                         "create the parent folder, or fix state_dir"});
    report.ok(fmt::format("ledger {}: none yet; the first `mailroom run` creates it",
                          settings.state_dir.string()));
    return;
  }
  auto ledger = ledger::SqliteLedger::open(settings.state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return report.add(ledger.error());
  archive::Archive archive(settings.state_dir / "archive");
  if (auto opened = archive.open(); !opened)
    return report.add(opened.error());
  report.ok(fmt::format("ledger {}: ok", ledger->database_path().string()));
}

void check_mailbox(const setup::Settings& settings, Report& report) {
  if (settings.mailbox.url.starts_with("maildir:")) {
    auto mailbox = setup::open_mailbox(settings.mailbox);
    if (!mailbox)
      return report.add(mailbox.error());
    return report.ok(fmt::format("mailbox {}: ok", settings.mailbox.url));
  }
  auto folder = setup::check_imap(settings.mailbox);
  if (!folder)
    return report.add(folder.error());
  report.ok(fmt::format("mailbox {}: logged in as {}; {} mails, UIDVALIDITY {}, UIDNEXT {}{}",
                        settings.mailbox.url, settings.mailbox.user, folder->exists,
                        folder->uidvalidity, folder->uidnext,
                        folder->keyword_storable ? ""
                                                 : "; the folder takes no new keywords (the "
                                                   "ledger still decides what was processed)"));
}

void check_outbox(const setup::Settings& settings, Report& report) {
  const auto& url = settings.outbox.url;
  if (url.starts_with("dir:"))
    return report.ok(
        fmt::format("outbox {}: replies are written as files; no server to log in to", url));
  auto login = setup::check_smtp_login(settings);
  if (!login)
    return report.add(login.error());
  report.ok(fmt::format("outbox {}: {}, {}; nothing sent", url, *login,
                        settings.outbox.allow_plaintext ? "TLS if offered (allow_plaintext)"
                                                        : "TLS with the certificate verified"));
}

// How many of the ledger's latest mails check_trust reads for their authserv-ids.
constexpr std::size_t k_recent_mails = 200;

// The header of an archived mail: up to the first empty line.
std::string header_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string header, line;
  while (std::getline(in, line) && line != "\r" && !line.empty())
    header += line + "\n";
  return header;
}

// "mx.example.edu (41), evil.example (1)": the authserv-ids of the Authentication-Results
// fields on the latest mails of the ledger's archive, each with the number of mails it is
// on, most common first; or why there are none to list.
std::string seen_authserv_ids(const setup::Settings& settings) {
  std::error_code error;
  if (!fs::exists(settings.state_dir / "ledger.db", error))
    return "none yet (no ledger; run `mailroom run --once`, then check again)";
  auto ledger = ledger::SqliteLedger::open(settings.state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return "unknown (" + ledger.error().what + ")";
  auto mails = ledger->mails();
  if (!mails)
    return "unknown (" + mails.error().what + ")";
  std::map<std::string, int> counts;
  const auto first = mails->size() > k_recent_mails ? mails->size() - k_recent_mails : 0;
  for (std::size_t i = first; i < mails->size(); ++i) {
    std::vector<std::string> ids;
    for (const auto& field :
         judge::trace_fields(header_of(settings.state_dir / (*mails)[i].archive_path)))
      if (field.kind == judge::TraceField::Kind::authentication_results)
        if (auto id = judge::authserv_id_of(field.value);
            id && std::find(ids.begin(), ids.end(), *id) == ids.end())
          ids.push_back(*id);
    for (const auto& id : ids)
      ++counts[id];
  }
  if (counts.empty())
    return fmt::format("none (no Authentication-Results on the latest {} mails of the ledger)",
                       mails->size() - first);
  std::vector<std::pair<std::string, int>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string list;
  for (const auto& [id, count] : sorted)
    list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", id, count);
  return list;
}

void check_trust(const setup::Settings& settings, Report& report) {
  // Without a trust choice nothing is authenticated (fail closed), which a site should
  // choose knowingly: check refuses it, names the two lines that settle it, and lists the
  // authserv-ids seen on recent mail (the one on nearly every mail is usually the staff
  // mail server's).
  switch (settings.authentication) {
  case setup::SenderAuthentication::authserv_id:
    return report.ok(fmt::format("trust: Authentication-Results honoured from {}",
                                 settings.trusted_authserv_id));
  case setup::SenderAuthentication::none:
    report.ok("trust: authentication = \"none\"");
    return report.warn(fmt::format(
        "this site cannot authenticate senders: every mail is unauthenticated (replies to "
        "its sender only, at most {} a day)",
        settings.replies.max_unauthenticated_replies_per_day));
  case setup::SenderAuthentication::unset:
    break;
  }
  report.add({settings.file.string(),
              fmt::format("[trust] says neither how senders are authenticated nor that they "
                          "cannot be; Authentication-Results seen on recent mail: {}",
                          seen_authserv_ids(settings)),
              "write one of these two lines under [trust]: trusted_authserv_id = \"HOST\" "
              "(HOST: the name your mail server writes first in Authentication-Results), or "
              "authentication = \"none\" (it writes none: every mail is treated as "
              "unauthenticated)"});
}

// The desk has one address: the config's [outbox] from. The course file's staff_address
// (for replay and preview without a config) must be the same, or replies would name two.
void check_desk(const setup::Settings& settings, Report& report) {
  auto course = setup::load_rules(settings.rules_dir);
  if (!course)
    return; // check_rules said why
  const auto desk = setup::desk(settings, *course);
  if (settings.outbox.from.empty() && course->staff_address.empty())
    return report.add({settings.file.string(), "no desk address: [outbox] from is not set",
                       "add from = \"STAFF@DOMAIN\" under [outbox]: the address students "
                       "write to"});
  const auto staff = reply::bare_address(course->staff_address);
  if (!settings.outbox.from.empty() && !course->staff_address.empty() &&
      util::lower(staff.value_or(course->staff_address)) != util::lower(desk.address))
    return report.add(
        {(settings.rules_dir / "course.toml").string(),
         fmt::format("staff_address '{}' is not the desk address '{}' of [outbox] from in {}",
                     course->staff_address, desk.address, settings.file.string()),
         fmt::format("write staff_address = \"{}\" in course.toml (or remove it): replies, "
                     "bounces and the loop guard use [outbox] from",
                     desk.address)});
  report.ok(fmt::format("desk {}: From, Reply-To, the bounce address and the loop guard; "
                        "Message-IDs under {}",
                        desk.address, desk.message_id_domain));
}

} // namespace

int run_config_check(const std::string& config_file) {
  auto settings = setup::load_settings(config_file);
  if (!settings)
    return print_problems(settings.error());
  Report report;
  report.ok(fmt::format("config {}: ok", config_file));
  check_rules(*settings, report);
  check_state(*settings, report);
  check_mailbox(*settings, report);
  check_outbox(*settings, report);
  check_desk(*settings, report);
  check_trust(*settings, report);
  if (!report.problems.empty())
    return print_problems(report.problems);
  std::cout << config_file << ": everything checked is ok\n";
  return 0;
}

} // namespace mailroom::cli
