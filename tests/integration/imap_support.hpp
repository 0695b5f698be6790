#pragma once

// What the IMAP integration tests share: a folder of their own on the fixture's Dovecot
// (tests/support/fixture_servers.hpp), a term watching it, and a second client that sets
// a folder up the way a test needs it (APPEND with an explicit INTERNALDATE,
// CREATE/DELETE, reading FLAGS) without going through the code under test's mailbox logic.

#include "imap/protocol.hpp"
#include "mailbox/imap_connection.hpp"
#include "mailbox/imap_mailbox.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/fixture_servers.hpp"
#include "support/loopback_port.hpp"
#include "support/mail_text.hpp"
#include "support/text.hpp"
#include "support/wait.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace mailroom::test {

// A folder name of this test's own, so tests share one server without meeting.
inline std::string test_folder() {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  return fmt::format("t-{}-{}", info->test_suite_name(), info->name());
}

inline imap::Endpoint endpoint(const std::string& url) {
  std::string error;
  return *imap::parse_url(url, error);
}

// A plain IMAP client on the staff account for setting up and checking folders.
class Admin {
public:
  explicit Admin(const Dovecot& dovecot, const std::string& folder)
      : m_connection(dovecot.staff(folder), endpoint(dovecot.imaps_url(folder))), m_folder(folder) {
    auto opened = m_connection.open();
    if (!opened)
      ADD_FAILURE() << "admin login failed: " << opened.error().problem.to_string();
  }

  // An empty folder: deleted first if a previous run left it. Dovecot may refuse the DELETE
  // for a moment while the session of a mailroom killed just before still holds the folder
  // (its imap process has not yet seen the connection close), so it is asked again until
  // the folder is gone, within a bound.
  void recreate() {
    const bool gone = wait_until(
        [&] {
          auto reply = m_connection.command("DELETE " + quoted());
          return reply && (reply->ok() || reply->text.find("NONEXISTENT") != std::string::npos);
        },
        std::chrono::seconds{10});
    if (!gone)
      ADD_FAILURE() << "DELETE " << quoted() << " kept failing for 10 s";
    run("CREATE " + quoted());
  }
  void remove() { run("DELETE " + quoted()); }

