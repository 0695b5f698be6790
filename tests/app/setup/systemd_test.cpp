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
#include <cstdlib>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace mailroom;

namespace {

// A datagram socket bound where NOTIFY_SOCKET points, as systemd listens for a Type=notify
// service.
class NotifySocket {
public:
  explicit NotifySocket(std::filesystem::path path) : m_path(std::move(path)) {
    m_socket = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const auto text = m_path.string();
    EXPECT_LT(text.size(), sizeof(address.sun_path)) << text;
    std::copy(text.begin(), text.end(), address.sun_path);
    EXPECT_EQ(::bind(m_socket, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0)
        << text;
  }
  ~NotifySocket() { ::close(m_socket); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

  // The messages that came since the last call, in order.
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
  std::filesystem::path m_path;
  int m_socket = -1;
  std::vector<std::string> m_messages;
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
// exit status, or -1 when it has not ended within a minute (then it is killed).
int wait_reading(pid_t pid, NotifySocket& systemd) {
  int status = -1;
  const bool ended = test::wait_until(
      [&] {
        (void)systemd.messages();
        int raw = 0;
        if (::waitpid(pid, &raw, WNOHANG) != pid)
          return false;
        status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        return true;
      },
      std::chrono::seconds{60});
  if (!ended) {
    ::kill(pid, SIGKILL);
    (void)test::exit_status(pid);
  }
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
  NotifySocket systemd(term.dir / "notify");
  const auto log = term.dir / "run.log";
  const pid_t pid = test::start_mailroom({"run", "--once"}, term.dir / "term.toml", log,
                                         {{"NOTIFY_SOCKET", systemd.path().string()}});
  ASSERT_EQ(wait_reading(pid, systemd), 0) << test::read_text(log);
  EXPECT_EQ(test::read_text(log).find("systemd"), std::string::npos) << test::read_text(log);
  const auto messages = systemd.messages();
  ASSERT_FALSE(messages.empty()) << test::read_text(log);
  EXPECT_EQ(messages.front(), "READY=1");
  EXPECT_TRUE(has(messages, "WATCHDOG=1"));
  EXPECT_TRUE(has_status(messages));
}

TEST(Systemd, TheDaemonSaysStoppingLastWhenTerminated) {
  MaildirTerm term;
  NotifySocket systemd(term.dir / "notify");
  const auto log = term.dir / "daemon.log";
  const pid_t pid = test::start_mailroom({"run"}, term.dir / "term.toml", log,
                                         {{"NOTIFY_SOCKET", systemd.path().string()}});
  // READY=1, then the first poll's STATUS=: the daemon is up and has polled.
  ASSERT_TRUE(test::wait_until([&] { return has_status(systemd.messages()); }))
      << test::read_text(log);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(wait_reading(pid, systemd), 0) << test::read_text(log);
  const auto messages = systemd.messages();
  EXPECT_EQ(messages.front(), "READY=1");
  EXPECT_EQ(messages.back(), "STOPPING=1");
}

TEST(Systemd, ANotifySocketNobodyListensOnIsLoggedOnceAndTheRunGoesOn) {
  MaildirTerm term;
  const auto ran =
      test::mailroom_with_environment("NOTIFY_SOCKET=" + test::quoted(term.dir / "nobody-listens"),
                                      "run --once --config " + term.config());
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(test::count_of(ran.err, "cannot tell systemd"), 1) << ran.err;
  EXPECT_NE(ran.err.find("cannot tell systemd \"READY=1\": No such file or directory"),
            std::string::npos)
      << ran.err;
  EXPECT_NE(ran.err.find("16 new, 0 known, 0 failed"), std::string::npos) << ran.err;
}

TEST(Systemd, TheWatchdogIntervalIsWhatSystemdSetForThisProcess) {
  EXPECT_EQ(setup::systemd_watchdog(), std::nullopt); // no WATCHDOG_USEC: no watchdog
  ASSERT_EQ(::setenv("WATCHDOG_USEC", "3000000", 1), 0);
  EXPECT_EQ(setup::systemd_watchdog(), std::chrono::microseconds{3'000'000});
  // Set for another process (a child that inherited the variable): not this one's.
  ASSERT_EQ(::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1), 0);
  EXPECT_EQ(setup::systemd_watchdog(), std::nullopt);
  ASSERT_EQ(::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1), 0);
  EXPECT_EQ(setup::systemd_watchdog(), std::chrono::microseconds{3'000'000});
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
}
