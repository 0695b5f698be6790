#include "content/checks.hpp"
#include "judge/content.hpp"
#include "message/parse.hpp"
#include "support/files.hpp"
#include "support/submission_files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string_view>

namespace mailroom::content {
namespace {

// Answers as a reader would, from what each test sets, and remembers what it was given.
class FakeReader : public FileReader {
public:
  FileReading read(FileFormat format, std::string_view bytes) const override {
    given.emplace_back(format, std::string(bytes));
    if (!failure.empty())
      return FileReading{std::nullopt, std::nullopt, failure};
    FileReading reading;
    if (format == FileFormat::pdf)
      reading.pdf = pdf;
    else
      reading.zip = zip;
    return reading;
  }
  PdfReading pdf;
  ZipListing zip;
  std::string failure;
  mutable std::vector<std::pair<FileFormat, std::string>> given;
};

const std::string k_bruno = "Bruno Okafor <bokafor@students.example.edu>";

class ContentChecks : public ::testing::Test {
protected:
  std::vector<Finding> check(const std::string& raw, const std::string& deliverable,
                             bool late = false) {
    facts = message::parse(raw, "test");
    classification.deliverable = deliverable;
    classification.kind = deliverable;
    classification.group = "1";
    return check_submission({classification, facts, raw, late}, course, &reader);
  }
  // The course's deliverable `name`, to change its checks; the course keeps its deliverables
  // in no order a test may count on.
  rules::Deliverable& deliverable(std::string_view name) {
    auto it = std::ranges::find(course.deliverables, name, &rules::Deliverable::name);
    if (it == course.deliverables.end())
      throw std::logic_error("the example course has no deliverable " + std::string(name));
    return *it;
  }
  static std::vector<std::string> texts(const std::vector<Finding>& findings) {
    std::vector<std::string> out;
    for (const auto& finding : findings)
      out.push_back(finding.text);
    return out;
  }
  static std::vector<std::string> names(const std::vector<Finding>& findings) {
    std::vector<std::string> out;
    for (const auto& finding : findings)
      out.push_back(finding.check);
    return out;
  }

  rules::Course course = test::example_course();
  FakeReader reader;
  message::MessageFacts facts;
  classify::Classification classification;
};

using Names = std::vector<std::string>;

TEST_F(ContentChecks, TenPageReportWithoutGitLinkGetsBothWarningsInPlainWords) {
  // F'25: at most 8 pages, and a link to the project's git repository.
  reader.pdf.pages = 10;
  reader.pdf.text = "Our system, evaluated on 8 GPUs.";
  const auto raw = test::make_mail(k_bruno, "Group 1 final report", "Attached.",
                                   {{"report.pdf", "application/pdf", "%PDF-1.4 fake"}});
  const auto findings = check(raw, "final-report");
  EXPECT_EQ(names(findings), (Names{"max_pages", "git_link"}));
  EXPECT_EQ(texts(findings)[0], "\"report.pdf\" has 10 pages; the limit is 8: send a shorter "
                                "version before the deadline");
  EXPECT_EQ(texts(findings)[1],
            "no link to a git repository (GitHub, GitLab, or a URL ending in .git) was found in "
            "the mail or in \"report.pdf\": reply with the link to the project's repository "
            "before the deadline");
  ASSERT_EQ(reader.given.size(), 1u);
  EXPECT_EQ(reader.given[0].second, "%PDF-1.4 fake"); // the decoded attachment, nothing else
}

TEST_F(ContentChecks, GitLinkOnlyInThePdfTextIsEnough) {
  reader.pdf.pages = 8;
  reader.pdf.text = "Code: github.com/cse585-group1/fastserve (README inside)";
  const auto raw = test::make_mail(k_bruno, "Group 1 final report", "Attached.",
                                   {{"report.pdf", "application/pdf", "%PDF-1.4 fake"}});
  EXPECT_EQ(names(check(raw, "final-report")), Names{});
}

TEST_F(ContentChecks, GitLinkInTheMailIsEnoughAndABareForgeIsNot) {
  reader.pdf.pages = 3;
  auto raw = test::make_mail(k_bruno, "Group 1 final report",
                             "Repo: https://gitlab.eecs.example.edu/g1/serve.git", {});
  EXPECT_EQ(names(check(raw, "final-report")), Names{});
  raw = test::make_mail(k_bruno, "Group 1 final report", "See https://github.com/ for code", {});
  EXPECT_EQ(names(check(raw, "final-report")), Names{"git_link"});
}

TEST_F(ContentChecks, LateSubmissionsAreToldToResendAsSoonAsTheyCan) {
  reader.pdf.pages = 9;
  reader.pdf.text = "https://github.com/a/b";
  const auto raw = test::make_mail(k_bruno, "Group 1 final report", "",
                                   {{"report.pdf", "application/pdf", "%PDF-1.4 fake"}});
  EXPECT_EQ(texts(check(raw, "final-report", true)),
            Names{"\"report.pdf\" has 9 pages; the limit is 8: send a shorter version as soon "
                  "as you can"});
}

TEST_F(ContentChecks, EncryptedAndDamagedPdfsAreSaidToBeSo) {
  reader.pdf.encrypted = true;
  const auto raw = test::make_mail(k_bruno, "Group 1 proposal", "",
                                   {{"proposal.pdf", "application/pdf", "%PDF-1.7 locked"}});
  auto findings = check(raw, "proposal");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].text, "\"proposal.pdf\" is protected with a password, so its pages and "
                              "text cannot be read: send it again without a password before "
                              "the deadline");
  reader.pdf = {};
  reader.pdf.problem = "it is not a PDF: it does not start with %PDF";
  findings = check(raw, "proposal");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].text, "\"proposal.pdf\" cannot be read as a PDF (it is not a PDF: it "
                              "does not start with %PDF): export it as a PDF again and send it "
                              "before the deadline");
}

