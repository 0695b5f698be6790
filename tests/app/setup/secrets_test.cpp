// Password files as ssh treats private keys: one that users other than its owner and the
// service's group may read is refused, by `run` and by `check`, with the chmod that
// narrows it.
#include "setup/secrets.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

using namespace mailroom;

namespace {

// `secret` with mode `mode` (the group is the one this test runs as: the service's own).
std::filesystem::path password_file(const test::TempDir& dir, mode_t mode) {
  const auto path = dir / "secret";
  test::write_file(path, "hunter2\n");
  EXPECT_EQ(::chmod(path.c_str(), mode), 0);
  return path;
}

std::string refusal_0644(const std::filesystem::path& path) {
  return fmt::format("{0}: permissions 0644 are too open: every user may read this password "
                     "file (only its owner and the group mailroom may); narrow it: chmod 640 {0}",
                     path.string());
}

// `run --once` and `check` on the term `config` both refuse the 0644 password file `path`.
void expect_run_and_check_refuse_0644(const std::string& config,
                                      const std::filesystem::path& path) {
  const auto run = test::mailroom("run --once --config " + config);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(refusal_0644(path)), std::string::npos) << run.err;
  const auto check = test::mailroom("check --config " + config);
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE((check.out + check.err).find(refusal_0644(path)), std::string::npos)
      << check.out << check.err;
}

// A term on an IMAP server (never reached: the password is read first) whose password is
// `secret`.
std::filesystem::path imap_term(const test::TempDir& dir) {
  test::write_demo_rules(dir / "rules", test::course_toml_due_in_2030());
  test::write_file(dir / "term.toml", "rules = \"rules\"\nstate_dir = \"state\"\n[mailbox]\n"
                                      "url = \"imaps://127.0.0.1:1/INBOX\"\nuser = \"staff\"\n"
                                      "password_file = \"secret\"\n");
  return dir / "term.toml";
}

} // namespace

TEST(PasswordFile, Mode0600IsRead) {
  test::TempDir dir;
  const auto read = setup::read_password(password_file(dir, 0600), "imap-password");
  ASSERT_TRUE(read) << read.error().to_string();
  EXPECT_EQ(*read, "hunter2");
}

TEST(PasswordFile, Mode0640IsReadWhenTheGroupIsTheServices) {
  test::TempDir dir;
  const auto read = setup::read_password(password_file(dir, 0640), "imap-password");
  ASSERT_TRUE(read) << read.error().to_string();
  EXPECT_EQ(*read, "hunter2");
}

TEST(PasswordFile, Mode0644IsRefusedWithTheChmodThatFixesIt) {
  test::TempDir dir;
  const auto path = password_file(dir, 0644);
  const auto read = setup::read_password(path, "imap-password");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().to_string(), refusal_0644(path));
  EXPECT_EQ(read.error().to_string().find("hunter2"), std::string::npos);
}

TEST(PasswordFile, Mode0604IsRefusedAndItsFixKeepsTheOwnersBits) {
  test::TempDir dir;
  const auto path = password_file(dir, 0604);
  const auto read = setup::read_password(path, "imap-password");
  ASSERT_FALSE(read);
  EXPECT_TRUE(read.error().fix.ends_with("chmod 600 " + path.string())) << read.error().fix;
}

TEST(PasswordFile, RunAndCheckRefuseA0644PasswordFile) {
  test::TempDir dir;
  const auto path = password_file(dir, 0644);
  const auto config = test::quoted(imap_term(dir));
  expect_run_and_check_refuse_0644(config, path);
}

TEST(PasswordFile, RunAndCheckRefuseA0644SmtpPasswordFile) {
  test::TempDir dir;
  const auto path = password_file(dir, 0644);
  test::write_demo_rules(dir / "rules", test::course_toml_due_in_2030());
  std::filesystem::create_directories(dir / "maildir" / "new");
  test::write_file(dir / "term.toml", "rules = \"rules\"\nstate_dir = \"state\"\n[mailbox]\n"
                                      "url = \"maildir:maildir\"\n[outbox]\n"
                                      "url = \"smtp://127.0.0.1:1\"\nfrom = \"staff@example.edu\"\n"
                                      "user = \"staff\"\npassword_file = \"secret\"\n");
  const auto config = test::quoted(dir / "term.toml");
  expect_run_and_check_refuse_0644(config, path);
}
