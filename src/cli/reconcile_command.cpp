#include "archive/archive.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "message/transfer.hpp"
#include "setup/logging.hpp"
#include "setup/mailbox.hpp"
#include "setup/settings.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace mailroom::cli {

namespace {

namespace fs = std::filesystem;

struct ReconcileOptions {
  std::string config_file;
};

// What the ledger holds: each source with the hash of the bytes recorded from it, and
// every hash.
struct LedgerView {
  std::map<std::string, std::string> hash_of_source;
  std::set<std::string> hashes;
};

// Proves nothing was lost: every mail in the watched folder is in the
// ledger by its source and by its bytes, and every ledger mail still has its raw bytes in
// the archive. The folder is read with the daemon's own mailbox code (BODY.PEEK[], so
// nothing changes on the server) and nothing is recorded or marked.
int reconcile(const ReconcileOptions& options) {
  if (auto logging = setup::setup_logging("warning"); !logging)
    return print_problem(logging.error());
  auto settings = setup::load_settings(options.config_file);
  if (!settings)
    return print_problems(settings.error());
  auto ledger = ledger::SqliteLedger::open(settings->state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return print_problem(ledger.error());
  auto mails = ledger->mails();
  if (!mails)
    return print_problem(mails.error());

  std::size_t differences = 0;
  const auto differ = [&](const std::string& line) {
    ++differences;
    std::cout << line << "\n";
  };

  LedgerView view;
  for (const auto& mail : *mails) {
    view.hashes.insert(mail.sha256);
    auto sources = ledger->sources(mail.id);
    if (!sources)
      return print_problem(sources.error());
    for (const auto& source : *sources)
      view.hash_of_source.emplace(source, mail.sha256);
    view.hash_of_source.emplace(mail.source, mail.sha256);
    const auto path = settings->state_dir / mail.archive_path;
    std::error_code error;
    const auto size = fs::file_size(path, error);
    if (error)
      differ(fmt::format("not in the archive: ledger mail {} ({}), {} is missing", mail.id,
                         mail.file, path.string()));
    else if (static_cast<std::int64_t>(size) != mail.size)
      differ(fmt::format("damaged in the archive: ledger mail {} ({}), {} has {} bytes, the "
                         "ledger says {}",
                         mail.id, mail.file, path.string(), size, mail.size));
  }

  auto mailbox = setup::open_mailbox(settings->mailbox, setup::begin_connection(settings->mailbox));
  if (!mailbox)
    return print_problem(mailbox.error());
  std::size_t in_folder = 0;
  std::size_t unreadable = 0;
  const auto poll = (*mailbox)->poll(
      mailbox::Cursor{},
      [&](pipeline::RawMail mail) {
        ++in_folder;
        const auto hash = message::sha256_hex(mail.raw);
        const auto known = view.hash_of_source.find(mail.source);
        const bool known_bytes = view.hashes.contains(hash);
        if (known == view.hash_of_source.end() && !known_bytes)
          differ(fmt::format("not in the ledger: {} (INTERNALDATE {}, sha256 {})", mail.source,
                             core::to_iso_utc(mail.received_at), hash));
        else if (known == view.hash_of_source.end())
          differ(fmt::format("not in the ledger by source: {} (its bytes are, sha256 {}; the "
                             "next `mailroom run` links it)",
                             mail.source, hash));
        else if (known->second != hash && !known_bytes)
          differ(fmt::format("other bytes under a known source: {} (ledger sha256 {}, folder "
                             "sha256 {})",
                             mail.source, known->second, hash));
        return mailbox::Visit::next;
      },
      [&](core::Problem problem) {
        ++unreadable;
        differ("unreadable in the folder: " + problem.to_string());
      });
  if (poll.failure)
    return print_problem(poll.failure->problem);
  std::cout << fmt::format("reconcile: {} mails in {} ({} unreadable), {} in the ledger; {} {}\n",
                           in_folder, settings->mailbox.url, unreadable, mails->size(), differences,
                           differences == 1 ? "difference" : "differences");
  return differences == 0 ? 0 : 1;
}

} // namespace

void add_reconcile_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReconcileOptions>();
  auto* command = app.add_subcommand(
      "reconcile", "Prove nothing was lost: the watched folder against the ledger and archive");
  command->add_option("--config", options->config_file, "Config file of one course term")
      ->required();
  command->callback([options, &exit_code] { exit_code = reconcile(*options); });
}

} // namespace mailroom::cli
