#include "cli/state_recording.hpp"

#include "archive/archive.hpp"
#include "cli/output.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "message/parse.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>

namespace mailroom::cli {

namespace {

// A fault hook for the crash tests (reliability.md E1): with
// MAILROOM_TEST_KILL_AFTER_ARCHIVE=N the process kills itself with SIGKILL right
// after archiving the N-th new mail and before recording it.
int kill_after_archive() {
  const char* value = std::getenv("MAILROOM_TEST_KILL_AFTER_ARCHIVE");
  return value ? std::atoi(value) : 0;
}

} // namespace

int record_into_state(const std::string& state_dir, const rules::Course&,
                      const std::vector<std::pair<mailbox::RawMail, pipeline::Decision>>& mails) {
  auto ledger = ledger::SqliteLedger::open(state_dir, ledger::OpenMode::create);
  if (!ledger)
    return print_problem(ledger.error());
  const archive::Archive store(std::filesystem::path(state_dir) / "archive");
  if (auto opened = store.open(); !opened)
    return print_problem(opened.error());

  const int kill_at = kill_after_archive();
  int archived = 0;
  std::size_t added = 0, known = 0, failed = 0;
  for (const auto& [mail, decision] : mails) {
    auto seen = ledger->knows_source(mail.source);
    if (!seen) {
      print_problem(seen.error());
      ++failed;
      continue;
    }
    if (*seen) {
      ++known;
      continue;
    }
    // The decision was made on facts without attachment bytes; the archive needs them.
    // Order is important: archive first (fsync'ed and renamed), record after. A crash
    // in between leaves an archived file that the next run finds by its hash.
    auto parsed = archive::parse_and_store(store, mail.raw, "file " + mail.file);
    if (!parsed) {
      print_problem(parsed.error());
      ++failed;
      continue;
    }
    const auto& facts = parsed->facts;
    const auto* stored = &parsed->stored;
    if (kill_at > 0 && ++archived == kill_at)
      std::raise(SIGKILL);
    ledger::NewMail row{mail.source,
                        mail.file,
                        mail.received_at,
                        stored->sha256,
                        static_cast<std::int64_t>(mail.raw.size()),
                        "archive/" + stored->raw_path.filename().string(),
                        {}};
    for (std::size_t i = 0; i < stored->attachments.size(); ++i) {
      const auto& file = stored->attachments[i];
      row.attachments.push_back({file.original_name, file.stored_name,
                                 facts.attachments[i].content_type,
                                 static_cast<std::int64_t>(file.size), file.sha256});
    }
    const auto decided_at =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    auto recorded = ledger->record(row, decision, decided_at);
    if (!recorded) {
      print_problem(recorded.error());
      ++failed;
      continue;
    }
    if (recorded->what == ledger::Recorded::new_mail)
      ++added;
    else
      ++known;
  }
  std::cerr << fmt::format("{}: {} new, {} already recorded{}\n", state_dir, added, known,
                           failed ? fmt::format(", {} failed", failed) : "");
  if (auto checkpoint = ledger->checkpoint();
      checkpoint && checkpoint->wal_bytes > ledger::k_wal_warning_bytes)
    std::cerr << fmt::format("warning: {}-wal is {} MB and could not be truncated; a reader "
                             "(a sqlite3 shell?) holds an old snapshot open\n",
                             ledger->database_path().string(), checkpoint->wal_bytes >> 20);
  return failed ? 1 : 0;
}

} // namespace mailroom::cli
