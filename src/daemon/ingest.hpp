#pragma once

#include "archive/archive.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "mailbox/mailbox.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/decision.hpp"
#include "reply/compose.hpp"
#include "reply/gates.hpp"
#include "rules/course.hpp"

#include <chrono>
#include <optional>

namespace mailroom::daemon {

enum class Taken { recorded, known };

// How replies are made: templates, the gates, the cap. Without a plan nothing is
// enqueued (replay, tests).
struct ReplyPlan {
  reply::Templates templates;
  reply::GatePolicy gates;
  std::string from;     // the course address
  std::string reply_to; // staff
  reply::Recipients recipients = reply::Recipients::sender_and_group;
  int max_per_student_per_day = 10;
  // Replies to mail whose From fails a configured trusted_authserv_id count against a
  // budget of their own per student, so forgeries never use up the real one (S7).
  int max_unauthenticated_replies_per_day = 3;
};

struct IngestOutcome {
  Taken taken = Taken::recorded;
  ledger::Id mail_id = 0;
  pipeline::Decision decision; // empty when the mail was known
};

// Takes one raw mail into the state folder, exactly once: skip a known source; parse;
// archive the raw bytes and attachments (fsync'ed) before any decision is recorded;
// decide; record. A mail that fails to parse is still recorded, with its errors.
class Ingest {
public:
  Ingest(ledger::SqliteLedger& ledger, const archive::Archive& archive,
         const ReplyPlan* replies = nullptr)
      : m_ledger(ledger), m_archive(archive), m_replies(replies) {}

  // Cross-check each IMAP mail's INTERNALDATE against its topmost Received field and hold
  // a judged deliverable with a difference over `limit` (or no SMTP trace) for review
  // (pipeline/arrival.hpp).
  void check_arrival(std::chrono::seconds limit) { m_checks.arrival_limit = limit; }
  // Record in each decision's signals whether its From is authenticated by
  // Authentication-Results from `authserv_id` (pipeline/authentication.hpp), and hold an
  // unauthenticated version of an instance the ledger has an authenticated version of
  // (pipeline::hold_if_unverified).
  void trust_authserv_id(std::string authserv_id) { m_checks.authserv_id = std::move(authserv_id); }

  [[nodiscard]] core::Result<IngestOutcome> take(const mailbox::RawMail& mail,
                                                 const rules::Course& course, core::Instant now);

private:
  ledger::SqliteLedger& m_ledger;
  const archive::Archive& m_archive;
  const ReplyPlan* m_replies;
  pipeline::TrustChecks m_checks;
};

// The reply a decision leads to, ready for the outbox: composed, or suppressed with
// why (the gates of reply::suppression). Nullopt when the decision calls for no reply
// and nothing about it is worth a row (not a submission, unknown sender). A reply to
// unauthenticated mail goes to the sender only and counts against the identity
// "UNIQNAME (unauthenticated)" with max_unauthenticated_replies_per_day. Its Message-ID
// is made of the reply kind and the mail's hash, then `unique_suffix` (a re-decision's
// reply names its decision there, so it never shares the first reply's Message-ID).
[[nodiscard]] std::optional<ledger::OutgoingReply>
outgoing_reply(const pipeline::Decision& decision, const rules::Course& course,
               const ReplyPlan& plan, core::Instant now, std::string_view unique_suffix = {});

} // namespace mailroom::daemon
