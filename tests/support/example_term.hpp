#pragma once

#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

// The bundled example (examples/cse585-f25 and examples/maildir) copied where a test of the
// whole program can change it: the same scripts a new user runs.
namespace mailroom::test {

// The example's rules folder (the F'25 course file, a made-up roster and assignments),
// written to `folder` by scripts/example-rules.sh.
inline void copy_example_rules(const std::filesystem::path& folder) {
  EXPECT_EQ(
      run_shell((source_dir() / "scripts" / "example-rules.sh").string() + " " + quoted(folder))
          .exit_code,
      0);
}

// The example's Maildir of 16 mails, each file's time its arrival, written to `folder` by
// scripts/example-maildir.sh.
inline void copy_example_maildir(const std::filesystem::path& folder) {
  EXPECT_EQ(
      run_shell((source_dir() / "scripts" / "example-maildir.sh").string() + " " + quoted(folder))
          .exit_code,
      0);
}

// The example's rules in rules/ and its Maildir in maildir/ of a folder of the test's own.
struct ExampleFolders {
  TempDir dir;
  std::filesystem::path rules = dir / "rules";
  std::filesystem::path maildir = dir / "maildir";

  ExampleFolders() {
    copy_example_rules(rules);
    copy_example_maildir(maildir);
  }
};

// The example as a course term: its folders and a term.toml of `settings`, whose paths
// ("rules", "maildir:maildir", "state") are read from that folder.
struct ExampleTerm : ExampleFolders {
  explicit ExampleTerm(const std::string& settings) { write_file(dir / "term.toml", settings); }

  // The term.toml path, quoted for a command line.
  [[nodiscard]] std::string config() const { return quoted(dir / "term.toml"); }

  // `mailroom ARGS --config term.toml`.
  [[nodiscard]] Ran run(const std::string& args) const {
    return mailroom(args + " --config " + config());
  }
};

} // namespace mailroom::test
