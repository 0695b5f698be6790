#include "message/parse.hpp"
#include "sandbox/readers.hpp"
#include "sandbox/sandboxed_reader.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/submission_files.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sys/time.h>

namespace mailroom {
namespace {

namespace fs = std::filesystem;
using content::FileFormat;

std::vector<std::string> numbered_pages(int count, const std::string& extra = "") {
  std::vector<std::string> pages;
  for (int i = 1; i <= count; ++i)
    pages.push_back("Page " + std::to_string(i) + (i == 1 ? extra : ""));
  return pages;
}

// A zip made by Python's zipfile from NAME=SIZE pairs (each file SIZE zero bytes, deflated).
std::string make_zip(const test::TempDir& dir, const std::string& entries) {
  const auto path = dir.path() / "made.zip";
  const auto ran =
      test::run_shell("python3 -c \"import sys, zipfile\n"
                      "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
                      "    for pair in sys.argv[2:]:\n"
                      "        name, size = pair.rsplit('=', 1)\n"
                      "        z.writestr(name, bytes(int(size)))\n\" " +
                      test::quoted(path) + " " + entries);
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  return test::read_text(path);
}

class SandboxedReading : public ::testing::Test {
protected:
  sandbox::SandboxedReader reader{MAILROOM_READ_FILE};
  test::TempDir dir;
};

TEST_F(SandboxedReading, PdfPagesAndTextComeBackFromTheChild) {
  const auto reading =
      reader.read(FileFormat::pdf, test::make_pdf(numbered_pages(10, " github.com/g1/serve")));
  ASSERT_EQ(reading.failure, "");
  ASSERT_TRUE(reading.pdf);
  EXPECT_EQ(reading.pdf->problem, "");
  EXPECT_EQ(reading.pdf->pages, 10);
  EXPECT_NE(reading.pdf->text.find("github.com/g1/serve"), std::string::npos);
}

TEST_F(SandboxedReading, EncryptedPdfIsSaidToBeEncrypted) {
  test::write_file(dir.path() / "plain.pdf", test::make_pdf(numbered_pages(2)));
  const auto ran = test::run_shell("qpdf --encrypt secret owner 256 -- " +
                                   test::quoted(dir.path() / "plain.pdf") + " " +
                                   test::quoted(dir.path() / "locked.pdf"));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto reading = reader.read(FileFormat::pdf, test::read_text(dir.path() / "locked.pdf"));
  ASSERT_EQ(reading.failure, "");
  ASSERT_TRUE(reading.pdf);
  EXPECT_TRUE(reading.pdf->encrypted);
}

TEST_F(SandboxedReading, TruncatedLoopingAndFakePdfsAreDamaged) {
  const auto whole = test::make_pdf(numbered_pages(6));
  for (const auto& [what, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"truncated", whole.substr(0, whole.size() / 2)},
           {"looping page tree", test::make_looping_pdf()},
           {"not a PDF", "<html>Sorry, the file you requested was not found</html>"},
           {"empty", ""}}) {
    const auto reading = reader.read(FileFormat::pdf, bytes);
    ASSERT_EQ(reading.failure, "") << what;
    ASSERT_TRUE(reading.pdf) << what;
    EXPECT_NE(reading.pdf->problem, "") << what << ": read as " << reading.pdf->pages << " pages";
  }
}

TEST_F(SandboxedReading, ZipListingFindsReadmeOneFolderDownAndTheEscapingNames) {
  const auto reading = reader.read(
      FileFormat::zip, make_zip(dir, "project/README.md=10 project/src/a.py=20 ../../evil=1"));
  ASSERT_EQ(reading.failure, "");
  ASSERT_TRUE(reading.zip);
  EXPECT_EQ(reading.zip->problem, "");
  ASSERT_EQ(reading.zip->entries.size(), 3u);
  EXPECT_EQ(reading.zip->entries[0].name, "project/README.md");
  EXPECT_EQ(reading.zip->entries[2].name, "../../evil");
  EXPECT_FALSE(fs::exists(dir.path().parent_path() / "evil")); // listed, never extracted
}

TEST_F(SandboxedReading, ZipBombIsRefusedByItsRatio) {
  // 64 MB of zeros packs into about 64 KB: 1000 to 1.
  const auto reading = reader.read(FileFormat::zip, make_zip(dir, "README=10 zeros=67108864"));
  ASSERT_EQ(reading.failure, "");
  ASSERT_TRUE(reading.zip);
  EXPECT_NE(reading.zip->problem.find("a zip bomb?"), std::string::npos) << reading.zip->problem;
  EXPECT_TRUE(reading.zip->entries.empty());
}

TEST_F(SandboxedReading, ZipCapsOnEntriesAndTotalSize) {
  const auto bytes = make_zip(dir, "a=10 b=10 c=10");
  EXPECT_NE(sandbox::list_zip(bytes, {2, 1ull << 30, 100, 16ull << 20}).problem.find("3 entries"),
            std::string::npos);
  EXPECT_NE(sandbox::list_zip(bytes, {100, 20, 100, 16ull << 20}).problem.find("cap of 20"),
            std::string::npos);
  EXPECT_NE(reader.read(FileFormat::zip, "PK\x03\x04 not really").zip->problem, "");
}

TEST_F(SandboxedReading, ChildThatHangsOrCrashesIsAFailureNotAHang) {
  // Stand-ins for a reader stuck in a loop without using CPU, and one that crashes.
  test::write_file(dir.path() / "hang.sh", "#!/bin/sh\nexec sleep 600\n");
  test::write_file(dir.path() / "crash.sh", "#!/bin/sh\nkill -SEGV $$\n");
  for (const auto* script : {"hang.sh", "crash.sh"})
    fs::permissions(dir.path() / script, fs::perms::owner_all);
  sandbox::Limits limits;
  limits.wall = std::chrono::seconds{1};
  const sandbox::SandboxedReader hanging((dir.path() / "hang.sh").string(), limits);
  EXPECT_EQ(hanging.read(FileFormat::pdf, "%PDF").failure,
            "did not finish within 1 s and was stopped");
  const sandbox::SandboxedReader crashing((dir.path() / "crash.sh").string());
  EXPECT_EQ(crashing.read(FileFormat::pdf, "%PDF").failure.substr(0, 18), "crashed (signal 11");
  const sandbox::SandboxedReader missing((dir.path() / "no-such-binary").string());
  EXPECT_EQ(missing.read(FileFormat::zip, "PK").failure, "could not be started");
}

TEST_F(SandboxedReading, CpuLimitStopsAChildThatSpins) {
  test::write_file(dir.path() / "spin.sh", "#!/bin/sh\nwhile :; do :; done\n");
  fs::permissions(dir.path() / "spin.sh", fs::perms::owner_all);
  sandbox::Limits limits;
  limits.cpu = std::chrono::seconds{1};
  const sandbox::SandboxedReader spinning((dir.path() / "spin.sh").string(), limits);
  EXPECT_EQ(spinning.read(FileFormat::pdf, "%PDF").failure,
            "used up its 1 s of CPU time and was stopped");
}

TEST(SandboxEncoding, AReadingSurvivesThePipeAndAHalfAnswerIsAFailure) {
  content::FileReading reading;
  reading.zip.emplace();
  reading.zip->entries.push_back({"dir with space/README\nodd", 12, 7});
  const auto bytes = sandbox::encode(reading);
  const auto back = sandbox::decode(bytes);
  ASSERT_TRUE(back.zip);
  ASSERT_EQ(back.zip->entries.size(), 1u);
  EXPECT_EQ(back.zip->entries[0].name, "dir with space/README\nodd");
  EXPECT_EQ(back.zip->entries[0].size, 12u);
  EXPECT_EQ(sandbox::decode(bytes.substr(0, bytes.size() - 6)).failure,
            "gave an answer that cannot be read");
}

// The rules folder of a term: its shipped course file with the example roster.
fs::path rules_of(const test::TempDir& dir, const std::string& term) {
  const auto rules = dir.path() / ("rules-" + term);
  fs::create_directories(rules);
  fs::copy_file(test::source_dir() / "rules" / term / "course.toml", rules / "course.toml");
  fs::copy_file(test::source_dir() / "examples/cse585-f25/roster.csv", rules / "roster.csv");
  test::write_file(rules / "assignments.csv", "lecture,role,group\n");
  return rules;
}

const std::string k_bruno = "Bruno Okafor <bokafor@students.example.edu>";

// `text` with each run of spaces and line breaks made one space, so a sentence reads the
// same wherever the reply's wrapping broke its lines.
std::string words_of(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (!space)
      out += c;
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
  }
  return out;
}

