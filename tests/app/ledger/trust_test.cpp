// Sender trust and arrival checks: an arrival mismatch is needs-review with the verdict from
// INTERNALDATE (T3); an unauthenticated later version never supersedes an authenticated
// one (S4); forgeries draw on their own reply budget (S7); `check --config` lists the
// authserv-ids it saw (S8); replay --config applies the same checks as run.
#include "app/ledger/fixture.hpp"
#include "pipeline/engine.hpp"
#include "support/test_clock.hpp"

using namespace mailroom;
using test::at;

namespace {

// A slides mail for the Oct 7 lecture from Ada (group 1), with `trace` on top.
std::string slides_mail(const std::string& trace, const std::string& id) {
  return trace +
         "From: Ada Lovelace <ada@example.edu>\r\nTo: staff@example.edu\r\n"
         "Subject: Slides for Oct 7\r\nMessage-ID: <" +
         id + "@example.edu>\r\n\r\nOur slides: https://docs.google.com/presentation/d/" + id +
         "/edit\r\n";
}

const std::string k_dkim_pass =
    "Authentication-Results: mx.example.edu; dkim=pass header.d=example.edu; dmarc=pass "
    "header.from=example.edu\r\n";

pipeline::ReplyPlan reply_plan() {
  pipeline::ReplyPlan plan;
  for (const char* name : reply::k_template_names)
    plan.templates[name] = "Hello.\n";
  plan.from = "staff@example.edu";
  plan.gates.own_domain = "mailroom.demo-f25.invalid";
  plan.gates.own_address = "staff@example.edu";
  return plan;
}

// The engine, as the daemon runs it, on the fixture's state folder.
struct Desk {
  test::LedgerFixture& fixture;
  rules::Course course = test::demo_course();
  ledger::SqliteLedger ledger = fixture.open();
  archive::Archive archive{fixture.state / "archive"};
  pipeline::ReplyPlan plan = reply_plan();
  test::TestClock clock;
  pipeline::Engine ingest{ledger, archive, clock};

  explicit Desk(test::LedgerFixture& f) : fixture(f) {
    EXPECT_TRUE(archive.open());
    ingest.set_replies(&plan);
  }

  judge::Decision take(const std::string& source, const std::string& raw, const char* received) {
    const auto when = at(received);
    clock.set(when + std::chrono::minutes{1});
    auto taken = ingest.take({source, source, when, raw}, course);
    EXPECT_TRUE(taken) << taken.error().to_string();
    return taken ? taken->decision : judge::Decision{};
  }

  std::vector<pipeline::ReplyRow> replies_of(pipeline::Id mail_id) {
    std::vector<pipeline::ReplyRow> out;
    const auto rows = ledger.replies();
    EXPECT_TRUE(rows);
    for (const auto& row : rows.value_or(std::vector<pipeline::ReplyRow>{}))
      if (row.mail_id == mail_id)
        out.push_back(row);
    return out;
  }
};

} // namespace

