// docs/reliability-cases.md E7: the SMTP server is down for a while and the daemon restarts in the
// middle of it. The real daemon (`mailroom run --config`, not --once) polls a Maildir
// every second and replies through the test SMTP server (tests/support/smtp_sink.py) on
// a port of this test's own, which stays stopped until the outage ends.
//
// E7 asks for 10 minutes; CI cannot wait that long, so the outage here is 25 s, with the
// waits scaled down to match (retry_after = 1 s, retry_max = 4 s instead of 60 s and 1 h).
// What is checked is what a 10 min outage would show: the queued receipts survive the
// restart, each row is tried on its bounded, jittered schedule (a handful of tries, not
// one per poll), the daemon burns almost no CPU while it waits, and each recipient gets
// exactly one receipt once the server is back.
#include "core/backoff.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/fixture_servers.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace mailroom;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

using test::k_dovecot;
// The next port after the fixture's SMTP server: tests that start their own use it.
const int k_port = test::SmtpSink{}.port + 1;

// The scaled-down outage (see the top): the restart comes in its middle.
constexpr seconds k_outage{25};
constexpr seconds k_restart_at{12};
const core::Backoff k_backoff{seconds{1}, seconds{4}};

// Group 1 is the student (a Dovecot user) and Alan (spool only): one receipt to each.
const std::string k_outage_roster = "group,name,uniqname,email\n"
                                    "1,Stu Dent,student,student@example.edu\n"
                                    "1,Alan Turing,alan,alan@example.edu\n"
                                    "2,Grace Hopper,grace,grace@example.edu\n";

// A course term on a Maildir, polled every second, replying through the SMTP server on
// k_port; a student's proposal (due in 2030, so on time) waits in the Maildir.
struct OutageTerm {
  test::TempDir dir;
  std::string id = fmt::format("<outage-{}-{}@example.edu>", ::getpid(), std::time(nullptr));
  OutageTerm() {
    test::write_demo_rules(dir / "rules", test::course_toml_due_in_2030(), k_outage_roster);
    test::make_maildir(dir / "maildir");
    test::write_secret(dir / "smtp-password", "secret\n");
    test::write_file(
        dir / "term.toml",
        fmt::format("rules = \"rules\"\nstate_dir = \"state\"\npoll_interval = \"1s\"\n"
                    "[mailbox]\nurl = \"maildir:maildir\"\n"
                    "[outbox]\nurl = \"smtp://127.0.0.1:{}\"\nfrom = \"staff@example.edu\"\n"
                    "user = \"staff\"\npassword_file = \"smtp-password\"\nca_file = \"{}\"\n"
                    "timeout = \"5s\"\nretry_after = \"{}s\"\nretry_max = \"{}s\"\n"
                    "[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n",
                    k_port, k_dovecot.ca_file().string(), k_backoff.first.count(),
                    k_backoff.cap.count()));
    test::write_file(
        dir / "maildir" / "new" / fmt::format("{}.M1.test", std::time(nullptr)),
        fmt::format("Authentication-Results: mx.example.edu; dkim=pass header.d=example.edu\r\n"
                    "From: Stu Dent <student@example.edu>\r\nTo: staff@example.edu\r\n"
                    "Subject: Proposal for group 1\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
                    "Message-ID: {}\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                    "Our proposal draft: https://docs.google.com/document/d/abc123/edit\r\n",
                    id));
  }
  [[nodiscard]] std::string config() const { return (dir / "term.toml").string(); }
  [[nodiscard]] test::Ran ledger(const std::string& status) const {
    return test::mailroom("ledger --json --status " + status + " --config " +
                          test::quoted(config()));
  }
};

// `mailroom run --config` in the background, its log in `log`.
class Daemon {
public:
  Daemon(const std::string& config, const fs::path& log)
      : m_pid(test::start_mailroom({"run"}, config, log)) {}
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  ~Daemon() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
  }
  // User plus system CPU time so far, from /proc/PID/stat (utime and stime, the 14th and
  // 15th fields; the 2nd, the command name, may hold spaces, so count after its ')').
  [[nodiscard]] milliseconds cpu() const {
    const auto stat = test::read_text(fs::path("/proc") / std::to_string(m_pid) / "stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i < 14; ++i)
      fields >> field;
    long utime = 0;
    long stime = 0;
    fields >> utime >> stime;
    return milliseconds{(utime + stime) * 1000 / ::sysconf(_SC_CLK_TCK)};
  }
  // SIGTERM, then waits (bounded) for the exit; its exit code and its whole CPU time.
  struct Ended {
    int exit_code = -1;
    milliseconds cpu{0};
  };
  Ended stop() {
    Ended ended;
    if (::kill(m_pid, SIGTERM) != 0)
      return ended;
    const auto deadline = Clock::now() + seconds{10};
    int status = 0;
    rusage usage{};
    while (::wait4(m_pid, &status, WNOHANG, &usage) == 0) {
      if (Clock::now() > deadline)
        return ended; // the destructor kills it
      std::this_thread::sleep_for(milliseconds{20});
    }
    m_pid = -1;
    ended.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const auto ms = [](const timeval& t) {
      return milliseconds{t.tv_sec * 1000 + t.tv_usec / 1000};
    };
    ended.cpu = ms(usage.ru_utime) + ms(usage.ru_stime);
    return ended;
  }

private:
  pid_t m_pid = -1;
};

