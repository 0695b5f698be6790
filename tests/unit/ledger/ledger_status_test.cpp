#include "core/instant.hpp"
#include "judge/ledger_view.hpp"
#include "support/instant.hpp"

#include <gtest/gtest.h>

using namespace mailroom;
using judge::Status;

namespace {

using test::at;

constexpr rules::Date k_oct7_lecture{std::chrono::year{2025}, std::chrono::month{10},
                                     std::chrono::day{7}};

// Slides of group 2 for the Oct 7 lecture: due 24 h before class (Mon Oct 6 14:30Z).
deadline::Instance slides() {
  return {"slides", k_oct7_lecture, "2", at("2025-10-06T14:30:00Z"), core::Seconds{0}};
}

judge::Version version(std::int64_t id, const char* received) {
  return {id, "slides", k_oct7_lecture, "2", at(received)};
}

judge::InstanceStatus status_of(const std::vector<judge::Version>& versions, const char* now,
                                const std::vector<judge::Extension>& extensions = {},
                                const std::vector<judge::Excusal>& excusals = {}) {
  auto rows = judge::ledger_status({slides()}, versions, extensions, excusals, at(now));
  EXPECT_EQ(rows.size(), 1u);
  return rows.at(0);
}

} // namespace

TEST(LedgerStatus, NothingReceivedIsPendingUntilDueThenMissing) {
  // The clock passes the due instant with nothing received.
  EXPECT_EQ(status_of({}, "2025-10-06T14:30:00Z").status, Status::pending);
  const auto after = status_of({}, "2025-10-06T14:30:01Z");
  EXPECT_EQ(after.status, Status::missing);
  EXPECT_FALSE(after.counting);
}

TEST(LedgerStatus, VersionAtTheDueSecondIsOnTimeAndOneSecondLaterIsLate) {
  EXPECT_EQ(status_of({version(1, "2025-10-06T14:30:00Z")}, "2025-10-07T00:00:00Z").status,
            Status::on_time);
  const auto late = status_of({version(1, "2025-10-06T14:30:01Z")}, "2025-10-07T00:00:00Z");
  EXPECT_EQ(late.status, Status::late);
  ASSERT_TRUE(late.counting);
  EXPECT_EQ(late.counting->late_by, core::Seconds{1});
}

TEST(LedgerStatus, LateResubmissionNeverHidesAnOnTimeVersion) {
  // E5: v1 on time, then v2 late: v1 counts, both are listed.
  const auto row =
      status_of({version(1, "2025-10-06T10:00:00Z"), version(2, "2025-10-06T20:00:00Z")},
                "2025-10-08T00:00:00Z");
  EXPECT_EQ(row.status, Status::on_time);
  ASSERT_TRUE(row.counting);
  EXPECT_EQ(row.counting->mail_id, 1);
  EXPECT_EQ(row.versions.size(), 2u);
}

TEST(LedgerStatus, LatestOnTimeVersionCounts) {
  // Given in reverse order: the ledger sorts by arrival.
  const auto row =
      status_of({version(7, "2025-10-06T12:00:00Z"), version(3, "2025-10-05T12:00:00Z")},
                "2025-10-08T00:00:00Z");
  ASSERT_TRUE(row.counting);
  EXPECT_EQ(row.counting->mail_id, 7);
  EXPECT_EQ(row.versions.front().mail_id, 3);
}

TEST(LedgerStatus, LateThenOnTimeVersionCountsTheOnTimeOne) {
  // E5 second case: v1 late, v2 on time — impossible without an extension, so grant one.
  const auto row = status_of(
      {version(1, "2025-10-06T15:00:00Z"), version(2, "2025-10-07T09:00:00Z")},
      "2025-10-08T00:00:00Z", {{"2", "slides", k_oct7_lecture, at("2025-10-07T10:00:00Z")}});
  EXPECT_EQ(row.status, Status::on_time);
  EXPECT_EQ(row.counting->mail_id, 2);
}

TEST(LedgerStatus, ExtensionTurnsALateVersionOnTime) {
  const std::vector versions{version(1, "2025-10-06T18:00:00Z")};
  EXPECT_EQ(status_of(versions, "2025-10-08T00:00:00Z").status, Status::late);
  const auto row = status_of(versions, "2025-10-08T00:00:00Z",
                             {{"2", "slides", k_oct7_lecture, at("2025-10-06T20:00:00Z")}});
  EXPECT_EQ(row.status, Status::on_time);
  EXPECT_EQ(row.effective_due, at("2025-10-06T20:00:00Z"));
  EXPECT_EQ(row.counting->late_by, core::Seconds{0});
}

TEST(LedgerStatus, ExtendedWithNothingYetShowsTheNewDueThenMissing) {
  const std::vector<judge::Extension> extension{
      {"2", "slides", k_oct7_lecture, at("2025-10-07T12:00:00Z")}};
  const auto before = status_of({}, "2025-10-07T00:00:00Z", extension);
  EXPECT_EQ(before.status, Status::extended);
  EXPECT_EQ(before.extended_until, at("2025-10-07T12:00:00Z"));
  EXPECT_EQ(status_of({}, "2025-10-07T12:00:01Z", extension).status, Status::missing);
}