TEST(LedgerTrust, AnArrivalMismatchIsNeedsReviewWithTheVerdictFromInternalDate) {
  // T3a over IMAP: our MX received the mail at 13:51Z (on time by the Received), but its
  // INTERNALDATE is 14:31Z, 1 min after the slides were due and 40 min after the Received.
  test::LedgerFixture fixture;
  Desk desk(fixture);
  desk.ingest.check_arrival(std::chrono::minutes{15});
  const auto decision = desk.take(
      "imap://127.0.0.1/INBOX;UIDVALIDITY=1;UID=1",
      slides_mail("Received: from mail-a.example.org (mail-a.example.org [192.0.2.1]) "
                  "by mx.example.edu with ESMTPS id 1; Mon, 6 Oct 2025 13:51:00 +0000\r\n",
                  "t3"),
      "2025-10-06T14:31:00Z");
  EXPECT_EQ(decision.classification.kind, "needs-review");
  EXPECT_EQ(decision.classification.deliverable, "slides");
  EXPECT_EQ(decision.reply, judge::ReplyKind::none);

  // What staff see: the instance is needs-review, about mail 1, late by 60 s by INTERNALDATE.
  const auto rows = fixture.ledger_json("2025-10-08T00:00:00Z");
  const auto& row = rows.at("slides@2025-10-07/1");
  EXPECT_EQ(row->getValue<std::string>("status"), "needs-review");
  EXPECT_EQ(row->getValue<std::string>("received_at"), "2025-10-06T14:31:00Z");
  EXPECT_EQ(row->getValue<int>("late_by_seconds"), 60);
  EXPECT_EQ(row->getValue<int>("counting_mail"), 1);
  const auto versions = row->getArray("versions");
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_TRUE(versions->getObject(0)->getValue<bool>("held"));
  EXPECT_EQ(versions->getObject(0)->getValue<std::string>("verdict"), "late");

  const auto listed =
      test::mailroom("ledger --status needs-review --now 2025-10-08T00:00:00Z " + fixture.args());
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("needs-review"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("1 mail(s) need a person: 1 (arrival-check)."), std::string::npos)
      << listed.out;
  const auto shown = test::mailroom("show 1 " + fixture.args());
  EXPECT_NE(shown.out.find("Decision:  needs-review"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("-> late"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("Review:    arrival mismatch (40 min)"), std::string::npos) << shown.out;
  // No receipt or late notice claims it was accepted.
  EXPECT_TRUE(desk.replies_of(1).empty());
}

TEST(LedgerTrust, AnUnauthenticatedLaterVersionNeverSupersedesTheAuthenticatedOne) {
  // S4: Ada sends group 1's slides on time with an aligned DKIM pass; later, still on time,
  // a mail from her address with no Authentication-Results carries other slides.
  test::LedgerFixture fixture;
  Desk desk(fixture);
  desk.ingest.trust_authserv_id("mx.example.edu");
  const auto real =
      desk.take("maildir:/test/1", slides_mail(k_dkim_pass, "real"), "2025-10-05T10:00:00Z");
  EXPECT_EQ(real.classification.kind, "slides");
  const auto forged =
      desk.take("maildir:/test/2", slides_mail("", "forged"), "2025-10-06T10:00:00Z");
  EXPECT_EQ(forged.classification.kind, "needs-review");
  ASSERT_FALSE(forged.classification.review_reasons.empty());
  EXPECT_EQ(forged.classification.review_reasons.back(),
            "unverified sender: this mail's From is not authenticated, and mail 1 of group 1 is "
            "an authenticated slides for 2025-10-07; this one does not replace it");

  const auto rows = fixture.ledger_json("2025-10-08T00:00:00Z");
  const auto& row = rows.at("slides@2025-10-07/1");
  EXPECT_EQ(row->getValue<std::string>("status"), "on-time");
  EXPECT_EQ(row->getValue<int>("counting_mail"), 1);
  const auto versions = row->getArray("versions");
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ(versions->getObject(0)->getValue<std::string>("sender"), "authenticated");
  EXPECT_EQ(versions->getObject(1)->getValue<std::string>("sender"), "unauthenticated");
  EXPECT_TRUE(versions->getObject(1)->getValue<bool>("held"));
  // The real one got its receipt (Ada and Alan); the forgery nothing, no group Cc.
  EXPECT_EQ(desk.replies_of(1).size(), 2u);
  EXPECT_TRUE(desk.replies_of(2).empty());
}

TEST(LedgerTrust, TenForgeriesNeverUseUpTheRealReceipt) {
  // S7: 10 unauthenticated mails "from" Ada within an hour, then her real, authenticated
  // submission. Forgeries draw on max_unauthenticated_replies_per_day (3), sender only.
  test::LedgerFixture fixture;
  Desk desk(fixture);
  desk.ingest.trust_authserv_id("mx.example.edu");
  for (int i = 0; i < 10; ++i) {
    const auto when = fmt::format("2025-10-05T09:0{}:00Z", i);
    desk.take("maildir:/test/forged" + std::to_string(i),
              slides_mail("", "forged" + std::to_string(i)), when.c_str());
  }
  desk.take("maildir:/test/real", slides_mail(k_dkim_pass, "real"), "2025-10-05T10:00:00Z");
  int forged_queued = 0, forged_capped = 0;
  for (pipeline::Id id = 1; id <= 10; ++id)
    for (const auto& row : desk.replies_of(id)) {
      EXPECT_EQ(row.identity, "ada (unauthenticated)");
      if (row.state == "queued") {
        ++forged_queued;
        EXPECT_EQ(row.recipient, "ada@example.edu");
      } else if (row.why.starts_with("rate limit: 3 replies to ada (unauthenticated)")) {
        ++forged_capped;
      }
    }
  EXPECT_EQ(forged_queued, 3);
  EXPECT_EQ(forged_capped, 7);
  const auto real = desk.replies_of(11);
  ASSERT_EQ(real.size(), 2u);
  for (const auto& row : real) {
    EXPECT_EQ(row.state, "queued") << row.why;
    EXPECT_EQ(row.identity, "ada");
  }
}

TEST(LedgerTrust, CheckWithoutATrustedAuthservIdListsTheOnesSeenOnRecentMail) {
  // S8: the ledger's archive holds two mails stamped by mx.example.edu, one of them with a
  // forged A-R of evil.example below, and one with none.
  test::LedgerFixture fixture;
  const auto maildir = fixture.dir / "maildir";
  test::make_maildir(maildir);
  test::write_file(maildir / "new" / "1.M1.test", slides_mail(k_dkim_pass, "one"));
  test::write_file(
      maildir / "new" / "2.M2.test",
      slides_mail(k_dkim_pass + "Authentication-Results: evil.example; dkim=pass\r\n", "two"));
  test::write_file(maildir / "new" / "3.M3.test", slides_mail("", "three"));
  const auto replayed =
      test::mailroom("replay --maildir " + test::quoted(maildir) + " " + fixture.args());
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  fixture.write_maildir_term("");
  const std::string config = fixture.config();
  const auto unset = test::mailroom("check" + config);
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_NE(unset.err.find("[trust] says neither how senders are authenticated nor that they "
                           "cannot be; Authentication-Results seen on recent mail: "
                           "mx.example.edu (2), evil.example (1)"),
            std::string::npos)
      << unset.err;
  EXPECT_NE(unset.err.find("write one of these two lines under [trust]: trusted_authserv_id = "
                           "\"HOST\""),
            std::string::npos)
      << unset.err;
  EXPECT_NE(unset.err.find("or authentication = \"none\""), std::string::npos) << unset.err;

  // A site whose mail server writes no Authentication-Results says so, and passes.
  fixture.write_maildir_term("[trust]\nauthentication = \"none\"\n");
  const auto none = test::mailroom("check" + config);
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("warning: this site cannot authenticate senders: every mail is "
                          "unauthenticated (replies to its sender only, at most 3 a day"),
            std::string::npos)
      << none.out;

  fixture.write_maildir_term("[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n");
  const auto set = test::mailroom("check" + config);
  EXPECT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("trust: Authentication-Results honoured from mx.example.edu"),
            std::string::npos)
      << set.out;
}