  // APPENDs `raw` with INTERNALDATE `date` ("15-Dec-2025 13:00:00 -0500") and `flags`
  // ("\\Seen" or ""); returns the UID the server gave it (APPENDUID, RFC 4315).
  std::uint32_t append(const std::string& raw, const std::string& date,
                       const std::string& flags = "") {
    auto reply = m_connection.command(fmt::format("APPEND {} ({}) \"{}\"", quoted(), flags, date),
                                      std::string_view(raw));
    if (!reply || !reply->ok()) {
      ADD_FAILURE() << "APPEND failed: "
                    << (reply ? reply->status + " " + reply->text : reply.error().problem.what);
      return 0;
    }
    const auto at = reply->text.find("[APPENDUID ");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no APPENDUID in " << reply->text;
      return 0;
    }
    std::uint32_t validity = 0, uid = 0;
    std::sscanf(reply->text.c_str() + at, "[APPENDUID %u %u]", &validity, &uid);
    return uid;
  }

  // The FLAGS of `uid`, read without changing anything (EXAMINE is read-only).
  std::vector<std::string> flags(std::uint32_t uid) {
    run("EXAMINE " + quoted());
    auto reply = m_connection.command(fmt::format("UID FETCH {} (UID FLAGS)", uid));
    if (!reply || !reply->ok()) {
      ADD_FAILURE() << "UID FETCH FLAGS failed";
      return {};
    }
    for (const auto& line : reply->untagged)
      if (auto data = imap::parse_fetch(line); data && data->uid == uid && data->flags)
        return *data->flags;
    ADD_FAILURE() << "no FLAGS for UID " << uid;
    return {};
  }

  // How many mails the folder holds (EXAMINE's EXISTS).
  std::uint32_t count() {
    auto reply = m_connection.command("EXAMINE " + quoted());
    if (!reply || !reply->ok()) {
      ADD_FAILURE() << "EXAMINE " << m_folder << " failed";
      return 0;
    }
    for (const auto& line : reply->untagged)
      if (const auto exists = imap::exists_count(line))
        return *exists;
    return 0;
  }

  // Sets or clears flags on `uid` as a mail client would.
  void store(std::uint32_t uid, const std::string& change) {
    run("SELECT " + quoted());
    run(fmt::format("UID STORE {} {}", uid, change));
  }

  // Moves `uid` to `folder` as a mail client would (UID MOVE, RFC 6851); returns its UID
  // there (COPYUID, RFC 4315), or 0.
  std::uint32_t move(std::uint32_t uid, const std::string& folder) {
    run("SELECT " + quoted());
    auto reply = m_connection.command(fmt::format("UID MOVE {} {}", uid, *imap::quote(folder)));
    if (!reply || !reply->ok()) {
      ADD_FAILURE() << "UID MOVE failed: "
                    << (reply ? reply->status + " " + reply->text : reply.error().problem.what);
      return 0;
    }
    auto lines = reply->untagged;
    lines.push_back(reply->text);
    for (const auto& line : lines)
      if (const auto at = line.find("[COPYUID "); at != std::string::npos) {
        std::uint32_t validity = 0, from = 0, to = 0;
        if (std::sscanf(line.c_str() + at, "[COPYUID %u %u %u]", &validity, &from, &to) == 3)
          return to;
      }
    ADD_FAILURE() << "no COPYUID after UID MOVE";
    return 0;
  }

  // Deletes `uid` for good, as a mail client's "delete and compact" does.
  void expunge(std::uint32_t uid) {
    run("SELECT " + quoted());
    run(fmt::format("UID STORE {} +FLAGS.SILENT (\\Deleted)", uid));
    run(fmt::format("UID EXPUNGE {}", uid));
  }

private:
  enum class Expect { ok, any };
  std::string quoted() const { return *imap::quote(m_folder); }
  bool run(const std::string& command, Expect expect = Expect::ok) {
    auto reply = m_connection.command(command);
    const bool ok = reply && reply->ok();
    if (!ok && expect == Expect::ok)
      ADD_FAILURE() << command << " failed: "
                    << (reply ? reply->status + " " + reply->text : reply.error().problem.what);
    return ok;
  }

  mailbox::ImapConnection m_connection;
  std::string m_folder;
};

// A small RFC 5322 mail with CRLF line ends, as IMAP serves it.
inline std::string mail(const std::string& subject, const std::string& body = "Hello.\r\n") {
  return fmt::format("From: Student One <one@example.edu>\r\n"
                     "To: staff@example.edu\r\n"
                     "Subject: {}\r\n"
                     "Date: Mon, 13 Oct 2025 09:00:00 -0400\r\n"
                     "Message-ID: <{}@example.edu>\r\n"
                     "\r\n"
                     "{}",
                     subject, subject, body);
}

// A course term in `dir` watching `folder` of the fixture's Dovecot over IMAPS as staff:
// the test course with proposals due in 2030 (today's mail is on time and young enough to
// answer), `roster`, the password file `secret`, and term.toml with `more` (further TOML
// sections) after its [mailbox].
inline void write_imap_term(const std::filesystem::path& dir, const Dovecot& dovecot,
                            const std::string& folder, const std::string& roster,
                            const std::string& more = "") {
  write_demo_rules(dir / "rules", course_toml_due_in_2030(), roster);
  write_secret(dir / "secret", "secret\n");
  write_file(dir / "term.toml",
             fmt::format("rules = \"rules\"\nstate_dir = \"state\"\n"
                         "[mailbox]\nurl = \"{}\"\nuser = \"staff\"\npassword_file = \"secret\"\n"
                         "ca_file = \"{}\"\ntimeout = \"5s\"\n{}",
                         dovecot.imaps_url(folder), dovecot.ca_file().string(), more));
}

inline bool has_flag(const std::vector<std::string>& flags, const std::string& flag) {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

} // namespace mailroom::test
