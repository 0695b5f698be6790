#pragma once

#include "core/instant.hpp"
#include "rules/load.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace mailroom::setup {

// What to do with a mail once the ledger holds it.
enum class Processed { keyword, move };

struct MailboxSettings {
  std::string url; // imaps://HOST[:PORT]/FOLDER, imap://... (STARTTLS required), maildir:PATH
  std::string user;
  std::filesystem::path password_file; // empty: $CREDENTIALS_DIRECTORY/imap-password
  std::filesystem::path ca_file;       // empty: the system's CA store
  bool allow_plaintext = false;        // honoured for loopback hosts only (setup/hosts.hpp)
  std::chrono::seconds timeout{30};
  // A larger mail is archived as it came and held for review, not decoded.
  std::size_t max_mail_size = 50u * 1024 * 1024;
  Processed processed = Processed::keyword;
  std::string keyword = "$MailroomProcessed";
  std::string move_to; // the folder, with Processed::move
  // Between polls, wait in IMAP IDLE where the server offers it (RFC 2177), re-issued
  // after idle_limit; the poll interval is the fallback.
  bool idle = true;
  std::chrono::seconds idle_limit{25 * 60};
};

struct OutboxSettings {
  std::string url = "dir:outbox"; // smtps://, smtp:// (STARTTLS required), dir:PATH
  std::string from;
  std::string user;
  std::filesystem::path password_file; // empty: $CREDENTIALS_DIRECTORY/smtp-password
  std::filesystem::path ca_file;
  bool allow_plaintext = false; // honoured for loopback hosts only (setup/hosts.hpp)
  std::chrono::seconds timeout{30};
  // The EHLO name; empty: the machine's fully qualified name (daemon/replies.hpp).
  std::string helo;
  // A reply's waits after temporary failures: retry_after, doubling, at most retry_max,
  // each spread by 20 % either side (below the cap); core/backoff.hpp.
  std::chrono::seconds retry_after{60};
  std::chrono::seconds retry_max{3600};
  // The envelope sender (MAIL FROM) of replies, where bounces go (docs/reliability-cases.md 9.1).
  // Empty: the desk address (`from`), the mailbox mailroom watches. "<>": the null sender.
  std::string bounce_address;
};

enum class ReplyRecipients { group, sender };

struct ReplySettings {
  ReplyRecipients recipients = ReplyRecipients::group;
  int max_per_student_per_day = 10;
  // Replies to mail whose From fails the configured trusted_authserv_id, per student, on a
  // budget of their own (docs/reliability-cases.md S7).
  int max_unauthenticated_replies_per_day = 3;
  std::chrono::seconds max_reply_age{7 * 24 * 3600};
  // Counted when sending (outbox/relay.hpp); over them a reply stays queued.
  int max_per_recipient_per_day = 20;
  int max_per_hour = 200;
};

// How a site vouches for its senders ([trust]): its mail server stamps
// Authentication-Results under `trusted_authserv_id`, or it says it cannot
// (authentication = "none"). Unset runs as `none` does, but `check --config` fails.
enum class SenderAuthentication { unset, authserv_id, none };

struct ReportSettings {
  // Where the daemon rewrites the term at a glance (mailroom report) after each poll that
  // recorded something; empty: it writes none.
  std::filesystem::path html;
};

struct DigestSettings {
  // Staff addresses the daily digest goes to; empty: no digest.
  std::vector<std::string> to;
  std::chrono::minutes at{8 * 60}; // local time of day in the course's zone
};

// One course term's config file (e.g. /etc/mailroom/cse585-f25.toml). Paths are
// relative to the file's folder. Secrets are never here: passwords come from files or
// systemd credentials.
struct Settings {
  std::filesystem::path file;
  std::filesystem::path rules_dir;
  std::filesystem::path state_dir;
  std::chrono::seconds poll_interval{60};
  MailboxSettings mailbox;
  OutboxSettings outbox;
  ReplySettings replies;
  ReportSettings report;
  DigestSettings digest;
  SenderAuthentication authentication = SenderAuthentication::unset;
  std::string trusted_authserv_id; // with SenderAuthentication::authserv_id
  std::chrono::seconds arrival_mismatch{15 * 60};
};

// Reads a config file's text: unknown keys, wrong types and bad values are refused,
// all of them at once, each with file, line and the fix. `origin` is the file's path;
// relative paths in it are taken from its folder.
[[nodiscard]] rules::Checked<Settings> parse_settings(std::string_view text,
                                                      const std::filesystem::path& origin);

// parse_settings on the file at `path`.
[[nodiscard]] rules::Checked<Settings> load_settings(const std::filesystem::path& path);

} // namespace mailroom::setup