// The test SMTP server on k_port, down until start().
struct Sink {
  test::TempDir dir;
  ~Sink() { stop(); }
  void start() const {
    const auto ran = test::run_shell(
        fmt::format("SMTP_PORT={} '{}/tests/support/smtp.sh' start {} {}", k_port,
                    MAILROOM_SOURCE_DIR, test::quoted(dir.path()), test::quoted(k_dovecot.dir)));
    ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  }
  void stop() const {
    (void)test::run_shell(fmt::format("SMTP_PORT={} '{}/tests/support/smtp.sh' stop {}", k_port,
                                      MAILROOM_SOURCE_DIR, test::quoted(dir.path())));
  }
  // How many messages answering `id` each envelope recipient got.
  [[nodiscard]] std::map<std::string, int> receipts(const std::string& id) const {
    std::map<std::string, int> counts;
    std::error_code ignored;
    if (!fs::is_directory(dir / "spool", ignored))
      return counts;
    for (const auto& entry : fs::directory_iterator(dir / "spool")) {
      const auto name = entry.path().filename().string();
      if (entry.path().extension() != ".eml" || name.starts_with("."))
        continue;
      if (test::read_text(entry.path()).find("In-Reply-To: " + id) == std::string::npos)
        continue;
      auto json = entry.path();
      json.replace_extension(".json");
      std::smatch rcpts;
      const auto envelope = test::read_text(json);
      if (!std::regex_search(envelope, rcpts, std::regex("\"rcpt_tos\": \\[([^\\]]*)\\]")))
        continue;
      const std::string list = rcpts[1].str();
      const std::regex quoted_address("\"([^\"]+)\"");
      for (std::sregex_iterator it(list.begin(), list.end(), quoted_address), end; it != end; ++it)
        ++counts[(*it)[1].str()];
    }
    return counts;
  }
};

// The file's text; "" while it does not exist yet.
std::string log_text(const fs::path& path) {
  std::error_code ignored;
  return fs::exists(path, ignored) ? test::read_text(path) : "";
}

// Waits (bounded) until `done` holds, checking every 100 ms.
template <class Done> bool wait_until(Done done, seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(milliseconds{100});
  }
  return true;
}

// The most tries one row can make in `span` on k_backoff's schedule: the first, then one
// after each wait, every wait at its shortest. The ledger keeps whole seconds, so a wait
// may end up to a second early in real time; the poll interval (1 s) is the least.
int most_tries_in(milliseconds span) {
  int tries = 1;
  milliseconds elapsed{0};
  for (int failures = 1;; ++failures) {
    const auto least = std::chrono::round<seconds>(core::wait_range(k_backoff, failures).least);
    elapsed += std::max(least - seconds{1}, seconds{1});
    if (elapsed > span)
      return tries;
    ++tries;
  }
}

struct Retry {
  int at = 0;   // seconds of the day, from the log line's time
  int wait = 0; // the wait it announced
};

// The failed tries the daemon logged, per recipient, in order.
std::map<std::string, std::vector<Retry>> retries_in(const std::string& log) {
  const std::regex line("\\d{4}-\\d\\d-\\d\\d (\\d\\d):(\\d\\d):(\\d\\d) .* to (\\S+) not sent, "
                        "retrying in (\\d+) s");
  std::map<std::string, std::vector<Retry>> out;
  for (std::sregex_iterator it(log.begin(), log.end(), line), end; it != end; ++it) {
    const auto& m = *it;
    out[m[4].str()].push_back(
        {std::stoi(m[1].str()) * 3600 + std::stoi(m[2].str()) * 60 + std::stoi(m[3].str()),
         std::stoi(m[5].str())});
  }
  return out;
}

} // namespace

