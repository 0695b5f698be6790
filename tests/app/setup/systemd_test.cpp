// What the daemon tells systemd (setup/systemd.hpp) reaches a notify socket as systemd
// would read it: READY=1 once the state is open, STATUS= lines, WATCHDOG=1, and STOPPING=1
// last. libsystemd is loaded only then, so these are also the test that it loads.
#include "setup/systemd.hpp"
#include "support/example_term.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace mailroom;

namespace {

// A datagram socket where NOTIFY_SOCKET points, as systemd listens for a Type=notify
// service. In the abstract namespace ("@name", which sd_notify takes as systemd's own path):
// no file, and no limit of 108 bytes on the test's temporary folder.
class NotifySocket {
public:
  NotifySocket() {
    static int made = 0;
    m_name = "@mailroom-test-" + std::to_string(::getpid()) + "-" + std::to_string(++made);
    m_socket = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const auto address = abstract_address(m_name);
    m_bound = m_socket >= 0 && ::bind(m_socket, reinterpret_cast<const sockaddr*>(&address.first),
                                      address.second) == 0;
  }
  ~NotifySocket() {
    if (m_socket >= 0)
      ::close(m_socket);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // Whether it listens; a test asserts it before it starts mailroom.
  [[nodiscard]] bool bound() const { return m_bound; }
  // What NOTIFY_SOCKET says.
  [[nodiscard]] const std::string& name() const { return m_name; }

  // Every message so far, in order.
  std::vector<std::string> messages() {
    std::array<char, 4096> buffer{};
    for (;;) {
      const auto got = ::recv(m_socket, buffer.data(), buffer.size(), 0);
      if (got <= 0)
        break;
      m_messages.emplace_back(buffer.data(), static_cast<std::size_t>(got));
    }
    return m_messages;
  }

private:
  // "@name" as an abstract address: a NUL, then the name, and no NUL after it.
  static std::pair<sockaddr_un, socklen_t> abstract_address(const std::string& name) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::copy(name.begin() + 1, name.end(), address.sun_path + 1);
    return {address, static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())};
  }

  std::string m_name;
  int m_socket = -1;
  bool m_bound = false;
  std::vector<std::string> m_messages;
};

// A mailroom the test started, killed and reaped at the end of the test unless it ended:
// a failed assertion leaves no daemon polling.
struct Child {
  pid_t pid;
  bool reaped = false;
  ~Child() {
    if (!reaped) {
      ::kill(pid, SIGKILL);
      (void)test::exit_status(pid);
    }
  }
};

// An environment variable set (or unset, with nullopt) for one test, and restored after it.
class ScopedVariable {
public:
  ScopedVariable(const char* name, const std::optional<std::string>& value) : m_name(name) {
    if (const char* before = std::getenv(name))
      m_before = before;
    set(value);
  }
  ~ScopedVariable() { set(m_before); }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

  void set(const std::optional<std::string>& value) const {
    if (value)
      ::setenv(m_name, value->c_str(), 1);
    else
      ::unsetenv(m_name);
  }

private:
  const char* m_name;
  std::optional<std::string> m_before;
};

bool has(const std::vector<std::string>& messages, const std::string& message) {
  return std::ranges::find(messages, message) != messages.end();
}

bool has_status(const std::vector<std::string>& messages) {
  return std::ranges::any_of(messages,
                             [](const std::string& text) { return text.starts_with("STATUS="); });
}

// Waits (bounded) for the child `pid` to end, reading what it tells `systemd` meanwhile, as
// systemd does: a datagram socket queues ten messages, and a sender waits for room. Its
// exit status, or -1 when it has not ended within a minute (then `child` kills it).
int wait_reading(Child& child, NotifySocket& systemd) {
  int status = -1;
  (void)test::wait_until(
      [&] {
        (void)systemd.messages();
        int raw = 0;
        if (::waitpid(child.pid, &raw, WNOHANG) != child.pid)
          return false;
        child.reaped = true;
        status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        return true;
      },
      std::chrono::seconds{60});
  return status;
}

