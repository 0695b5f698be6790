// The term at a glance without a browser: what each cell says, where staff changes go,
// the review queue, escaping, the [report] config key, and the daemon writing the page.
#include "app/ledger/fixture.hpp"
#include "daemon/report_file.hpp"
#include "report/page.hpp"
#include "setup/rules_files.hpp"
#include "setup/settings.hpp"
#include "support/settings_problems.hpp"

using namespace mailroom;
using test::at;

namespace {

const report::InstanceRow* row_of(const report::Page& page, const std::string& deliverable,
                                  const std::string& lecture_prefix) {
  for (const auto& row : page.rows)
    if (row.deliverable == deliverable && row.lecture.starts_with(lecture_prefix))
      return &row;
  ADD_FAILURE() << "no row " << deliverable << " " << lecture_prefix;
  return nullptr;
}

struct Staffed {
  test::LedgerFixture fixture;
  rules::Course course = test::demo_course();
  pipeline::Id late_slides = 0;

  Staffed() {
    // Group 1's slides for Oct 7 one minute late; group 2's summary extended by a day;
    // group 1 excused from the proposal.
    late_slides = fixture.record("slides-1", "slides", "2025-10-07", "1", "2025-10-06T14:31:00Z",
                                 "2025-10-06T14:30:00Z");
    auto ledger = fixture.open();
    const pipeline::Actor actor{"ta", at("2025-10-07T09:00:00Z")};
    EXPECT_TRUE(ledger.extend({0, "2", "summary", "2025-10-07", at("2025-10-09T16:00:00Z")}, actor,
                              "ill; approved"));
    EXPECT_TRUE(ledger.excuse({0, "1", "proposal", std::nullopt}, actor, "joined late"));
  }

  report::Page page(const char* as_of) {
    auto ledger = fixture.open();
    auto term = daemon::read_term(ledger, course, at("2025-10-08T00:00:00Z"), at(as_of));
    EXPECT_TRUE(term) << term.error().to_string();
    return report::make_page(*term);
  }
};

} // namespace

TEST(ReportModel, EachCellSaysItsStatusInWordsWithTheVersionThatCounts) {
  Staffed staffed;
  const auto page = staffed.page("2025-10-08T00:00:00Z");
  EXPECT_EQ(page.groups, (std::vector<std::string>{"1", "2"}));
  const auto* slides = row_of(page, "slides", "Tue Oct 7");
  ASSERT_NE(slides, nullptr);
  EXPECT_EQ(slides->due, "Mon Oct 6, 10:30 AM EDT");
  ASSERT_EQ(slides->cells.size(), 2u);
  const auto& late = slides->cells[0];
  EXPECT_EQ(late.status_name, "late");
  EXPECT_EQ(late.words, "late by 1 min");
  EXPECT_EQ(late.received, "Mon Oct 6, 10:31 AM EDT");
  ASSERT_EQ(late.versions.size(), 1u);
  EXPECT_EQ(late.versions[0].mail_id, staffed.late_slides);
  EXPECT_EQ(late.versions[0].standing, "counts");
  EXPECT_EQ(late.versions[0].subject, "slides from group 1");
  EXPECT_FALSE(slides->cells[1].owed); // group 2 does not present on Oct 7
}

