// The executable answers `--version` and `--help` by itself and loads the commands module
// (mailroom-commands.so) for everything else: the two it answers must say what the module
// would, and without the module every other command names the file it looked for.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

using namespace mailroom;

TEST(CommandsModule, HelpAndVersionAreTheModulesOwn) {
  const auto help = test::mailroom("--help");
  EXPECT_EQ(help.exit_code, 0);
  // `-h` is not answered by the executable: it is the module's help, printed now.
  const auto module_help = test::mailroom("-h");
  EXPECT_EQ(module_help.exit_code, 0);
  EXPECT_EQ(help.out, module_help.out);
  EXPECT_NE(help.out.find("Usage: mailroom [OPTIONS] SUBCOMMAND"), std::string::npos) << help.out;
  for (const char* command : {"deadlines", "replay", "inspect", "ledger", "run", "reconcile"})
    EXPECT_NE(help.out.find(std::string("\n  ") + command + " "), std::string::npos) << command;
  const auto version = test::mailroom("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, "mailroom " MAILROOM_VERSION "\n");
}

TEST(CommandsModule, WithoutItTheBinaryNamesTheFileAndStillAnswersHelpAndVersion) {
#ifndef MAILROOM_COMMANDS_MODULE
  GTEST_SKIP() << "a sanitizer build links the commands into the binary (src/CMakeLists.txt)";
#endif
  test::TempDir dir;
  std::filesystem::create_directories(dir / "bin");
  std::filesystem::copy_file(MAILROOM_BINARY, dir / "bin" / "mailroom");
  const auto binary = test::quoted(dir / "bin" / "mailroom");
  const auto deadlines = test::run_shell(binary + " deadlines --rules rules");
  EXPECT_EQ(deadlines.exit_code, 1);
  const auto module = (dir / "lib" / "mailroom" / "mailroom-commands.so").string();
  EXPECT_NE(deadlines.err.find("mailroom: " + module +
                               ": cannot load the commands module: " + module +
                               ": cannot open shared object file: No such file or "
                               "directory; reinstall the mailroom package (the module "
                               "comes with the binary)"),
            std::string::npos)
      << deadlines.err;
  EXPECT_EQ(test::run_shell(binary + " --version").out, "mailroom " MAILROOM_VERSION "\n");
  const auto help = test::run_shell(binary + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("deadlines"), std::string::npos);
}

TEST(CommandsModule, TheDaemonCanGiveBackTheBlockTheExecutableKeeps) {
#ifndef MAILROOM_COMMANDS_MODULE
  GTEST_SKIP() << "a sanitizer build links the commands into the binary (src/CMakeLists.txt)";
#endif
  // The executable's operator new keeps up to two deck-sized blocks for the next decks; the
  // daemon, in the commands module, gives them back after each poll through this symbol.
  // Were it not exported, the module would find none, and an idle daemon would keep them.
  const auto symbols = test::run_shell("nm -D --defined-only " + test::quoted(MAILROOM_BINARY));
  ASSERT_EQ(symbols.exit_code, 0) << symbols.err;
  EXPECT_NE(symbols.out.find(" mailroom_release_kept_block\n"), std::string::npos) << symbols.out;
}

#ifdef MAILROOM_COMMANDS_MODULE
namespace {

// The names `nm -D` lists for `file`: those it defines, or those it needs from others.
std::set<std::string> dynamic_symbols(const std::string& file, bool defined) {
  const auto listed =
      test::run_shell(std::string("nm -D --format=just-symbols ") +
                      (defined ? "--defined-only " : "--undefined-only ") + test::quoted(file));
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  std::set<std::string> names;
  std::istringstream lines(listed.out);
  for (std::string name; std::getline(lines, name);)
    names.insert(name);
  return names;
}

} // namespace
#endif

TEST(CommandsModule, EachModuleExportsItsEntryAloneAndTheNetworkModuleNeedsNothingOfMailroom) {
#ifndef MAILROOM_COMMANDS_MODULE
  GTEST_SKIP() << "a sanitizer build links the commands into the binary (src/CMakeLists.txt)";
#else
  // The version scripts (src/commands_module.map, src/network/module.map): each symbol a
  // module exported beyond its entry would cost every command a lookup at start. The
  // executable loads the commands module RTLD_LOCAL, so the network module must bind to
  // nothing of it: a mailroom symbol it left undefined would fail its load, at run time
  // (it is a module), in every command that talks to a server.
  EXPECT_EQ(dynamic_symbols(MAILROOM_COMMANDS_MODULE, true),
            (std::set<std::string>{"mailroom_commands_main", "mailroom_commands_version"}));
  const auto network = std::filesystem::path(MAILROOM_BINARY).parent_path() / "mailroom-network.so";
  EXPECT_EQ(dynamic_symbols(network.string(), true),
            std::set<std::string>{"mailroom_network_stack"});
  const auto needed = dynamic_symbols(network.string(), false);
  EXPECT_FALSE(needed.empty());
  for (const auto& name : needed)
    EXPECT_EQ(name.find("8mailroom"), std::string::npos) // functions, typeinfo, vtables
        << name << " is mailroom's: compile it into the module or hand it over (network/stack.hpp)";
#endif
}