TEST(ContentChecksCommands, TenPageF25ReportWithoutGitLinkListsBothWarningsInInspectAndReceipt) {
  test::TempDir dir;
  const auto rules = rules_of(dir, "cse585-f25");
  const auto mail = dir.path() / "report.eml";
  test::write_file(
      mail,
      test::make_mail(k_bruno, "Group 1 final report", "Please find our final report attached.",
                      {{"report.pdf", "application/pdf", test::make_pdf(numbered_pages(10))}}));
  const auto args = test::quoted(mail) + " --rules " + test::quoted(rules) +
                    " --received-at 2025-12-14T12:00:00Z";
  const auto inspected = test::mailroom("inspect " + args);
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  EXPECT_NE(inspected.out.find("  verdict:    on time"), std::string::npos) << inspected.out;
  EXPECT_NE(inspected.out.find("  warnings:\n    - warning: \"report.pdf\" has 10 pages; the "
                               "limit is 8: send a shorter version before the deadline\n    - "
                               "warning: no link to a git repository"),
            std::string::npos)
      << inspected.out;
  const auto previewed = test::mailroom("preview " + args);
  ASSERT_EQ(previewed.exit_code, 0) << previewed.err;
  // What the student reads: the receipt's text part, decoded, its lines wrapped at 72 columns.
  const auto receipt = message::parse(previewed.out, "preview");
  EXPECT_EQ(receipt.subject, "Receipt: final report, Group 1 (CSE 585, Fall 2025)");
  EXPECT_NE(
      words_of(receipt.text)
          .find("Please check (warnings only: the verdict above stands): "
                "- \"report.pdf\" has 10 pages; the limit is 8: send a shorter version before "
                "the deadline "
                "- no link to a git repository (GitHub, GitLab, or a URL ending in .git) was "
                "found in the mail or in \"report.pdf\": reply with the link to the project's "
                "repository before the deadline "
                "If this is not what you meant to send"),
      std::string::npos)
      << receipt.text;
  EXPECT_EQ(receipt.text.find("Nothing more to do"), std::string::npos) << receipt.text;
}