TEST(LedgerTrust, ReplayWithAConfigAppliesTheDaemonsChecks) {
  // Replay --config and run agree: the forgery after the authenticated version is
  // needs-review in both; replay --rules alone checks nothing (no [trust]).
  test::LedgerFixture fixture;
  const auto maildir = fixture.dir / "maildir";
  test::make_maildir(maildir);
  test::write_file(maildir / "new" / "1.M1.test", slides_mail(k_dkim_pass, "real"));
  test::write_file(maildir / "new" / "2.M2.test", slides_mail("", "forged"));
  test::set_mtime(maildir / "new" / "1.M1.test",
                  at("2025-10-05T10:00:00Z").time_since_epoch().count());
  test::set_mtime(maildir / "new" / "2.M2.test",
                  at("2025-10-06T10:00:00Z").time_since_epoch().count());
  fixture.write_maildir_term("[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n");
  const std::string config = fixture.config();
  const auto replayed = test::mailroom("replay --json --maildir " + test::quoted(maildir) + config);
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  const auto second = replayed.out.substr(replayed.out.find('\n') + 1);
  EXPECT_NE(second.find("\"kind\":\"needs-review\""), std::string::npos) << replayed.out;
  EXPECT_NE(second.find("unverified sender"), std::string::npos) << replayed.out;
  EXPECT_NE(replayed.out.find("authenticated: mx.example.edu: dkim=pass"), std::string::npos)
      << replayed.out;

  const auto ran = test::mailroom("run --once" + config);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto shown = test::mailroom("show 2" + config);
  EXPECT_NE(shown.out.find("Decision:  needs-review"), std::string::npos) << shown.out;

  const auto plain = test::mailroom("replay --json --maildir " + test::quoted(maildir) +
                                    " --rules " + test::quoted(fixture.rules));
  EXPECT_EQ(plain.out.find("needs-review"), std::string::npos) << plain.out;
}