TEST(ReportModel, StaffChangesAreShownOnTheCellTheyChanged) {
  Staffed staffed;
  const auto page = staffed.page("2025-10-08T00:00:00Z");
  const auto* summary = row_of(page, "summary", "Tue Oct 7");
  ASSERT_NE(summary, nullptr);
  const auto& extended = summary->cells[1];
  EXPECT_EQ(extended.status_name, "extended");
  EXPECT_EQ(extended.words, "extended to Thu Oct 9, 12:00 PM EDT");
  ASSERT_EQ(extended.audit.size(), 1u);
  EXPECT_EQ(extended.audit[0].action, "extend");
  EXPECT_EQ(extended.audit[0].who, "ta");
  EXPECT_EQ(extended.audit[0].reason, "ill; approved");

  const auto* proposal = row_of(page, "proposal", "");
  ASSERT_NE(proposal, nullptr);
  EXPECT_EQ(proposal->cells[0].words, "excused");
  ASSERT_EQ(proposal->cells[0].audit.size(), 1u);
  EXPECT_EQ(proposal->cells[0].audit[0].action, "excuse");
  EXPECT_EQ(proposal->cells[1].words, "missing");
  EXPECT_TRUE(proposal->cells[1].audit.empty());
  EXPECT_EQ(page.audit.size(), 2u);
}

TEST(ReportModel, RowsAreInDueOrderAndUnassignedInstancesAreCountedNotShown) {
  Staffed staffed;
  const auto page = staffed.page("2025-10-08T00:00:00Z");
  std::vector<std::string> order;
  for (const auto& row : page.rows)
    order.push_back(row.deliverable + (row.lecture.empty()
                                           ? ""
                                           : " " + row.lecture.substr(0, row.lecture.find(" ("))));
  EXPECT_EQ(order, (std::vector<std::string>{"proposal", "slides Tue Oct 7", "summary Tue Oct 7",
                                             "slides Tue Nov 4", "final-report"}));
  EXPECT_GT(page.unassigned, 0u);
}

TEST(ReportModel, TheStatusCountsCoverEveryStatusAsOfTheGivenTime) {
  Staffed staffed;
  // Before anything was due: the late slides are still late (they arrived), the rest pending.
  const auto page = staffed.page("2025-09-01T00:00:00Z");
  std::map<std::string, std::size_t> counts;
  for (const auto& count : page.counts)
    counts[count.status_name] = count.count;
  EXPECT_EQ(counts, (std::map<std::string, std::size_t>{{"on-time", 0},
                                                        {"late", 1},
                                                        {"missing", 0},
                                                        {"pending", 4},
                                                        {"extended", 1},
                                                        {"excused", 1},
                                                        {"needs-review", 0}}));
}

TEST(ReportModel, TheReviewQueueListsMailThatNeedsAPersonOldestFirst) {
  Staffed staffed;
  staffed.fixture.record("stranger", "unknown-sender", "", "", "2025-10-02T10:00:00Z",
                         "2025-10-06T14:30:00Z");
  const auto page = staffed.page("2025-10-08T00:00:00Z");
  ASSERT_EQ(page.review.size(), 1u);
  EXPECT_EQ(page.review[0].why, "unknown sender");
  EXPECT_EQ(page.review[0].received, "Thu Oct 2, 6:00 AM EDT");
}

TEST(ReportHtml, EverythingFromMailIsEscapedByTheShippedTemplate) {
  Staffed staffed;
  auto ledger = staffed.fixture.open();
  auto term = daemon::read_term(ledger, staffed.course, at("2025-10-08T00:00:00Z"),
                                at("2025-10-08T00:00:00Z"));
  ASSERT_TRUE(term);
  term->mails[0].subject = "<script>alert(1)</script>";
  term->mails[0].from = "\"><img src=x onerror=alert(1)> <ada@example.edu>";
  const auto text = daemon::report_template(staffed.fixture.rules);
  ASSERT_TRUE(text) << text.error().to_string();
  // Only {{ }} escapes: the shipped template never uses {{{ }}} or {{& }}.
  EXPECT_EQ(text->find("{{{"), std::string::npos);
  EXPECT_EQ(text->find("{{&"), std::string::npos);
  const auto html = report::render_html(report::make_page(*term), *text);
  ASSERT_TRUE(html) << html.error().to_string();
  EXPECT_EQ(html->find("<script"), std::string::npos);
  EXPECT_EQ(html->find("<img"), std::string::npos);
  EXPECT_NE(html->find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html->find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &lt;ada@example.edu&gt;"),
            std::string::npos);
}