TEST(ContentChecksCommands, F24ReportWithZipLackingReadmeGetsItsWarningRecordedAndShown) {
  test::TempDir dir;
  const auto rules = rules_of(dir, "cse585-f24");
  const auto maildir = dir.path() / "maildir";
  fs::create_directories(maildir / "cur");
  fs::create_directories(maildir / "tmp");
  const auto file = maildir / "new" / "1734300000.M1.test";
  test::write_file(
      file, test::make_mail(
                k_bruno, "Group 1 final report and code", "Report and code.",
                {{"report.pdf", "application/pdf", test::make_pdf(numbered_pages(8))},
                 {"code.zip", "application/zip", make_zip(dir, "src/main.py=100 Makefile=20")}}));
  // A Maildir mail arrived when its file was written: Sun Dec 15, 2024, 5:00 PM EST, the
  // day before the F'24 final report was due.
  const timeval arrived[2] = {{1734300000, 0}, {1734300000, 0}};
  ASSERT_EQ(::utimes(file.c_str(), arrived), 0);
  const auto state = dir.path() / "state";
  const auto replayed =
      test::mailroom("replay --rules " + test::quoted(rules) + " --maildir " +
                     test::quoted(maildir) + " --state " + test::quoted(state) + " --json");
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_NE(replayed.out.find("\"verdict\":\"on-time\""), std::string::npos) << replayed.out;
  EXPECT_NE(replayed.out.find("\"warnings\":[{\"check\":\"zip_with_readme\",\"outcome\":"
                              "\"warning\",\"text\":\"\\\"code.zip\\\" has no README"),
            std::string::npos)
      << replayed.out;
  const auto where = " --state " + test::quoted(state) + " --rules " + test::quoted(rules);
  const auto shown = test::mailroom("show 1" + where);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("  Content:   warning: \"code.zip\" has no README at its top level "
                           "or one folder down: add a README to the code and send the zip again "
                           "before the deadline"),
            std::string::npos)
      << shown.out;
  const auto review = test::mailroom("review" + where);
  ASSERT_EQ(review.exit_code, 0) << review.err;
  EXPECT_NE(review.out.find("content warnings"), std::string::npos) << review.out;
  EXPECT_NE(review.out.find("\"code.zip\" has no README"), std::string::npos) << review.out;
  const auto page = dir.path() / "term.html";
  const auto reported = test::mailroom("report" + where + " --html " + test::quoted(page) +
                                       " --now 2024-12-20T00:00:00Z");
  ASSERT_EQ(reported.exit_code, 0) << reported.err;
  EXPECT_NE(test::read_text(page).find("<ul class=\"warnings\"><li>warning: &quot;code.zip&quot; "
                                       "has no README"),
            std::string::npos);
}

TEST(ContentChecksCommands, UnknownCheckKeyIsRefusedWithFileAndLine) {
  test::TempDir dir;
  const auto rules = rules_of(dir, "cse585-f25");
  auto text = test::read_text(rules / "course.toml");
  text.replace(text.find("git_link = true"), 15, "git_links = true");
  test::write_file(rules / "course.toml", text);
  const auto checked = test::mailroom("check --rules " + test::quoted(rules));
  EXPECT_EQ(checked.exit_code, 1);
  EXPECT_NE(checked.err.find("course.toml:"), std::string::npos) << checked.err;
  EXPECT_NE(checked.err.find("unknown key 'git_links' in [deliverable.final-report.checks]; "
                             "did you mean 'git_link'?"),
            std::string::npos)
      << checked.err;
}

} // namespace
} // namespace mailroom
