#pragma once

#include "judge/ledger_view.hpp"
#include "pipeline/records.hpp"

#include <vector>

namespace mailroom::pipeline {

// The versions the ledger holds, for judge::ledger_status: every mail whose
// decision in force (a staff reclassification first, else the classifier's) names a
// deliverable and a group, with its sender's trust from its signals. A needs-review mail
// whose best guess names a deliverable of the course and a group (judged all the same:
// an arrival mismatch, an unverified sender; or unclear to the classifier) is a held
// version, so its instance shows needs-review until staff settle it; non-submissions,
// unknown senders and the mails in `dismissed` are not versions of anything.
[[nodiscard]] std::vector<judge::Version> versions_of(const std::vector<MailRow>& mails,
                                                      const rules::Course& course,
                                                      const std::vector<Id>& dismissed = {});

// Why a mail is on the review queue.
enum class ReviewReason {
  needs_review,      // the classifier could not tell
  arrival_check,     // held: INTERNALDATE and Received disagree, or no SMTP trace
  unverified_sender, // held: unauthenticated From beside an authenticated version
  unknown_sender,    // From is not on the roster
  question,          // a student asked something; no reply goes out by itself
  unreadable,        // parse errors or exceeded limits
  bounce,            // a reply to this mail bounced
  staff_command,     // a staff command by mail that was refused (not on staff.csv, unauthenticated)
  failed,            // it stopped the daemon twice: archived as it came, never read
};

// One entry of the review queue: a mail that needs a person, and the commands that
// settle it (the reclassify/dismiss/excuse command lines, without the location options).
struct ReviewItem {
  Id mail_id = 0;
  core::Instant at; // the mail's arrival; for a bounce, when the reply went out
  std::string from;
  std::string subject;
  ReviewReason reason = ReviewReason::needs_review;
  std::string why; // in words, from the mail's review reasons or the bounce
  std::vector<std::string> settle;
};

// Every mail that needs a person, oldest first: needs-review (with why it was held),
// unknown senders, questions, mails that could not be read fully, and mails whose
// reply bounced. A mail staff reclassified or dismissed is settled and not listed. Pure.
[[nodiscard]] std::vector<ReviewItem> review_queue(const std::vector<MailRow>& mails,
                                                   const std::vector<ReplyRow>& replies,
                                                   const std::vector<Id>& dismissed,
                                                   const rules::Course& course);

// "needs-review", "arrival-check", "unverified-sender", "unknown-sender", "question",
// "unreadable", "bounce", "staff-command", "failed".
[[nodiscard]] std::string to_string(ReviewReason reason);
[[nodiscard]] std::vector<judge::Extension> extensions_of(const std::vector<ExtensionRow>& rows);
[[nodiscard]] std::vector<judge::Excusal> excusals_of(const std::vector<ExcusalRow>& rows);

} // namespace mailroom::pipeline