TEST(LedgerStatus, ExcusedWinsOverMissingAndKeepsVersions) {
  const std::vector<judge::Excusal> excused{{"2", "slides", k_oct7_lecture}};
  EXPECT_EQ(status_of({}, "2025-12-01T00:00:00Z", {}, excused).status, Status::excused);
  const auto row =
      status_of({version(4, "2025-10-09T00:00:00Z")}, "2025-12-01T00:00:00Z", {}, excused);
  EXPECT_EQ(row.status, Status::excused);
  EXPECT_EQ(row.versions.size(), 1u);
}

TEST(LedgerStatus, OtherGroupsAndLecturesDoNotCount) {
  judge::Version other_group = version(1, "2025-10-06T10:00:00Z");
  other_group.group = "3";
  judge::Version other_lecture = version(2, "2025-10-06T10:00:00Z");
  other_lecture.lecture =
      rules::Date{std::chrono::year{2025}, std::chrono::month{10}, std::chrono::day{9}};
  EXPECT_EQ(status_of({other_group, other_lecture}, "2025-10-08T00:00:00Z").status,
            Status::missing);
}

TEST(LedgerStatus, GraceExtendsTheOnTimeWindow) {
  auto instance = slides();
  instance.grace = core::Seconds{300};
  const auto rows = judge::ledger_status({instance}, {version(1, "2025-10-06T14:35:00Z")}, {}, {},
                                         at("2025-10-08T00:00:00Z"));
  EXPECT_EQ(rows.at(0).status, Status::on_time);
}

TEST(LedgerStatus, StatusNamesRoundTrip) {
  for (auto s : {Status::pending, Status::on_time, Status::late, Status::missing, Status::extended,
                 Status::excused, Status::needs_review})
    EXPECT_EQ(judge::parse_status(judge::to_string(s)), s);
  EXPECT_FALSE(judge::parse_status("on_time"));
}

TEST(LedgerStatus, AHeldVersionAloneIsNeedsReviewWithItsVerdictFromInternalDate) {
  // T3: the only version arrived with an arrival mismatch (held for review). Staff see
  // needs-review, not on-time, and the version it is about, late by 1 min by INTERNALDATE.
  auto held = version(1, "2025-10-06T14:31:00Z");
  held.held = true;
  const auto row = status_of({held}, "2025-10-08T00:00:00Z");
  EXPECT_EQ(row.status, Status::needs_review);
  EXPECT_EQ(judge::to_string(row.status), "needs-review");
  ASSERT_TRUE(row.counting);
  EXPECT_EQ(row.counting->mail_id, 1);
  EXPECT_EQ(row.counting->verdict, deadline::Verdict::late);
  EXPECT_EQ(row.counting->late_by, core::Seconds{60});
}

TEST(LedgerStatus, AHeldVersionNeverReplacesOneThatCounts) {
  // v1 late and clean; v2 on time but held: v1 still counts, v2 is listed.
  auto held = version(2, "2025-10-06T10:00:00Z");
  held.held = true;
  const auto row = status_of({version(1, "2025-10-06T15:00:00Z"), held}, "2025-10-08T00:00:00Z");
  EXPECT_EQ(row.status, Status::late);
  ASSERT_TRUE(row.counting);
  EXPECT_EQ(row.counting->mail_id, 1);
  ASSERT_EQ(row.versions.size(), 2u);
  EXPECT_TRUE(row.versions[0].held);
}

TEST(LedgerStatus, AnUnauthenticatedLaterVersionNeverSupersedesAnAuthenticatedOne) {
  // S4: group 2 sends slides on time with an aligned DKIM pass; later, still on time, a
  // mail from its address with no authentication carries other slides.
  auto real = version(1, "2025-10-05T10:00:00Z");
  real.trust = judge::SenderTrust::authenticated;
  auto forged = version(2, "2025-10-06T10:00:00Z");
  forged.trust = judge::SenderTrust::unauthenticated;
  const auto row = status_of({real, forged}, "2025-10-08T00:00:00Z");
  EXPECT_EQ(row.status, Status::on_time);
  ASSERT_TRUE(row.counting);
  EXPECT_EQ(row.counting->mail_id, 1);
  EXPECT_EQ(row.versions.size(), 2u);
}

TEST(LedgerStatus, UnauthenticatedVersionsCountWhenNothingAuthenticatedArrived) {
  // 9.4: unauthenticated roster mail is recorded and judged; alone, the latest on time counts.
  auto first = version(1, "2025-10-05T10:00:00Z");
  first.trust = judge::SenderTrust::unauthenticated;
  auto second = version(2, "2025-10-06T10:00:00Z");
  second.trust = judge::SenderTrust::unauthenticated;
  const auto row = status_of({first, second}, "2025-10-08T00:00:00Z");
  EXPECT_EQ(row.status, Status::on_time);
  ASSERT_TRUE(row.counting);
  EXPECT_EQ(row.counting->mail_id, 2);
}
