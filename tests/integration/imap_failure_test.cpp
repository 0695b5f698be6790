// What the IMAP adapter says when the account, the certificate, the folder or the server
// is wrong: the place, the fault and the fix, with the scope and retry class the daemon
// acts on. The last test runs a Dovecot of its own, because it stops it mid-run.

#include "integration/imap_support.hpp"
#include "mailbox/imap_mailbox.hpp"
#include "support/example_term.hpp"
#include "support/files.hpp"
#include "support/loopback_port.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace mailroom::mailbox {
namespace {

using test::Admin;
using test::Dovecot;
using test::mail;
using test::test_folder;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::expected<ImapMailbox::Folder, Failure> open_with(const ImapSettings& settings) {
  auto made = ImapMailbox::make(settings);
  if (!made)
    return std::unexpected(Failure{made.error(), Scope::server, Retry::never});
  return (*made)->open();
}

// A Dovecot of this test's own, on the next ports up, so stopping it disturbs no one.
class PrivateDovecot {
public:
  PrivateDovecot() {
    std::filesystem::permissions(
        m_dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                          std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                          std::filesystem::perms::others_exec);
    m_dovecot.dir = m_dir / "dovecot";
    m_dovecot.imap_port += 1;
    m_dovecot.imaps_port += 1;
  }
  ~PrivateDovecot() { (void)script("stop"); }
  PrivateDovecot(const PrivateDovecot&) = delete;
  PrivateDovecot& operator=(const PrivateDovecot&) = delete;

  bool start() { return script("start"); }
  bool stop() { return script("stop"); }
  [[nodiscard]] const Dovecot& dovecot() const { return m_dovecot; }

private:
  bool script(const std::string& command) {
    const auto ran = test::run_shell(fmt::format(
        "IMAP_PORT={} IMAPS_PORT={} '{}' {} '{}'", m_dovecot.imap_port, m_dovecot.imaps_port,
        MAILROOM_DOVECOT_SCRIPT, command, m_dovecot.dir.string()));
    std::cout << ran.out;
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    return ran.exit_code == 0;
  }
  test::TempDir m_dir;
  Dovecot m_dovecot;
};

TEST(ImapFailure, WrongPasswordNamesServerAndUserButNotThePassword) {
  // On a server of its own: Dovecot slows later logins from an IP that failed one.
  PrivateDovecot server;
  ASSERT_TRUE(server.start());
  auto settings = server.dovecot().staff("INBOX");
  settings.password = "wrong-horse-battery";

  const auto opened = open_with(settings);

  ASSERT_FALSE(opened);
  const auto text = opened.error().problem.to_string();
  EXPECT_EQ(opened.error().scope, Scope::server);
  EXPECT_EQ(opened.error().retry, Retry::never);
  EXPECT_TRUE(contains(text, "127.0.0.1")) << text;
  EXPECT_TRUE(contains(text, "user 'staff'")) << text;
  EXPECT_TRUE(contains(text, "refused the login")) << text;
  EXPECT_FALSE(contains(text, "wrong-horse-battery")) << text;
  EXPECT_FALSE(contains(text, "secret")) << text;
}

TEST(ImapFailure, UntrustedCertificateIsATlsErrorOverImapsAndStartTls) {
  // No ca_file: the system store does not know the test CA, as it would not know a
  // self-signed server certificate.
  Dovecot dovecot;
  for (const auto& url : {dovecot.imaps_url("INBOX"), dovecot.imap_url("INBOX")}) {
    auto settings = dovecot.staff("INBOX");
    settings.url = url;
    settings.ca_file.clear();

    const auto opened = open_with(settings);

    ASSERT_FALSE(opened) << url;
    const auto& problem = opened.error().problem;
    EXPECT_EQ(opened.error().retry, Retry::never) << url;
    EXPECT_EQ(problem.where, url);
    EXPECT_TRUE(contains(problem.what, "the TLS certificate of 127.0.0.1 is not trusted"))
        << problem.what;
    EXPECT_TRUE(contains(problem.fix, "ca_file")) << problem.fix;
  }
}

TEST(ImapFailure, MissingFolderIsMailboxScopedAndNamesIt) {
  Dovecot dovecot;
  const auto opened = open_with(dovecot.staff("No-Such-Folder"));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().scope, Scope::mailbox);
  EXPECT_EQ(opened.error().retry, Retry::never);
  EXPECT_TRUE(contains(opened.error().problem.what, "has no folder 'No-Such-Folder'"))
      << opened.error().problem.what;
}