TEST(OutboxOutage, ServerDownWithARestartBacksOffCheaplyAndSendsOneReceiptPerRecipient) {
  Sink sink;
  sink.stop(); // nothing listens on the port: the server is down from the start
  OutageTerm term;
  const auto log1 = term.dir / "daemon-1.log";
  const auto log2 = term.dir / "daemon-2.log";
  const auto outage_began = Clock::now();

  auto first = std::make_unique<Daemon>(term.config(), log1);
  ASSERT_TRUE(wait_until([&] { return log_text(log1).find("retrying in") != std::string::npos; },
                         seconds{10}))
      << log_text(log1);
  // The outage itself: nothing to poll for, the daemon is meant to sit idle.
  std::this_thread::sleep_until(outage_began + k_restart_at);
  const auto first_ended = first->stop();
  EXPECT_EQ(first_ended.exit_code, 0) << test::read_text(log1);
  // The receipts survived the stop in the ledger's outbox.
  const auto queued = term.ledger("reply-queued");
  EXPECT_EQ(test::line_count(queued.out), 2) << queued.out << queued.err;

  Daemon second(term.config(), log2);
  std::this_thread::sleep_until(outage_began + k_outage);
  const auto outage_cpu = first_ended.cpu + second.cpu();
  const auto outage = std::chrono::duration_cast<milliseconds>(Clock::now() - outage_began);
  sink.start();

  const std::map<std::string, int> one_each{{"alan@example.edu", 1}, {"student@example.edu", 1}};
  EXPECT_TRUE(wait_until([&] { return sink.receipts(term.id) == one_each; }, seconds{15}))
      << test::read_text(log2);
  const auto recovered = std::chrono::duration_cast<milliseconds>(Clock::now() - outage_began);
  // Both rows are marked sent (the ledger command reads the daemon's committed rows).
  test::Ran sent;
  EXPECT_TRUE(wait_until(
      [&] {
        sent = term.ledger("reply-sent");
        return test::line_count(sent.out) == 2;
      },
      seconds{5}))
      << sent.out << sent.err;
  const auto second_ended = second.stop();
  EXPECT_EQ(second_ended.exit_code, 0);
  // Exactly one receipt each: a sent row is final.
  EXPECT_EQ(sink.receipts(term.id), one_each);
  EXPECT_EQ(test::line_count(term.ledger("reply-queued").out), 0);

  // No busy loop: the daemons tried the server a few times over the whole outage,
  // restart included, each try after a backoff (a busy loop would try thousands of
  // times). Counted from what they did, not timed: CI is a loaded machine.
  const auto server_tries = test::count_of(test::read_text(log1), "not sent, retrying in") +
                            test::count_of(test::read_text(log2), "not sent, retrying in");
  EXPECT_GE(server_tries, 1) << test::read_text(log1);
  EXPECT_LE(server_tries, 40) << test::read_text(log1) << test::read_text(log2);
  std::cerr << fmt::format("E7: outage {} ms, daemon CPU during it {} ms (first {} ms); "
                           "receipts {} ms after the outage began; second daemon's whole CPU "
                           "{} ms\n",
                           outage.count(), outage_cpu.count(), first_ended.cpu.count(),
                           recovered.count(), second_ended.cpu.count());

  // Bounded retries: each row was tried more than once, but no more often than its
  // backoff allows, while the daemon polled once a second (some 25 times).
  const auto most = most_tries_in(outage + seconds{1});
  const std::regex attempts_field("\"recipient\":\"([^\"]+)\".*\"attempts\":(\\d+)");
  int rows = 0;
  for (std::sregex_iterator it(sent.out.begin(), sent.out.end(), attempts_field), end; it != end;
       ++it, ++rows) {
    const int attempts = std::stoi((*it)[2].str());
    EXPECT_GT(attempts, 1) << sent.out;
    // The tries during the outage and the one that went through.
    EXPECT_LE(attempts, most + 1) << sent.out;
  }
  EXPECT_EQ(rows, 2) << sent.out;
  // Each wait the log announced was at most the cap, and was kept, across the restart
  // too: the row's next logged try came no sooner (a second's slack: the log and the
  // ledger keep whole seconds).
  const auto logs = test::read_text(log1) + test::read_text(log2);
  const auto retries = retries_in(logs);
  int logged = 0;
  std::string summary;
  for (const auto& [recipient, tries] : retries) {
    SCOPED_TRACE(recipient);
    EXPECT_LE(static_cast<int>(tries.size()), most) << logs;
    logged += static_cast<int>(tries.size());
    summary += fmt::format(" {}:", recipient);
    for (std::size_t i = 0; i < tries.size(); ++i) {
      summary += fmt::format(" {}", tries[i].wait);
      EXPECT_GE(tries[i].wait, 1);
      EXPECT_LE(tries[i].wait, k_backoff.cap.count()) << logs; // the cap holds
      if (i > 0) {
        const int gap = (tries[i].at - tries[i - 1].at + 86400) % 86400;
        EXPECT_GE(gap, tries[i - 1].wait - 1) << logs;
      }
    }
  }
  EXPECT_GE(logged, 2) << logs;
  std::cerr << fmt::format("E7: tries logged per row (at most {} each), with their waits in s:{}\n",
                           most, summary);
}