TEST(ReportHtml, ACoursesOwnTemplateReplacesTheShippedOne) {
  test::LedgerFixture fixture;
  test::write_file(fixture.rules / "templates" / "report.mustache", "<p>{{course_name}}</p>\n");
  const auto text = daemon::report_template(fixture.rules);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "<p>{{course_name}}</p>\n");
}

TEST(ReportConfig, HtmlIsAPathRelativeToTheConfigFile) {
  const auto set =
      setup::parse_settings("rules = \"r\"\nstate_dir = \"s\"\n[mailbox]\nurl = \"maildir:m\"\n"
                            "[report]\nhtml = \"site/term.html\"\n",
                            "/etc/mailroom/term.toml");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->report.html, "/etc/mailroom/site/term.html");
  const auto unset =
      setup::parse_settings("rules = \"r\"\nstate_dir = \"s\"\n[mailbox]\nurl = \"maildir:m\"\n",
                            "/etc/mailroom/term.toml");
  ASSERT_TRUE(unset);
  EXPECT_TRUE(unset->report.html.empty());
}

TEST(ReportConfig, UnknownKeysAndBadPathsAreRefusedWithFileLineAndFix) {
  const auto lines =
      test::settings_problems("rules = \"r\"\nstate_dir = \"s\"\n[mailbox]\nurl = \"maildir:m\"\n"
                              "[report]\nhtm = \"term.html\"\nhtml = \"site/\"\n");
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "/etc/mailroom/term.toml:6: unknown key 'htm' in [report]; did you mean "
                       "'html'?",
                       "/etc/mailroom/term.toml:7: bad report path 'site/'; name the page's "
                       "file, e.g. html = \"/var/www/cse585/term.html\""}));
}

TEST(ReportDaemon, RunOnceWritesThePageWhenTheConfigNamesOne) {
  // A Maildir course mailbox with one slides mail; [report] html names the page.
  test::LedgerFixture fixture;
  const auto maildir = fixture.dir / "maildir";
  test::make_maildir(maildir);
  test::write_file(maildir / "new" / "1.M1.test",
                   "From: Ada Lovelace <ada@example.edu>\r\nTo: staff@example.edu\r\n"
                   "Subject: Slides for Oct 7\r\nMessage-ID: <one@example.edu>\r\n\r\n"
                   "Our slides: https://docs.google.com/presentation/d/one/edit\r\n");
  fixture.write_maildir_term("[report]\nhtml = \"site/term.html\"\n");
  std::filesystem::create_directories(fixture.dir / "site");
  const auto ran = test::mailroom("run --once" + fixture.config());
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto page = test::read_text(fixture.dir / "site" / "term.html");
  EXPECT_NE(page.find("<title>DEMO 101, Fall 2025: the term at a glance</title>"),
            std::string::npos);
  EXPECT_NE(page.find("Slides for Oct 7"), std::string::npos);
  EXPECT_NE(page.find((fixture.state / "ledger.db").string()), std::string::npos);
  // Written under a temporary name and renamed: nothing else is left in the folder.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(fixture.dir / "site"))
    ++files;
  EXPECT_EQ(files, 1u);
}

TEST(ReportDaemon, APageThatCannotBeWrittenIsAWarningNotAFailedPoll) {
  test::LedgerFixture fixture;
  test::make_maildir(fixture.dir / "maildir");
  fixture.write_maildir_term("[report]\nhtml = \"no-such-folder/term.html\"\n");
  const auto ran = test::mailroom("run --once" + fixture.config());
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(
      ran.err.find("the report page was not written: " + (fixture.dir / "no-such-folder").string()),
      std::string::npos)
      << ran.err;
  EXPECT_NE(ran.err.find("cannot create: No such file or directory; check that the folder "
                         "exists and mailroom may write there"),
            std::string::npos)
      << ran.err;
}
