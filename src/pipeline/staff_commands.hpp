#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "message/facts.hpp"
#include "pipeline/records.hpp"
#include "reply/staff_answer.hpp"
#include "rules/course.hpp"

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Staff commands by mail: the grammar, where a command sits in a mail, and the port that
// carries one out. The engine (Engine::take) recognises a command mail before judgement;
// a command mail is never judged as a submission.
namespace mailroom::pipeline {

enum class StaffVerb { extend, excuse, reclassify, dismiss, ledger, review, status, help };

// One command as staff wrote it, read by parse_staff_command.
struct StaffCommand {
  StaffVerb verb = StaffVerb::help;
  std::string line;   // the command as written, to quote in the answer
  std::string group;  // extend, excuse; ledger's and reclassify's optional "group G"
  std::string target; // DELIVERABLE[@LECTURE]: extend, excuse, reclassify's "as"
  std::string until;  // extend "until TIME": a time as `mailroom extend --until` takes it
  std::optional<core::Seconds> plus; // extend "+DURATION": past the instance's own due time
  bool revoke = false;               // extend/excuse ... revoke
  bool earlier = false;              // extend ... earlier
  Id mail_id = 0;                    // reclassify, dismiss
  std::string reason;
};

// A line that starts with a command's word but does not follow its form.
struct CommandError {
  std::string what; // what is wrong, in words
  std::string form; // the right form of that command (staff_command_form)
};

// Reads one command line: a verb (any letter case) and its words. Pure.
[[nodiscard]] std::expected<StaffCommand, CommandError> parse_staff_command(std::string_view line);

// The verb a line starts with, when its first word is one.
[[nodiscard]] std::optional<StaffVerb> staff_verb_of(std::string_view line);

// "extend GROUP DELIVERABLE[@LECTURE] until TIME|+DURATION [earlier] reason TEXT", ...
[[nodiscard]] std::string staff_command_form(StaffVerb verb);

// Every form, with a line on what each does and an example: the answer to `help`.
[[nodiscard]] std::string staff_command_grammar();

// The line of a mail that holds a command: its subject when it starts with a command's
// word, else the first of its first three non-empty text lines that does. Nullopt for
// mail that names no command, and for automated mail (an auto-reply quoting a command
// must never run it). Pure.
[[nodiscard]] std::optional<std::string> staff_command_line(const message::MessageFacts& facts);

// Whether `facts` is a command mail of `course`: it has a command line, the course has a
// staff list, and the sender is on it or the line is a well-formed command (a student's
// "status of my slides?" is not a command; a well-formed one from a stranger is refused
// and recorded for review, never judged). Pure.
[[nodiscard]] std::optional<std::string> command_mail_line(const message::MessageFacts& facts,
                                                           const rules::Course& course);

// Who sent a command, as the audit trail records it.
struct StaffCaller {
  std::string name;       // from staff.csv
  std::string address;    // the authenticated From
  std::string message_id; // of the command mail
  std::string sha256;     // of the command mail's raw bytes
  core::Instant at;       // when it was carried out
};

// What carrying out a command did, in words for the answer.
struct StaffAnswer {
  bool done = false; // false: refused, nothing changed; `text` says why and the form
  std::string text;
  std::optional<reply::AnswerFile> file; // the ledger's CSV, the term's page
};

// Where commands are carried out (desk::LedgerDesk over the ledger). Each change it makes
// is audited with the caller's address and Message-ID, in the change's own transaction.
class StaffDesk {
public:
  virtual ~StaffDesk() = default;
  // Whether a command mail with this Message-ID or these bytes was carried out already
  // (a replay): the audit row that says so.
  [[nodiscard]] virtual core::Result<std::optional<Id>> already_run(const StaffCaller& caller) = 0;
  // Carries out `command` as `caller`. A refusal (no such group, a deadline in the
  // past, ...) is an answer, not a Problem; a Problem is a ledger that cannot be read
  // or written.
  [[nodiscard]] virtual core::Result<StaffAnswer> run(const StaffCommand& command,
                                                      const StaffCaller& caller) = 0;
};

} // namespace mailroom::pipeline
