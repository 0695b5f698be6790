// The network module (mailroom-network.so) is found from the binary's own folder and
// loaded only by the commands that talk to a server; without it those commands say which
// file is missing and why, and the others do not notice.
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sys/stat.h>

using namespace mailroom;

namespace {

// A term on an IMAP server at a port where nothing listens.
std::string unreachable_imap_term(const test::TempDir& dir) {
  test::write_demo_rules(dir / "rules", test::course_toml_due_in_2030());
  test::write_file(dir / "secret", "hunter2\n");
  EXPECT_EQ(::chmod((dir / "secret").c_str(), 0600), 0);
  test::write_file(dir / "term.toml", "rules = \"rules\"\nstate_dir = \"state\"\n[mailbox]\n"
                                      "url = \"imaps://127.0.0.1:1/INBOX\"\nuser = \"staff\"\n"
                                      "password_file = \"secret\"\n");
  return test::quoted(dir / "term.toml");
}

} // namespace

TEST(NetworkModule, ACheckLoadsItAndGetsAsFarAsTheConnection) {
  test::TempDir dir;
  const auto check = test::mailroom("check --config " + unreachable_imap_term(dir));
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE((check.out + check.err).find("cannot connect to 127.0.0.1 port 1"), std::string::npos)
      << check.out << check.err;
}

TEST(NetworkModule, ABinaryWithoutItNamesTheFileItLookedForAndWhyItDidNotLoad) {
  // The binary and its commands module, installed as the .deb installs them, without the
  // network module: it is neither beside the binary nor in ../lib/mailroom/ from it.
  test::TempDir dir;
  std::filesystem::create_directories(dir / "bin");
  std::filesystem::create_directories(dir / "lib" / "mailroom");
  std::filesystem::copy_file(MAILROOM_BINARY, dir / "bin" / "mailroom");
#ifdef MAILROOM_COMMANDS_MODULE // a sanitizer build has the commands in the binary
  std::filesystem::copy_file(MAILROOM_COMMANDS_MODULE,
                             dir / "lib" / "mailroom" / "mailroom-commands.so");
#endif
  const auto binary = test::quoted(dir / "bin" / "mailroom");
  const auto check = test::run_shell(binary + " check --config " + unreachable_imap_term(dir));
  EXPECT_NE(check.exit_code, 0);
  const auto module = (dir / "lib" / "mailroom" / "mailroom-network.so").string();
  EXPECT_NE((check.out + check.err)
                .find(module + ": cannot load the network module: " + module +
                      ": cannot open shared object file: No such file or directory; reinstall "
                      "the mailroom package (the module comes with the binary)"),
            std::string::npos)
      << check.out << check.err;
  // A command that needs no server runs as before.
  const auto deadlines =
      test::run_shell(binary + " deadlines --rules " + test::quoted(dir / "rules"));
  EXPECT_EQ(deadlines.exit_code, 0) << deadlines.err;
}
