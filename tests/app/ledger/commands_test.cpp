// The staff commands through the built binary, on a ledger filled with known
// decisions: status over a fixed clock, extend, excuse, reclassify, show, CSV.
#include "app/ledger/fixture.hpp"

using namespace mailroom;

TEST(LedgerCommand, NothingReceivedGoesFromPendingToMissingAtTheDueSecond) {
  test::LedgerFixture f;
  f.record("other.1", "proposal", "", "2", "2025-09-10T12:00:00Z", "2025-09-19T03:59:59Z");
  // Slides of group 1 for Oct 7 are due Mon Oct 6 10:30 EDT (14:30Z).
  EXPECT_EQ(f.status("2025-10-06T14:30:00Z", "slides@2025-10-07/1"), "pending");
  EXPECT_EQ(f.status("2025-10-06T14:30:01Z", "slides@2025-10-07/1"), "missing");
  EXPECT_EQ(f.status("2025-10-06T14:30:01Z", "proposal/2"), "on-time");
  EXPECT_EQ(f.status("2025-10-06T14:30:01Z", "proposal/1"), "missing");
}

TEST(LedgerCommand, LateBecomesOnTimeAfterAnExtension) {
  test::LedgerFixture f;
  f.record("slides.late", "slides", "2025-10-07", "1", "2025-10-06T18:00:00Z",
           "2025-10-06T14:30:00Z");
  const auto before = f.ledger_json("2025-10-08T00:00:00Z").at("slides@2025-10-07/1");
  EXPECT_EQ(before->getValue<std::string>("status"), "late");
  EXPECT_EQ(before->getValue<long>("late_by_seconds"), 3 * 3600 + 30 * 60);

  const auto extended = test::mailroom("extend 1 slides@2025-10-07 --until '2025-10-06 16:00' "
                                       "--reason 'sick presenter' " +
                                       f.args());
  ASSERT_EQ(extended.exit_code, 0) << extended.err;
  EXPECT_NE(extended.out.find("Extended slides@2025-10-07 for group 1: due Mon Oct 6, 4:00 PM EDT"),
            std::string::npos)
      << extended.out;
  const auto after = f.ledger_json("2025-10-08T00:00:00Z").at("slides@2025-10-07/1");
  EXPECT_EQ(after->getValue<std::string>("status"), "on-time");
  EXPECT_EQ(after->getValue<long>("late_by_seconds"), 0);
  EXPECT_EQ(after->getValue<std::string>("extended_until"), "2025-10-06T20:00:00Z");
  EXPECT_EQ(after->getValue<std::string>("due"), "2025-10-06T14:30:00Z");
}

TEST(LedgerCommand, ExtendedWithNothingYetThenMissingAfterTheNewDue) {
  test::LedgerFixture f;
  ASSERT_EQ(test::mailroom("extend 1 slides@2025-10-07 --until 2025-10-07T12:00:00Z --reason x " +
                           f.args())
                .exit_code,
            0);
  EXPECT_EQ(f.status("2025-10-07T11:00:00Z", "slides@2025-10-07/1"), "extended");
  EXPECT_EQ(f.status("2025-10-07T12:00:01Z", "slides@2025-10-07/1"), "missing");
}

TEST(LedgerCommand, ExcusedIsExcusedAndAudited) {
  test::LedgerFixture f;
  const auto ran =
      test::mailroom("excuse 2 summary@2025-10-07 --reason 'medical note' " + f.args());
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(f.status("2025-12-01T00:00:00Z", "summary@2025-10-07/2"), "excused");
  auto ledger = f.open();
  auto audit = ledger.audit();
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().action, "excuse");
  EXPECT_EQ(audit->front().reason, "medical note");
  EXPECT_EQ(audit->front().what, "group 2 summary@2025-10-07");
  EXPECT_EQ(audit->front().unix_user, ledger::current_unix_user());
}

TEST(LedgerCommand, LateResubmissionNeverHidesTheOnTimeVersion) {
  test::LedgerFixture f;
  const auto first =
      f.record("v1", "slides", "2025-10-07", "1", "2025-10-06T10:00:00Z", "2025-10-06T14:30:00Z");
  f.record("v2", "slides", "2025-10-07", "1", "2025-10-06T20:00:00Z", "2025-10-06T14:30:00Z");
  const auto row = f.ledger_json("2025-10-08T00:00:00Z").at("slides@2025-10-07/1");
  EXPECT_EQ(row->getValue<std::string>("status"), "on-time");
  EXPECT_EQ(row->getValue<long>("counting_mail"), first);
  EXPECT_EQ(row->getArray("versions")->size(), 2u);
}

TEST(LedgerCommand, FiltersAndCsvForAGradebook) {
  test::LedgerFixture f;
  f.record("p1", "proposal", "", "1", "2025-09-19T04:00:01Z", "2025-09-19T03:59:59Z");
  const auto csv =
      test::mailroom("ledger --csv --deliverable proposal --now 2025-10-01T00:00:00Z " + f.args());
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "deliverable,lecture,group,due,status,received_at,late_by_seconds,versions,"
                     "extended_until,counting_mail\r\n"
                     "proposal,,1,2025-09-19T03:59:59Z,late,2025-09-19T04:00:01Z,2,1,,1\r\n"
                     "proposal,,2,2025-09-19T03:59:59Z,missing,,,0,,\r\n");
  const auto missing = test::mailroom("ledger --json --status missing --group 2 --now "
                                      "2025-10-01T00:00:00Z " +
                                      f.args());
  ASSERT_EQ(missing.exit_code, 0) << missing.err;
  EXPECT_NE(missing.out.find("\"deliverable\":\"proposal\""), std::string::npos);
  EXPECT_EQ(missing.out.find("\"group\":\"1\""), std::string::npos) << missing.out;
  const auto bad = test::mailroom("ledger --status done " + f.args());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown status 'done'"), std::string::npos) << bad.err;
}