TEST_F(ContentChecks, ProposalNamesTheMembersWhoseEmailsAreMissing) {
  // Group 1: Avery Lindqvist, Bruno Okafor, Chiara Vance.
  reader.pdf.pages = 2;
  reader.pdf.text = "Avery Lindqvist AVERYL@students.example.edu\nBruno Okafor";
  const auto raw = test::make_mail(k_bruno, "Group 1 proposal", "",
                                   {{"proposal.pdf", "application/pdf", "%PDF-1.7"}});
  EXPECT_EQ(texts(check(raw, "proposal")),
            Names{"\"proposal.pdf\" does not give the email address of Bruno Okafor "
                  "(bokafor@students.example.edu) and Chiara Vance "
                  "(cvance@students.example.edu): add every member's name and email and send "
                  "it again before the deadline"});
}

TEST_F(ContentChecks, ReaderThatFailsIsACheckFailureNotAWarning) {
  reader.failure = "used up its 10 s of CPU time and was stopped";
  const auto raw = test::make_mail(k_bruno, "Group 1 final report", "https://github.com/a/b",
                                   {{"report.pdf", "application/pdf", "%PDF-1.4"}});
  const auto findings = check(raw, "final-report");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].outcome, Outcome::check_failed);
  EXPECT_EQ(line_of(findings[0]), "check failed: \"report.pdf\" could not be checked: the reader "
                                  "used up its 10 s of CPU time and was stopped; staff will "
                                  "look at it by hand");
}

class ZipChecks : public ContentChecks {
protected:
  void SetUp() override {
    // F'24: the code as a zip file that includes a README.
    auto& report = deliverable("final-report");
    report.checks.git_link = false;
    report.checks.zip_with_readme = true;
    report.file_types = {"pdf", "zip"};
    reader.pdf.pages = 8;
  }
  std::vector<Finding> check_zip(std::vector<ZipEntry> entries) {
    reader.zip.entries = std::move(entries);
    const auto raw = test::make_mail(k_bruno, "Group 1 final report", "",
                                     {{"report.pdf", "application/pdf", "%PDF-1.4"},
                                      {"code.zip", "application/zip", "PK fake"}});
    return check(raw, "final-report");
  }
};

TEST_F(ZipChecks, ZipWithoutReadmeGetsItsWarning) {
  const auto findings = check_zip({{"src/main.py", 10, 5}, {"Makefile", 3, 3}});
  EXPECT_EQ(texts(findings),
            Names{"\"code.zip\" has no README at its top level or one folder down: add a README "
                  "to the code and send the zip again before the deadline"});
}

TEST_F(ZipChecks, ReadmeAtTheTopOrOneFolderDownIsFound) {
  EXPECT_EQ(names(check_zip({{"README.md", 10, 5}})), Names{});
  EXPECT_EQ(names(check_zip({{"project/", 0, 0}, {"project/Readme.txt", 10, 5}})), Names{});
  EXPECT_EQ(names(check_zip({{"a/b/README.md", 10, 5}})), Names{"zip_with_readme"});
  EXPECT_EQ(names(check_zip({{"__MACOSX/README", 10, 5}})), Names{"zip_with_readme"});
}

TEST_F(ZipChecks, EntryNamesThatLeaveTheFolderAreWarnedOf) {
  const auto findings = check_zip({{"README", 1, 1}, {"../../.bashrc", 10, 5}});
  EXPECT_EQ(names(findings), Names{"zip_names"});
  EXPECT_NE(findings[0].text.find("\"../../.bashrc\""), std::string::npos);
}

