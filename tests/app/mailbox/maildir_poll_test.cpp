// The daemon's Maildir poll reads only what is new: each mail is handed on once per
// process, a mail a client renames (new/ -> cur/, flags) is not new, a stop or an
// unreadable file comes again, and an unchanged folder is not even listed.
#include "mailbox/maildir_mailbox.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

struct Maildir {
  test::TempDir dir;
  fs::path root = dir / "maildir";
  mailbox::MaildirMailbox mailbox{root};
  Maildir() {
    for (const char* sub : {"new", "cur", "tmp"})
      fs::create_directories(root / sub);
  }
  void deliver(const std::string& name) {
    test::write_file(root / "new" / name, "Subject: " + name + "\r\n\r\nhi\r\n");
  }
  // The file names one poll hands on; the visitor stops at `stop_at` (not accepted).
  std::vector<std::string> poll(const std::string& stop_at = "") {
    std::vector<std::string> seen;
    const auto done = mailbox.poll(
        {},
        [&](pipeline::RawMail mail) {
          if (mail.file == stop_at)
            return mailbox::Visit::stop;
          seen.push_back(mail.file);
          return mailbox::Visit::next;
        },
        [](const core::Problem& problem) { ADD_FAILURE() << problem.to_string(); });
    EXPECT_FALSE(done.failure) << done.failure->problem.to_string();
    return seen;
  }
  // Sets the modification time of new/ to an hour ago: out of the racy window.
  void age_new_folder() {
    timespec times[2] = {{0, UTIME_OMIT}, {::time(nullptr) - 3600, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (root / "new").c_str(), times, 0), 0);
  }
};

using Names = std::vector<std::string>;

} // namespace

TEST(MaildirPoll, EachMailIsHandedOnOnceAndARenamedOneIsNotNew) {
  Maildir maildir;
  maildir.deliver("1.a");
  maildir.deliver("2.b");
  EXPECT_EQ(maildir.poll().size(), 2u);
  EXPECT_EQ(maildir.poll(), Names{});
  maildir.deliver("3.c");
  EXPECT_EQ(maildir.poll(), Names{"3.c"});
  // A mail client read it: new/1.a became cur/1.a:2,S.
  fs::rename(maildir.root / "new" / "1.a", maildir.root / "cur" / "1.a:2,S");
  EXPECT_EQ(maildir.poll(), Names{});
}

TEST(MaildirPoll, AMailTheVisitorStoppedAtComesAgain) {
  Maildir maildir;
  maildir.deliver("1.a");
  (void)maildir.poll("1.a");
  EXPECT_EQ(maildir.poll(), Names{"1.a"});
}

TEST(MaildirPoll, AMailAddedJustAfterAPollIsFoundByTheNext) {
  // The folder changed within the racy window of its listing: it is listed again even if
  // its time did not move.
  Maildir maildir;
  maildir.deliver("1.a");
  EXPECT_EQ(maildir.poll(), Names{"1.a"});
  maildir.deliver("2.b");
  EXPECT_EQ(maildir.poll(), Names{"2.b"});
}

TEST(MaildirPoll, AnUnchangedFolderIsNotListedAgain) {
  Maildir maildir;
  maildir.deliver("1.a");
  maildir.age_new_folder();
  EXPECT_EQ(maildir.poll(), Names{"1.a"});
  // A file slipped in with the folder's time put back: proof that the poll did not list.
  maildir.deliver("2.b");
  maildir.age_new_folder();
  EXPECT_EQ(maildir.poll(), Names{});
  // Any real change (here a delivery at the current time) moves the folder's time.
  maildir.deliver("3.c");
  EXPECT_EQ(maildir.poll(), (Names{"2.b", "3.c"}));
}
