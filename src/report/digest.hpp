#pragma once

#include "core/problem.hpp"
#include "pipeline/scheduled.hpp"
#include "report/page.hpp"
#include "schedule/compose.hpp"
#include "schedule/plan.hpp"

#include <string>
#include <vector>

// The daily digest to staff: what happened in the last 24 hours and what comes in the
// next 48, from the same view of the ledger as the page. Pure: the caller reads the
// ledger, renders the page and queues the mail.
namespace mailroom::report {

// How far back "arrived" looks and how far ahead "due soon" looks.
inline constexpr core::Seconds k_digest_since{24 * 3600};
inline constexpr core::Seconds k_digest_ahead{48 * 3600};

struct ArrivalLine {
  pipeline::Id mail_id = 0;
  std::string received; // course time
  std::string from;
  std::string subject;
  std::string what; // "slides Tue Oct 7, Group 3, on time", "needs-review", ...
};

struct StandingLine {
  std::string what;  // "Presentation slides for Tue Oct 7"
  std::string group; // "3"
  std::string words; // "late by 2 h", "missing since Mon Oct 6, 10:30 AM EDT"
};

struct DueSoonLine {
  std::string what; // "Presentation slides for Thu Oct 9"
  std::string due;  // course time
  std::vector<std::string> groups_owing;
  std::vector<std::string> groups_with_nothing; // owe it and sent nothing yet
};

struct Digest {
  std::string course_name;
  std::string term;
  std::string day;     // "Tue Oct 7"
  std::string as_of;   // course time
  std::string planned; // when it was due, course time
  bool late = false;
  std::vector<ArrivalLine> arrived;
  std::vector<StandingLine> late_items;
  std::vector<StandingLine> missing;
  std::vector<ReviewItem> review;
  std::vector<DueSoonLine> due_soon;
};

// The digest of `term` (its statuses judged as of term.as_of, the digest's time) for
// the day `due` names.
[[nodiscard]] Digest make_digest(const Term& term, const schedule::DigestDue& due);

// The digest's text from `template_text` (kainjow mustache). A Problem when the template
// does not parse.
[[nodiscard]] core::Result<std::string> render_digest(const Digest& digest,
                                                      const std::string& template_text);

// The digest mail to `to`: the text rendered from `template_text`, the CSV export
// (ledger.csv) and the page `page_html` (term.html) attached. Outside the per-student
// reply caps (staff are not students); the relay's send limits still hold it.
[[nodiscard]] core::Result<pipeline::ScheduledMail>
digest_mail(const Term& term, const schedule::DigestDue& due, const std::vector<std::string>& to,
            const std::string& template_text, const std::string& page_html,
            const schedule::SendAs& as);

} // namespace mailroom::report
