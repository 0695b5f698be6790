// `mailroom report`: the term at a glance, loaded in a real browser. The ledger is built by
// running mails through mailroom (the bundled example Maildir plus hostile mail, replayed
// into a state folder; one IMAP mail with no SMTP trace through the daemon's ingest;
// extend, excuse and reclassify by the staff commands), then the page is written and
// opened in headless Chromium from a file and from a local web server.
#include "archive/archive.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "pipeline/engine.hpp"
#include "setup/rules_files.hpp"
#include "support/example_term.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_clock.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace mailroom;

namespace {

const char* const k_as_of = "2025-10-10T12:00:00Z";

// What a hostile sender puts where the page shows mail: markup that would run if the
// page did not escape it.
const std::string k_script = "<script>document.title='pwned'</script>";
const std::string k_img = "\"><img src=x onerror=\"document.title='pwned'\">";

// RFC 2231: a file name with quotes and angle brackets, percent-encoded as a client would.
std::string rfc2231(const std::string& text) {
  std::string out = "UTF-8''";
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// Group 5's slides for Sep 25, on time, with the hostile text in the subject, the
// sender's name and both attachments' names.
std::string hostile_slides() {
  return "From: \"" + std::string("Priya ") +
         "<script>x</script>\" <pndiaye@students.example.edu>\r\n"
         "To: cse585-staff@umich.edu\r\n"
         "Subject: Slides for Sep 25 " +
         k_script + k_img +
         "\r\n"
         "Message-ID: <hostile@students.example.edu>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
         "--b\r\nContent-Type: text/plain\r\n\r\nOur slides.\r\n"
         "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename*=" +
         rfc2231(k_img + ".pdf") +
         "\r\n\r\n"
         "JVBERi0xLjQK\r\n"
         "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename*=" +
         rfc2231(k_script + ".pdf") +
         "\r\n\r\n"
         "JVBERi0xLjQK\r\n"
         "--b--\r\n";
}

// Group 4's slides for Sep 23 as an IMAP mail with no Received field (placed with APPEND):
// held for review.
std::string unsourced_slides() {
  return "From: Jonah Petrov <jpetrov@students.example.edu>\r\n"
         "To: cse585-staff@umich.edu\r\n"
         "Subject: Slides for Sep 23 (Group 4)\r\n"
         "Message-ID: <appended@students.example.edu>\r\n\r\n"
         "Our slides: https://docs.google.com/presentation/d/group4/edit\r\n";
}

// The bundled example and the extra mails in one state folder, with staff changes.
struct Term : test::ExampleFolders {
  std::filesystem::path state = dir / "state";
  std::filesystem::path site = dir / "site";
  std::filesystem::path page = site / "term.html";

  Term() {
    const auto hostile = maildir / "new" / "1758600000.90.hostile";
    test::write_file(hostile, hostile_slides()); // Tue Sep 23, 04:00 UTC: on time
    test::set_mtime(hostile, 1758600000);
    const auto replayed = test::mailroom("replay --maildir " + test::quoted(maildir) + " " +
                                         args() + " --state " + test::quoted(state));
    EXPECT_EQ(replayed.exit_code, 0) << replayed.err;
    ingest_unsourced();
    staff("extend 1 summary@2025-09-25 --until \"2025-10-20 12:00\" --reason \"ill; approved\"");
    staff("excuse 5 proposal --reason \"joined late\"");
    reclassified = mail_with("<example-09@students.example.edu>");
    staff("reclassify " + std::to_string(reclassified) +
          " --as slides@2025-10-07 --group 1 --reason \"sent for group 1\"");
  }

  pipeline::Id reclassified = 0; // the example's needs-review mail, settled by staff

  [[nodiscard]] pipeline::Id mail_with(const std::string& message_id) const {
    auto ledger = ledger::SqliteLedger::open(state, ledger::OpenMode::must_exist);
    EXPECT_TRUE(ledger);
    for (const auto& mail : ledger->mails().value_or(std::vector<pipeline::MailRow>{}))
      if (mail.message_id == message_id)
        return mail.id;
    ADD_FAILURE() << "no mail " << message_id;
    return 0;
  }

  [[nodiscard]] std::string args() const { return "--rules " + test::quoted(rules); }
  [[nodiscard]] std::string staff_args() const {
    return "--state " + test::quoted(state) + " " + args();
  }

  void staff(const std::string& command) const {
    const auto ran = test::mailroom(command + " " + staff_args());
    EXPECT_EQ(ran.exit_code, 0) << command << ": " << ran.err;
  }

  void ingest_unsourced() const {
    auto course = setup::load_rules(rules);
    ASSERT_TRUE(course);
    auto ledger = ledger::SqliteLedger::open(state, ledger::OpenMode::create);
    ASSERT_TRUE(ledger) << ledger.error().to_string();
    archive::Archive archive(state / "archive");
    ASSERT_TRUE(archive.open());
    const auto when = *core::parse_iso("2025-09-21T12:00:00Z");
    const test::TestClock clock(when);
    pipeline::Engine ingest(*ledger, archive, clock);
    ingest.check_arrival(std::chrono::minutes{15});
    const auto taken = ingest.take(
        {"imap://127.0.0.1/INBOX;UIDVALIDITY=1;UID=1", "UID 1", when, unsourced_slides()}, *course);
    ASSERT_TRUE(taken) << taken.error().to_string();
    EXPECT_EQ(taken->decision.classification.kind, "needs-review");
  }

  [[nodiscard]] test::Ran write_page() const {
    std::filesystem::create_directories(site);
    return test::mailroom("report --html " + test::quoted(page) + " --now " + k_as_of + " " +
                          staff_args());
  }
};

// Headless Chromium on `url`: `--dump-dom` prints the DOM after the page loaded (and ran
// whatever it would run). As root it needs --no-sandbox.
test::Ran chromium(const std::string& flags, const std::string& url,
                   const std::filesystem::path& profile) {
  return test::run_shell("timeout 120 chromium --headless --no-sandbox --disable-gpu "
                         "--no-first-run --hide-scrollbars --user-data-dir=" +
                         test::quoted(profile) + " " + flags + " '" + url + "'");
}

std::string lower(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// What a person reading the page must find: every status in the grid, every group's
// column, the review queue, and the hostile text shown as text, never as markup.
void expect_page_reads_right(const std::string& dom, pipeline::Id reclassified) {
  ASSERT_NE(dom.find("</html>"), std::string::npos) << dom;
  for (const char* status :
       {"on-time", "late", "missing", "pending", "extended", "excused", "needs-review"})
    EXPECT_NE(dom.find(std::string("data-status=\"") + status + "\""), std::string::npos)
        << "no cell with status " << status;
  for (const char* words : {"on time", "late by 2 h 0 min", "missing", "pending",
                            "extended to Mon Oct 20, 12:00 PM EDT", "excused", "needs review"})
    EXPECT_NE(dom.find(words), std::string::npos) << "no cell says " << words;
  for (const char* group : {"1", "2", "3", "4", "5"})
    EXPECT_NE(dom.find(std::string("<th scope=\"col\">Group ") + group + "</th>"),
              std::string::npos)
        << "no column for group " << group;
  EXPECT_NE(dom.find("Needs a person (3)"), std::string::npos);
  EXPECT_NE(dom.find("unknown sender"), std::string::npos);
  EXPECT_NE(dom.find("held for review"), std::string::npos);
  EXPECT_NE(
      dom.find("reclassify mail " + std::to_string(reclassified) + " as slides@2025-10-07 group 1"),
      std::string::npos);
  EXPECT_NE(dom.find("from the ledger <code>"), std::string::npos);

  // The page runs nothing: no element came from mail, and no handler changed the title.
  const auto elements = lower(dom);
  EXPECT_EQ(elements.find("<script"), std::string::npos) << dom;
  EXPECT_EQ(elements.find("<img"), std::string::npos) << dom;
  EXPECT_EQ(dom.find("pwned</title>"), std::string::npos);
  EXPECT_NE(dom.find("<title>CSE 585"), std::string::npos);
  // ... and the hostile text is on the page, as text: subject, sender and file names.
  EXPECT_NE(dom.find("Slides for Sep 25 &lt;script&gt;document.title='pwned'&lt;/script&gt;"
                     "\"&gt;&lt;img src=x onerror=\"document.title='pwned'\"&gt;"),
            std::string::npos);
  EXPECT_NE(dom.find("Priya &lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(dom.find("<span class=\"file-name\">\"&gt;&lt;img src=x onerror=\"document.title="
                     "'pwned'\"&gt;.pdf</span>"),
            std::string::npos);
  EXPECT_NE(dom.find("<span class=\"file-name\">&lt;script&gt;document.title='pwned'&lt;/"
                     "script&gt;.pdf</span>"),
            std::string::npos);
}

bool is_png(const std::filesystem::path& path) {
  const auto bytes = test::read_text(path);
  return bytes.size() > 1000 && bytes.starts_with("\x89PNG\r\n\x1a\n");
}

// A port nobody listens on now (the kernel's pick for port 0).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// `python3 -m http.server` serving `folder` on 127.0.0.1, stopped when this goes.
class WebServer {
public:
  WebServer(const std::filesystem::path& folder, const std::filesystem::path& log)
      : m_port(free_port()) {
    const auto port = std::to_string(m_port);
    m_pid = ::fork();
    if (m_pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execlp("python3", "python3", "-m", "http.server", port.c_str(), "--bind", "127.0.0.1",
               "--directory", folder.c_str(), nullptr);
      ::_exit(127);
    }
  }
  ~WebServer() {
    ::kill(m_pid, SIGTERM);
    ::waitpid(m_pid, nullptr, 0);
  }
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Waits up to 20 s for the server to take connections.
  [[nodiscard]] bool ready() const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    while (std::chrono::steady_clock::now() < until) {
      if (accepts(m_port))
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    return false;
  }
  [[nodiscard]] int port() const { return m_port; }

private:
  int m_port;
  pid_t m_pid = -1;
};

} // namespace

TEST(ReportPage, OpensInChromiumFromAFileWithEveryStatusEveryGroupAndNothingThatRuns) {
  Term term;
  const auto written = term.write_page();
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_NE(written.out.find("statuses as of Fri Oct 10, 8:00 AM EDT"), std::string::npos)
      << written.out;

  const auto url = "file://" + term.page.string();
  const auto dumped = chromium("--dump-dom", url, term.dir / "profile");
  ASSERT_EQ(dumped.exit_code, 0) << "is Debian's chromium installed (scripts/install-deps.sh "
                                    "--test)? "
                                 << dumped.err;
  expect_page_reads_right(dumped.out, term.reclassified);

  // A person's view, wide and on a phone.
  const auto wide = term.dir / "wide.png";
  const auto phone = term.dir / "phone.png";
  for (const auto& [shot, size] : {std::pair{wide, "1280,1600"}, std::pair{phone, "390,1400"}}) {
    const auto taken =
        chromium("--window-size=" + std::string(size) + " --screenshot=" + test::quoted(shot), url,
                 term.dir / "profile");
    EXPECT_EQ(taken.exit_code, 0) << taken.err;
    EXPECT_TRUE(is_png(shot)) << shot;
  }
}

TEST(ReportPage, OpensInChromiumFromALocalWebServerAlike) {
  Term term;
  ASSERT_EQ(term.write_page().exit_code, 0);
  WebServer server(term.site, term.dir / "http.log");
  ASSERT_TRUE(server.ready()) << test::read_text(term.dir / "http.log");
  const auto dumped =
      chromium("--dump-dom", "http://127.0.0.1:" + std::to_string(server.port()) + "/term.html",
               term.dir / "profile");
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  expect_page_reads_right(dumped.out, term.reclassified);
  // The server was asked for the page and nothing else (but the browser's own favicon):
  // the page loads nothing.
  std::istringstream log(test::read_text(term.dir / "http.log"));
  std::vector<std::string> asked;
  for (std::string line; std::getline(log, line);)
    if (const auto get = line.find("\"GET "); get != std::string::npos)
      if (const auto path = line.substr(get + 5, line.find(' ', get + 5) - get - 5);
          path != "/favicon.ico")
        asked.push_back(path);
  EXPECT_EQ(asked, std::vector<std::string>{"/term.html"});
}