// The example term (16 mails in a Maildir), polled every second.
struct MaildirTerm : test::ExampleTerm {
  MaildirTerm()
      : ExampleTerm("rules = \"rules\"\nstate_dir = \"state\"\npoll_interval = \"1s\"\n"
                    "[mailbox]\nurl = \"maildir:maildir\"\n") {}
};

} // namespace

TEST(Systemd, ARunOnceSaysReadyThenHowTheIngestGoesAndFeedsTheWatchdog) {
  MaildirTerm term;
  NotifySocket systemd;
  ASSERT_TRUE(systemd.bound()) << systemd.name();
  const auto log = term.dir / "run.log";
  Child run{test::start_mailroom({"run", "--once"}, term.dir / "term.toml", log,
                                 {{"NOTIFY_SOCKET", systemd.name()}})};
  ASSERT_EQ(wait_reading(run, systemd), 0) << test::read_text(log);
  EXPECT_EQ(test::read_text(log).find("systemd"), std::string::npos) << test::read_text(log);
  const auto messages = systemd.messages();
  ASSERT_FALSE(messages.empty()) << test::read_text(log);
  EXPECT_EQ(messages.front(), "READY=1");
  EXPECT_TRUE(has(messages, "WATCHDOG=1"));
  EXPECT_TRUE(has_status(messages));
}

TEST(Systemd, TheDaemonSaysStoppingLastWhenTerminated) {
  MaildirTerm term;
  NotifySocket systemd;
  ASSERT_TRUE(systemd.bound()) << systemd.name();
  const auto log = term.dir / "daemon.log";
  Child daemon{test::start_mailroom({"run"}, term.dir / "term.toml", log,
                                    {{"NOTIFY_SOCKET", systemd.name()}})};
  // READY=1, then the first poll's STATUS=: the daemon is up and has polled.
  ASSERT_TRUE(test::wait_until([&] { return has_status(systemd.messages()); }))
      << test::read_text(log);
  ASSERT_EQ(::kill(daemon.pid, SIGTERM), 0);
  EXPECT_EQ(wait_reading(daemon, systemd), 0) << test::read_text(log);
  const auto messages = systemd.messages();
  EXPECT_EQ(messages.front(), "READY=1");
  EXPECT_EQ(messages.back(), "STOPPING=1");
}

TEST(Systemd, ANotifySocketNobodyListensOnIsLoggedOnceAndTheRunGoesOn) {
  MaildirTerm term;
  const std::string nobody = "@mailroom-test-" + std::to_string(::getpid()) + "-nobody";
  const auto ran = test::mailroom_with_environment("NOTIFY_SOCKET=" + nobody,
                                                   "run --once --config " + term.config());
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(test::count_of(ran.err, "cannot tell systemd"), 1) << ran.err;
  EXPECT_NE(ran.err.find("cannot tell systemd \"READY=1\": Connection refused"), std::string::npos)
      << ran.err;
  EXPECT_NE(ran.err.find("16 new, 0 known, 0 failed"), std::string::npos) << ran.err;
}

TEST(Systemd, TheWatchdogIntervalIsWhatSystemdSetForThisProcess) {
  const ScopedVariable interval("WATCHDOG_USEC", std::nullopt);
  const ScopedVariable pid("WATCHDOG_PID", std::nullopt);
  EXPECT_EQ(setup::systemd_watchdog(), std::nullopt); // no WATCHDOG_USEC: no watchdog
  interval.set("3000000");
  EXPECT_EQ(setup::systemd_watchdog(), std::chrono::microseconds{3'000'000});
  // Set for another process (a child that inherited the variable): not this one's.
  pid.set(std::to_string(::getpid() + 1));
  EXPECT_EQ(setup::systemd_watchdog(), std::nullopt);
  pid.set(std::to_string(::getpid()));
  EXPECT_EQ(setup::systemd_watchdog(), std::chrono::microseconds{3'000'000});
}