TEST(ImapFailure, BadUrlIsRefusedBeforeConnecting) {
  Dovecot dovecot;
  auto settings = dovecot.staff("INBOX");
  settings.url = "imaps://staff:secret@127.0.0.1/INBOX";
  const auto made = ImapMailbox::make(settings);
  ASSERT_FALSE(made);
  EXPECT_TRUE(contains(made.error().what, "password_file")) << made.error().what;
}

TEST(ImapFailure, SilentServerTimesOutWithinTheBound) {
  // A port that accepts connections (the kernel completes them) but never greets.
  const test::LoopbackPort silent{test::LoopbackPort::Mode::listening};
  Dovecot dovecot;
  auto settings = dovecot.staff("INBOX");
  settings.url = fmt::format("imaps://127.0.0.1:{}/INBOX", silent.port());
  settings.timeout = std::chrono::milliseconds{300};

  const auto opened = open_with(settings);

  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().retry, Retry::later);
  EXPECT_TRUE(contains(opened.error().problem.what, "did not answer within 300 ms"))
      << opened.error().problem.what;
}

// A one-connection fake IMAP server on a free loopback port that offers no STARTTLS and
// records every line the client sends.
class NoTlsServer {
public:
  NoTlsServer() {
    m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(m_listener, 1);
    socklen_t length = sizeof address;
    ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~NoTlsServer() {
    ::shutdown(m_listener, SHUT_RDWR);
    m_thread.join();
    ::close(m_listener);
  }
  NoTlsServer(const NoTlsServer&) = delete;
  NoTlsServer& operator=(const NoTlsServer&) = delete;
  [[nodiscard]] int port() const { return m_port; }
  // Everything the client sent; read after the client is done.
  [[nodiscard]] std::string received() {
    std::lock_guard lock(m_mutex);
    return m_received;
  }

private:
  void serve() {
    const int client = ::accept(m_listener, nullptr, nullptr);
    if (client < 0)
      return;
    timeval timeout{2, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const std::string greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready\r\n";
    (void)::send(client, greeting.data(), greeting.size(), MSG_NOSIGNAL);
    std::string pending;
    char buffer[4096];
    for (;;) {
      const auto n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0)
        break;
      pending.append(buffer, static_cast<std::size_t>(n));
      {
        std::lock_guard lock(m_mutex);
        m_received.append(buffer, static_cast<std::size_t>(n));
      }
      for (auto end = pending.find("\r\n"); end != std::string::npos; end = pending.find("\r\n")) {
        const auto line = pending.substr(0, end);
        pending.erase(0, end + 2);
        const auto tag = line.substr(0, line.find(' '));
        const auto answer = line.find("CAPABILITY") != std::string::npos
                                ? "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + " OK done\r\n"
                                : tag + " BAD not here\r\n";
        (void)::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
    }
    ::close(client);
  }
  int m_listener = -1;
  int m_port = 0;
  std::thread m_thread;
  std::mutex m_mutex;
  std::string m_received;
};

TEST(ImapFailure, ServerWithoutStartTlsGetsNoPassword) {
  NoTlsServer server;
  Dovecot dovecot;
  auto settings = dovecot.staff("INBOX");
  settings.url = fmt::format("imap://127.0.0.1:{}/INBOX", server.port());

  const auto opened = open_with(settings);

  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().retry, Retry::never);
  EXPECT_TRUE(contains(opened.error().problem.what, "offers no STARTTLS"))
      << opened.error().problem.what;
  const auto received = server.received();
  EXPECT_FALSE(contains(received, "AUTHENTICATE")) << received;
  EXPECT_FALSE(contains(received, "LOGIN")) << received;
  EXPECT_FALSE(contains(received, "secret")) << received;
}

TEST(ImapFailure, ARunWhoseRulesFailNeverSendsThePassword) {
  // systemd restarts a daemon whose start failed: were the password tried at each start,
  // a wrong one would get the account locked while someone fixes the rules. On a server of
  // its own, whose log (complete once it is stopped) shows every login tried.
  PrivateDovecot server;
  ASSERT_TRUE(server.start());
  test::TempDir term;
  test::copy_example_rules(term / "rules");
  test::write_secret(term / "imap-password", "not-the-password\n");
  const auto config = [&](const std::string& user) {
    std::ofstream(term / "term.toml") << fmt::format(
        "rules = \"rules\"\nstate_dir = \"state\"\n[mailbox]\nurl = \"{}\"\nuser = "
        "\"{}\"\npassword_file = \"imap-password\"\nca_file = \"{}\"\ntimeout = \"5s\"\n",
        server.dovecot().imaps_url("INBOX"), user, server.dovecot().ca_file().string());
    return "run --once --config " + test::quoted(term / "term.toml");
  };
  const auto course = term / "rules" / "course.toml";
  const auto rules = test::read_text(course);
  std::ofstream(course, std::ios::app) << "deadline = = \"broken\"\n";

  const auto broken = test::mailroom(config("student"));
  EXPECT_EQ(broken.exit_code, 1) << broken.err;
  EXPECT_TRUE(contains(broken.err, "course.toml")) << broken.err;

  // The same start with its rules fixed does try the password, and the log says so.
  std::ofstream(course, std::ios::trunc) << rules;
  const auto refused = test::mailroom(config("staff"));
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_TRUE(contains(refused.err, "refused the login")) << refused.err;

  ASSERT_TRUE(server.stop());
  const auto log = test::read_text(server.dovecot().dir / "dovecot.log");
  EXPECT_TRUE(contains(log, "user=<staff>")) << log;
  EXPECT_FALSE(contains(log, "user=<student>")) << log;
}

TEST(ImapFailure, ServerStoppedMidPollIsRetriedLaterAndRecoversWithNothingLost) {
  PrivateDovecot server;
  ASSERT_TRUE(server.start());
  const auto folder = test_folder();
  {
    Admin admin(server.dovecot(), folder);
    admin.recreate();
    for (int i = 1; i <= 3; ++i)
      admin.append(mail(fmt::format("m{}", i)), "01-Oct-2025 10:00:00 +0000");
  }
  auto made = ImapMailbox::make(server.dovecot().staff(folder));
  ASSERT_TRUE(made);
  auto& box = **made;
  std::vector<std::string> seen;

  // The server goes away while the first mail is being handled. What was fetched ahead
  // before it went may still be handed on; the cursor never passes a mail not handed on.
  const auto poll1 = box.poll(
      {},
      [&](RawMail raw) {
        seen.push_back(raw.file);
        if (seen.size() == 1)
          server.stop();
        return Visit::next;
      },
      [](core::Problem) {});
  ASSERT_GE(poll1.visited, 1u);
  if (poll1.failure) {
    EXPECT_EQ(poll1.failure->scope, Scope::server);
    EXPECT_EQ(poll1.failure->retry, Retry::later);
  }
  EXPECT_EQ(poll1.cursor.last_uid, poll1.visited); // the next poll starts after the last handed on

  // While it is down: a clear, retryable error.
  const auto poll2 = box.poll(
      poll1.cursor,
      [&](RawMail raw) {
        seen.push_back(raw.file);
        return Visit::next;
      },
      [](core::Problem) {});
  ASSERT_TRUE(poll2.failure);
  EXPECT_EQ(poll2.failure->retry, Retry::later);
  EXPECT_TRUE(contains(poll2.failure->problem.what, "cannot connect to 127.0.0.1"))
      << poll2.failure->problem.what;
  EXPECT_EQ(poll2.cursor, poll1.cursor);

  // Back up: the adapter reconnects by itself and hands on the rest, once each.
  ASSERT_TRUE(server.start());
  const auto poll3 = box.poll(
      poll2.cursor,
      [&](RawMail raw) {
        seen.push_back(raw.file);
        return Visit::next;
      },
      [](core::Problem) {});
  ASSERT_FALSE(poll3.failure) << poll3.failure->problem.to_string();
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(poll3.cursor.last_uid, 3u);
}

} // namespace
} // namespace mailroom::mailbox
