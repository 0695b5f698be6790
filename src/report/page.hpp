#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "judge/ledger_view.hpp"
#include "pipeline/records.hpp"
#include "rules/course.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

// The term at a glance: one HTML page of groups against deliverable instances, built
// from what the ledger holds. Pure: the caller reads the ledger and writes the file.
namespace mailroom::report {

// Everything the page is made of, as the ledger and the rules hold it.
struct Term {
  const rules::Course* course = nullptr;
  std::vector<judge::InstanceStatus> statuses; // judge::ledger_status, in due order
  std::vector<pipeline::MailRow> mails;
  std::map<pipeline::Id, std::vector<pipeline::AttachmentRow>> attachments; // by mail id
  std::vector<pipeline::ExtensionRow> extensions;
  std::vector<pipeline::ExcusalRow> excusals;
  std::vector<pipeline::AuditRow> audit;
  std::string ledger_path; // shown on the page: which ledger it was made from
  core::Instant made_at;   // when the page was made
  core::Instant as_of;     // the time statuses are judged at (usually made_at)
};

struct FileLine {
  std::string name; // as the mail named it
  std::string content_type;
  std::string size; // "95 bytes", "1.2 MB"
  std::string sha256;
};

struct VersionLine {
  pipeline::Id mail_id = 0;
  std::string received; // course time
  std::string verdict;  // "on time", "late by 2 h 0 min"
  std::string standing; // "counts", "held for review", "does not count"
  std::string from;
  std::string subject;
  std::vector<FileLine> files;
  std::vector<std::string> links;
  std::vector<std::string> warnings; // the content checks' findings, one line each
};

struct AuditLine {
  pipeline::Id id = 0;
  std::string at; // course time
  std::string who;
  std::string action;
  std::string what;
  std::string reason;
};

// One group's standing on one deliverable instance.
struct Cell {
  std::string group;
  bool owed = false; // false: the group does not owe this instance (an empty grid cell)
  judge::Status status = judge::Status::pending;
  std::string status_name; // "on-time", ... (judge::to_string): the CSS class
  std::string words;       // "on time", "late by 1 min", "extended to Wed Sep 17, 6:00 PM EDT"
  std::string received;    // of the version that counts; empty when none
  std::string anchor;      // the id of its details on the page
  std::string due;         // course time
  std::string extended_until;
  bool excused = false;
  std::vector<VersionLine> versions;
  std::vector<AuditLine> audit;
};

// One deliverable instance (a row of the grid): a cell per group, in roster order.
struct InstanceRow {
  std::string deliverable;
  std::string title;   // "Presentation slides"
  std::string lecture; // "Tue Sep 16 (Pre-Training)", empty when not per lecture
  std::string due;     // course time
  std::vector<Cell> cells;
};

// A mail that needs a person: needs-review (held or not understood), an unknown sender,
// or one that could not be read fully.
struct ReviewItem {
  pipeline::Id mail_id = 0;
  std::string why; // "needs review", "held for review", "unknown sender", "unreadable"
  std::string received;
  std::string from;
  std::string subject;
  std::vector<std::string> reasons; // the ledger's review reasons and parse errors
  std::string anchor;               // the cell it is a version of, when it is one
};

struct StatusCount {
  std::string status_name;
  std::string words;
  std::size_t count = 0;
};

struct Page {
  std::string course_name;
  std::string term;
  std::string zone;
  std::string made_at;     // course time
  std::string made_at_utc; // ISO 8601
  std::string as_of;       // course time
  std::string ledger_path;
  std::vector<std::string> groups;
  std::vector<InstanceRow> rows;
  std::size_t unassigned = 0; // instances no group is assigned to yet (not in the grid)
  std::vector<ReviewItem> review;
  std::vector<StatusCount> counts; // every status, in a fixed order, with how many cells
  std::vector<AuditLine> audit;    // every staff change, oldest first
};

// The page model: a row per deliverable instance that some group owes, in due order
// (instances of one deliverable and lecture share a row), a cell per roster group; the
// review queue (oldest first); every staff change placed on its cell (an extension or
// excusal by its audit row, a reclassification by its mail).
[[nodiscard]] Page make_page(const Term& term);

// The page rendered from `template_text` (kainjow mustache; everything is escaped by
// `{{ }}`). A Problem when the template does not parse.
[[nodiscard]] core::Result<std::string> render_html(const Page& page,
                                                    const std::string& template_text);

// The words a status is shown with: "on time", "needs review", ...
[[nodiscard]] std::string status_words(judge::Status status);

} // namespace mailroom::report
