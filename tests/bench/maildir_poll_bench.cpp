// The cost of a Maildir poll with nothing new (the daemon's idle loop on the embedded
// default mailbox), on 100 and on 10,000 mails of 4 KB: the first poll reads every file,
// later ones only what is new. Also the old way, every file read again (for_each_new).
// The goal: a no-op poll on 10,000 mails within 2x of one on 100. Prints one line each.
#include "mailbox/maildir_mailbox.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path make_maildir(std::size_t mails) {
  const auto root =
      fs::temp_directory_path() /
      ("mailroom-maildir-bench-" + std::to_string(::getpid()) + "-" + std::to_string(mails));
  for (const char* sub : {"new", "cur", "tmp"})
    fs::create_directories(root / sub);
  const std::string body(4096, 'x');
  for (std::size_t i = 0; i < mails; ++i)
    std::ofstream(root / "cur" /
                  (std::to_string(1700000000 + i) + ".M" + std::to_string(i) + ".bench:2,S"))
        << "Subject: mail " << i << "\r\n\r\n"
        << body;
  return root;
}

double milliseconds_per(int rounds, const auto& step) {
  const auto start = Clock::now();
  for (int i = 0; i < rounds; ++i)
    step();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / rounds;
}

} // namespace

int main() {
  using namespace mailroom::mailbox;
  std::printf("%8s %16s %16s %18s\n", "mails", "first poll (ms)", "no-op poll (ms)",
              "read all (ms)");
  for (const std::size_t mails : {100u, 10000u}) {
    const auto root = make_maildir(mails);
    MaildirMailbox maildir(root);
    const auto visit = [](RawMail) { return Visit::next; };
    const auto ignore = [](const mailroom::core::Problem&) {};
    const double first = milliseconds_per(1, [&] { (void)maildir.poll({}, visit, ignore); });
    // Wait out the racy window once, as a daemon between two polls does.
    ::sleep(static_cast<unsigned>(MaildirMailbox::k_racy_window.count()));
    (void)maildir.poll({}, visit, ignore);
    const double idle = milliseconds_per(1000, [&] { (void)maildir.poll({}, visit, ignore); });
    MaildirMailbox fresh(root);
    const double all =
        milliseconds_per(3, [&] { (void)fresh.for_each_new([](RawMail) {}, ignore); });
    std::printf("%8zu %16.2f %16.4f %18.2f\n", mails, first, idle, all);
    fs::remove_all(root);
  }
  return 0;
}