TEST(LedgerTrust, TheUnauthenticatedBudgetIsAConfigKey) {
  // [replies] max_unauthenticated_replies_per_day through `mailroom run --once`: three
  // forgeries "from" Ada today, a budget of one.
  test::LedgerFixture fixture;
  const auto maildir = fixture.dir / "maildir";
  test::make_maildir(maildir);
  for (int i = 1; i <= 3; ++i)
    test::write_file(maildir / "new" / fmt::format("{}.M{}.test", i, i),
                     slides_mail("", fmt::format("forged{}", i)));
  fixture.write_maildir_term("[replies]\nmax_unauthenticated_replies_per_day = "
                             "1\n[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n");
  const auto ran = test::mailroom("run --once" + fixture.config());
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  auto ledger = fixture.open();
  const auto rows = ledger.replies();
  ASSERT_TRUE(rows);
  int answered = 0, capped = 0;
  for (const auto& row : *rows) {
    EXPECT_EQ(row.identity, "ada (unauthenticated)");
    if (row.state == "suppressed")
      capped += row.why.starts_with("rate limit: 1 replies to ada (unauthenticated)") ? 1 : 0;
    else
      ++answered;
  }
  EXPECT_EQ(answered, 1); // to Ada only, no group Cc
  EXPECT_EQ(capped, 2);
}

TEST(LedgerTrust, ReprocessKeepsTheHoldsOfTheArrivalAndSenderChecks) {
  // A mail held for an arrival mismatch (T3) and a forgery held behind the authenticated
  // version (S4) stay held when staff reprocess: with --config the checks run again, and
  // without it the outcome of the checks made at ingest is kept.
  test::LedgerFixture fixture;
  {
    Desk desk(fixture);
    desk.ingest.check_arrival(std::chrono::minutes{15});
    desk.ingest.trust_authserv_id("mx.example.edu");
    desk.take("maildir:/test/1", slides_mail(k_dkim_pass, "real"), "2025-10-05T10:00:00Z");
    desk.take("maildir:/test/2", slides_mail("", "forged"), "2025-10-06T10:00:00Z");
    desk.take("imap://127.0.0.1/INBOX;UIDVALIDITY=1;UID=3",
              slides_mail("Received: from mail-a.example.org (mail-a.example.org [192.0.2.1]) "
                          "by mx.example.edu with ESMTPS id 1; Mon, 6 Oct 2025 13:51:00 +0000\r\n" +
                              k_dkim_pass,
                          "t3"),
              "2025-10-06T14:31:00Z");
  }
  const auto held = [&](const std::string& when) {
    auto mails = fixture.open().mails();
    ASSERT_TRUE(mails && mails->size() == 3u) << when;
    EXPECT_EQ((*mails)[0].kind, "slides") << when;
    EXPECT_EQ((*mails)[1].kind, "needs-review") << when;
    EXPECT_TRUE(std::ranges::any_of((*mails)[1].review_reasons, [](const std::string& reason) {
      return reason.starts_with("unverified sender: ");
    })) << when;
    EXPECT_EQ((*mails)[2].kind, "needs-review") << when;
    EXPECT_TRUE(std::ranges::any_of((*mails)[2].review_reasons, [](const std::string& reason) {
      return reason.starts_with("arrival mismatch (40 min)");
    })) << when;
    EXPECT_EQ((*mails)[2].verdict, "late") << when;
  };
  held("after ingest");

  const auto carried = test::mailroom("reprocess " + fixture.args());
  ASSERT_EQ(carried.exit_code, 0) << carried.err;
  EXPECT_NE(carried.out.find("Re-judged 3 mail(s), 0 decision(s) changed"), std::string::npos)
      << carried.out;
  held("after reprocess --state --rules");

  fixture.write_maildir_term("[trust]\ntrusted_authserv_id = \"mx.example.edu\"\n");
  const auto checked = test::mailroom("reprocess" + fixture.config());
  ASSERT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_NE(checked.out.find("Re-judged 3 mail(s), 0 decision(s) changed"), std::string::npos)
      << checked.out;
  held("after reprocess --config");
}

namespace {

// A slides mail for the Oct 7 lecture of group 1 from `from` ("Name <address>").
std::string slides_from(const std::string& from, const std::string& id) {
  return "From: " + from +
         "\r\nTo: staff@example.edu\r\nSubject: Slides for Oct 7\r\nMessage-ID: <" + id +
         "@example.edu>\r\n\r\nOur slides: https://docs.google.com/presentation/d/" + id +
         "/edit\r\n";
}

std::vector<pipeline::ReplyRow> replaced_notes(Desk& desk, pipeline::Id mail_id) {
  auto rows = desk.replies_of(mail_id);
  std::erase_if(rows, [](const pipeline::ReplyRow& row) { return row.kind != "replaced"; });
  return rows;
}

} // namespace

