#pragma once

#include "archive/archive.hpp"
#include "deadline/deadline.hpp"
#include "judge/decision.hpp"
#include "judge/ledger_view.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "message/transfer.hpp"
#include "support/course_fixture.hpp"
#include "support/files.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

namespace mailroom::test {

inline core::Instant at(const char* iso) {
  return *core::parse_iso(iso);
}

// A made-up mail `name` (source maildir:/test/NAME, Message-ID <NAME@example.edu>) that
// arrived `when`, with nothing decided yet.
inline judge::Decision decision_named(const std::string& name, const char* when) {
  judge::Decision decision;
  decision.source = "maildir:/test/" + name;
  decision.file = name;
  decision.received_at = at(when);
  decision.facts.message_id = "<" + name + "@example.edu>";
  return decision;
}

// The ledger row of `decision`'s mail, whose bytes are `raw` (not archived).
inline pipeline::NewMail new_mail(const judge::Decision& decision, const std::string& raw) {
  return {decision.source,
          decision.file,
          decision.received_at,
          message::sha256_hex(raw),
          static_cast<std::int64_t>(raw.size()),
          "archive/none.eml",
          {}};
}

// A state folder and the demo course's rules folder (tests/support/course_fixture.hpp:
// slides of group 1 for Oct 7 due Mon Oct 6 14:30Z; summary of group 2 due Wed Oct 8
// 16:00Z; proposal of every group due Sep 19 03:59:59Z).
struct LedgerFixture {
  TempDir dir;
  std::filesystem::path rules = dir / "rules";
  std::filesystem::path state = dir / "state";

  LedgerFixture() { write_demo_rules(rules); }

  [[nodiscard]] std::string args() const {
    return "--state " + quoted(state) + " --rules " + quoted(rules);
  }

  // Writes term.toml for a term on the Maildir maildir/ beside rules/ and state/: `more`
  // follows its [mailbox] url (more [mailbox] keys first, then other tables).
  void write_maildir_term(const std::string& more) const {
    const std::string head =
        "rules = \"rules\"\nstate_dir = \"state\"\n[mailbox]\nurl = \"maildir:maildir\"\n";
    write_file(dir / "term.toml", head + more);
  }

  // " --config term.toml", to end a command line.
  [[nodiscard]] std::string config() const { return " --config " + quoted(dir / "term.toml"); }

  [[nodiscard]] ledger::SqliteLedger open() const {
    auto opened = ledger::SqliteLedger::open(state, ledger::OpenMode::create);
    if (!opened)
      ADD_FAILURE() << opened.error().to_string();
    return std::move(*opened);
  }

  // Records a mail as if the classifier had called it `kind` of `group` for
  // `lecture` (empty: none), judged against `due`. Returns its id.
  pipeline::Id record(const std::string& name, const std::string& kind, const std::string& lecture,
                      const std::string& group, const char* received, const char* due) const {
    auto decision = decision_named(name, received);
    decision.facts.subject = kind + " from group " + group;
    decision.facts.from.push_back({"Ada Lovelace", "ada@example.edu"});
    decision.classification.kind = kind;
    decision.classification.deliverable = kind;
    if (!lecture.empty())
      decision.classification.lecture = judge::parse_iso_date(lecture);
    decision.classification.group = group;
    decision.classification.confidence = 0.9;
    decision.classification.signals = {"subject names " + kind};
    decision.due = at(due);
    decision.judgement = deadline::judge(at(due), core::Seconds{0}, at(received));
    decision.reply = decision.judgement->verdict == deadline::Verdict::on_time
                         ? judge::ReplyKind::receipt
                         : judge::ReplyKind::late_notice;
    const auto mail =
        new_mail(decision, "Subject: " + decision.facts.subject + "\r\n\r\n" + name + "\r\n");
    auto ledger = open();
    auto recorded = ledger.record(mail, decision, at("2025-12-01T00:00:00Z"));
    if (!recorded) {
      ADD_FAILURE() << recorded.error().to_string();
      return 0;
    }
    return recorded->mail_id;
  }

  // `mailroom ledger --json --now NOW` as records keyed by "deliverable@lecture/group".
  [[nodiscard]] std::map<std::string, Poco::JSON::Object::Ptr>
  ledger_json(const std::string& now) const {
    const auto ran = mailroom("ledger --json --now " + now + " " + args());
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    return ledger_rows(ran.out);
  }

  [[nodiscard]] std::string status(const std::string& now, const std::string& key) const {
    const auto rows = ledger_json(now);
    const auto it = rows.find(key);
    if (it == rows.end()) {
      ADD_FAILURE() << "no ledger row " << key;
      return "";
    }
    return it->second->getValue<std::string>("status");
  }
};

} // namespace mailroom::test