TEST(ReclassifyCommand, StaffOverruleMovesTheVersionAndShowDisplaysTheAudit) {
  test::LedgerFixture f;
  // The classifier took group 2's summary for slides.
  const auto id = f.record("wrong", "slides", "2025-11-04", "2", "2025-10-08T12:00:00Z",
                           "2025-11-03T15:30:00Z");
  EXPECT_EQ(f.status("2025-10-09T00:00:00Z", "summary@2025-10-07/2"), "missing");
  const auto ran = test::mailroom(fmt::format("reclassify {} --as summary@2025-10-07 --reason "
                                              "'it is the Oct 7 summary' {}",
                                              id, f.args()));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(f.status("2025-10-09T00:00:00Z", "summary@2025-10-07/2"), "on-time");
  EXPECT_EQ(f.status("2025-10-09T00:00:00Z", "slides@2025-11-04/2"), "pending");

  const auto shown = test::mailroom(fmt::format("show {} --json {}", id, f.args()));
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto record = Poco::JSON::Parser().parse(shown.out).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(record->getObject("reclassified")->getValue<std::string>("deliverable"), "summary");
  const auto audit = record->getArray("audit");
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->getObject(0)->getValue<std::string>("reason"), "it is the Oct 7 summary");
  EXPECT_EQ(audit->getObject(0)->getValue<std::string>("unix_user"), ledger::current_unix_user());
  const auto text = test::mailroom(fmt::format("show {} {}", id, f.args()));
  EXPECT_NE(text.out.find("reclassify: mail 1 as summary@2025-10-07 group 2 — it is the Oct 7 "
                          "summary"),
            std::string::npos)
      << text.out;
}

TEST(StaffCommands, RefuseWhatTheRulesDoNotOwe) {
  test::LedgerFixture f;
  f.record("x", "proposal", "", "1", "2025-09-10T12:00:00Z", "2025-09-19T03:59:59Z");
  auto ran = test::mailroom("extend 9 proposal --until 2025-10-01 --reason x " + f.args());
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.err.find("no group '9' on the roster"), std::string::npos) << ran.err;
  ran = test::mailroom("extend 1 slides --until 2025-10-01 --reason x " + f.args());
  EXPECT_NE(ran.err.find("slides is owed per lecture"), std::string::npos) << ran.err;
  ran = test::mailroom("excuse 2 slides@2025-10-07 --reason x " + f.args());
  EXPECT_NE(ran.err.find("group 2 does not owe slides@2025-10-07"), std::string::npos) << ran.err;
  ran = test::mailroom("reclassify 99 --as proposal --reason x " + f.args());
  EXPECT_NE(ran.err.find("mail 99: no such mail in the ledger"), std::string::npos) << ran.err;
  ran = test::mailroom("ledger --state " + test::quoted(f.dir / "nowhere") + " --rules " +
                       test::quoted(f.rules));
  EXPECT_NE(ran.err.find("no ledger here (ledger.db is missing)"), std::string::npos) << ran.err;
}

TEST(StaffCommands, ConfigFileGivesRulesAndStateRelativeToItself) {
  test::LedgerFixture f;
  f.record("p1", "proposal", "", "1", "2025-09-10T12:00:00Z", "2025-09-19T03:59:59Z");
  test::write_file(f.dir / "course.toml.conf", "rules = \"rules\"\nstate_dir = \"state\"\n");
  const auto ran = test::mailroom("ledger --json --now 2025-10-01T00:00:00Z --config " +
                                  test::quoted(f.dir / "course.toml.conf"));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("\"status\":\"on-time\""), std::string::npos) << ran.out;
  test::write_file(f.dir / "bad.conf", "rules = 3\nstate_dir = \"state\"\n");
  const auto bad = test::mailroom("ledger --config " + test::quoted(f.dir / "bad.conf"));
  EXPECT_NE(bad.err.find("bad.conf:1: 'rules' must be a string (a path)"), std::string::npos)
      << bad.err;
}

TEST(LedgerCommand, HelpListsEveryStatus) {
  // `ledger --help` names every value --status takes, reply-bounced included.
  const auto help = test::mailroom("ledger --help");
  ASSERT_EQ(help.exit_code, 0) << help.err;
  std::string words; // the help with its line wrapping undone
  std::istringstream in(help.out);
  for (std::string word; in >> word;)
    words += " " + word;
  for (auto status :
       {judge::Status::pending, judge::Status::on_time, judge::Status::late, judge::Status::missing,
        judge::Status::extended, judge::Status::excused, judge::Status::needs_review})
    EXPECT_NE(words.find(" " + judge::to_string(status)), std::string::npos)
        << judge::to_string(status) << " missing from:\n"
        << help.out;
  for (const char* state : {"queued", "sending", "sent", "failed", "bounced", "suppressed"})
    EXPECT_NE(words.find(std::string(" reply-") + state), std::string::npos)
        << state << " missing from:\n"
        << help.out;
}