TEST_F(ZipChecks, RefusedListingAndMissingZipAreWarnedOf) {
  reader.zip.problem = "it would unpack to 1000 times its packed size (a zip bomb?); the cap is "
                       "100 times";
  EXPECT_EQ(names(check_zip({})), Names{"zip"});
  const auto raw = test::make_mail(k_bruno, "Group 1 final report", "",
                                   {{"report.pdf", "application/pdf", "%PDF-1.4"}});
  EXPECT_EQ(texts(check(raw, "final-report")),
            Names{"no zip file is attached: send the code as a zip file with a README before "
                  "the deadline"});
}

TEST_F(ContentChecks, EmptyFileOversizedFileAndWrongTypeAreWarnedOf) {
  const auto raw = test::make_mail(
      k_bruno, "Group 2 slides", "",
      {{"slides.pdf", "application/pdf", ""}, {"notes.rar", "application/x-rar", "Rar!"}});
  const auto findings = check(raw, "slides");
  EXPECT_EQ(names(findings), (Names{"empty_file", "file_type", "file_or_link"}));
  EXPECT_EQ(findings[0].text, "\"slides.pdf\" is empty (0 bytes): attach the file again and send "
                              "it before the deadline");
  EXPECT_EQ(findings[1].text, "\"notes.rar\" is a .rar file; the presentation slides is taken as "
                              ".pdf, .pptx, .ppt, .key or .odp: send it in one of those types "
                              "before the deadline");
  deliverable("slides").checks.max_size_bytes = 3;
  const auto oversized = check(
      test::make_mail(k_bruno, "Group 2 slides", "", {{"deck.pdf", "application/pdf", "%PDF-1.4"}}),
      "slides");
  EXPECT_EQ(texts(oversized),
            Names{"\"deck.pdf\" is 8 bytes; the limit is 3 bytes: send a smaller file, or a link "
                  "to it, before the deadline"});
}

TEST_F(ContentChecks, SlidesAsAGoogleSlidesLinkNeedNoFile) {
  const auto raw = test::make_mail(k_bruno, "Group 2 slides",
                                   "https://docs.google.com/presentation/d/1abc/edit", {});
  EXPECT_EQ(names(check(raw, "slides")), Names{});
}

TEST_F(ContentChecks, MailCutShortIsWarnedOf) {
  auto raw = test::make_mail(k_bruno, "Group 2 slides", "",
                             {{"slides.pdf", "application/pdf", "%PDF-1.4 twelve"}});
  EXPECT_EQ(cut_short(raw), "");
  const auto without_end = raw.substr(0, raw.rfind("--b0undary--"));
  EXPECT_EQ(cut_short(without_end), "its MIME part \"b0undary\" never closes");
  EXPECT_EQ(names(check(without_end, "slides")), Names{"cut_short"});
  // A single-part base64 mail that stops inside a group of four.
  const std::string single = "From: x@y\r\nContent-Type: application/pdf\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\nJVBE\r\nJV";
  EXPECT_EQ(cut_short(single), "a base64 part ends in the middle of a group");
  EXPECT_EQ(cut_short(single.substr(0, single.size() - 4)), "");
}

TEST_F(ContentChecks, AWarningNeverChangesTheVerdictOrTheReply) {
  judge::Decision decision;
  decision.classification.kind = "final-report";
  decision.classification.deliverable = "final-report";
  decision.classification.group = "1";
  decision.judgement = deadline::Judgement{};
  decision.reply = judge::ReplyKind::receipt;
  decision.reply_reason = "on time";
  reader.pdf.pages = 12;
  const auto raw = test::make_mail(k_bruno, "Group 1 final report", "",
                                   {{"report.pdf", "application/pdf", "%PDF-1.4"}});
  decision.facts = message::parse(raw, "test");
  judge::check_content(decision, raw, course, &reader);
  EXPECT_EQ(decision.findings.size(), 2u);
  EXPECT_EQ(decision.classification.kind, "final-report");
  EXPECT_EQ(decision.reply, judge::ReplyKind::receipt);
  EXPECT_EQ(decision.reply_reason, "on time");
  EXPECT_EQ(decision.judgement->verdict, deadline::Verdict::on_time);
}

TEST(GitLinks, FormsThatCountAndThatDoNot) {
  EXPECT_EQ(git_links_in("see https://github.com/org/repo."),
            std::vector<std::string>{"https://github.com/org/repo"});
  EXPECT_EQ(git_links_in("at github.com/org/repo today"),
            std::vector<std::string>{"https://github.com/org/repo"});
  EXPECT_EQ(git_links_in("https://git.example.edu/x.git"),
            std::vector<std::string>{"https://git.example.edu/x.git"});
  EXPECT_TRUE(git_links_in("https://github.com/org and https://example.com/x").empty());
}

} // namespace
} // namespace mailroom::content