TEST(LedgerTrust, AReplacementFromAnotherAddressTellsTheEarlierSenderWithinTheCap) {
  // No [trust]: every mail is unauthenticated. Ada's slides, then a
  // version "from" Alan (a forgery, for all mailroom can tell) replaces them: Ada is told,
  // on her unauthenticated budget. They take turns; each replacement tells the other, until
  // Ada's budget of 3 (her own receipts and the notes together) is used up.
  test::LedgerFixture fixture;
  Desk desk(fixture);
  // As the daemon runs with no trusted_authserv_id: checked, and nothing authenticated.
  desk.ingest.set_checks({std::nullopt, std::string{}});
  const std::string ada = "Ada Lovelace <ada@example.edu>";
  const std::string alan = "Alan Turing <alan@example.edu>";
  desk.take("maildir:/test/ada1", slides_from(ada, "ada1"), "2025-10-05T09:00:00Z");
  EXPECT_TRUE(replaced_notes(desk, 1).empty());
  desk.take("maildir:/test/alan1", slides_from(alan, "alan1"), "2025-10-05T09:10:00Z");
  auto notes = replaced_notes(desk, 2);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].state, "queued") << notes[0].why;
  EXPECT_EQ(notes[0].recipient, "ada@example.edu");
  EXPECT_EQ(notes[0].identity, "ada (unauthenticated)");
  EXPECT_NE(notes[0].message.find("In-Reply-To: <ada1@example.edu>"), std::string::npos);
  // The forger's own receipt goes to the From it claimed, alone.
  for (const auto& row : desk.replies_of(2)) {
    if (row.kind != "replaced") {
      EXPECT_EQ(row.recipient, "alan@example.edu");
    }
  }
  // Ada sends again: Alan's version is replaced, and he is told.
  desk.take("maildir:/test/ada2", slides_from(ada, "ada2"), "2025-10-05T09:20:00Z");
  notes = replaced_notes(desk, 3);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].recipient, "alan@example.edu");
  // Ada has had 3 replies in 24 h (ada1's receipt, alan1's note, ada2's receipt): the
  // next note to her is held back by the cap and says so.
  desk.take("maildir:/test/alan2", slides_from(alan, "alan2"), "2025-10-05T09:30:00Z");
  notes = replaced_notes(desk, 4);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].state, "suppressed");
  EXPECT_TRUE(notes[0].why.starts_with("rate limit: 3 replies to ada (unauthenticated)"))
      << notes[0].why;
}

TEST(LedgerTrust, TheSameAddressReplacingItsOwnVersionSendsNoNote) {
  test::LedgerFixture fixture;
  Desk desk(fixture);
  const std::string ada = "Ada Lovelace <ada@example.edu>";
  desk.take("maildir:/test/ada1", slides_from(ada, "ada1"), "2025-10-05T09:00:00Z");
  desk.take("maildir:/test/ada2", slides_from(ada, "ada2"), "2025-10-05T09:10:00Z");
  desk.take("maildir:/test/ada3", slides_from("ADA LOVELACE <ada@example.edu>", "ada3"),
            "2025-10-05T09:20:00Z");
  for (pipeline::Id id = 1; id <= 3; ++id)
    EXPECT_TRUE(replaced_notes(desk, id).empty()) << "mail " << id;
  EXPECT_FALSE(desk.replies_of(2).empty()); // its own receipt still goes
}

TEST(LedgerTrust, WithTrustAForgedVersionReplacesNothingAndTellsNoOne) {
  // With [trust], an unauthenticated version beside an authenticated one is held: it
  // replaces nothing, so there is nothing to tell.
  test::LedgerFixture fixture;
  Desk desk(fixture);
  desk.ingest.trust_authserv_id("mx.example.edu");
  desk.take("maildir:/test/real", slides_mail(k_dkim_pass, "real"), "2025-10-05T09:00:00Z");
  desk.take("maildir:/test/forged", slides_from("Alan Turing <alan@example.edu>", "forged"),
            "2025-10-05T09:10:00Z");
  EXPECT_TRUE(replaced_notes(desk, 2).empty());
}
