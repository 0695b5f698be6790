#include "classify/classification.hpp"
#include "core/fault.hpp"
#include "judge/authentication.hpp"
#include "pipeline/engine.hpp"

#include <fmt/format.h>

namespace mailroom::pipeline {

namespace {

// An answer to one staff member is counted against their own budget: a loop between two
// desks, or a flood of commands, stops there.
constexpr int k_staff_answers_per_day = 200;

// Why a command mail may not run, or empty when it may.
std::string refusal(const rules::StaffMember* member, const std::string& from,
                    const judge::Authentication& authentication, bool desk) {
  if (!member)
    return from + " is not on staff.csv";
  if (!authentication.authenticated)
    return "its From is not authenticated (" + authentication.why + ")";
  if (!desk)
    return "staff commands are carried out by the daemon (mailroom run) only";
  return {};
}

std::string answer_text(const std::string& line, const StaffAnswer& answer) {
  return fmt::format("> {}\n\n{}\n", line, answer.text);
}

StaffAnswer malformed(const CommandError& error) {
  return {false,
          fmt::format("Not done: {}; nothing was changed.\nThe form is:\n  {}\n\nSend \"help\" for "
                      "every command.",
                      error.what, error.form),
          std::nullopt};
}

} // namespace

core::Result<IngestOutcome> Engine::take_command(const RawMail& mail, const NewMail& row,
                                                 message::MessageFacts facts,
                                                 const std::string& line,
                                                 const rules::Course& course) {
  const auto now = m_clock.now();
  // command_mail_line holds only mail with exactly one From.
  const std::string from = facts.from.front().address;
  const auto* member = course.staff_member(from);
  // The same check as a student's From gets: fail closed without a trusted authserv-id.
  const auto authentication =
      judge::authenticate(judge::trace_fields(mail.raw), facts, m_checks.authserv_id.value_or(""));
  judge::Decision decision;
  decision.source = mail.source;
  decision.file = mail.file;
  decision.received_at = mail.received_at;
  decision.facts = std::move(facts);
  decision.reply = judge::ReplyKind::none;
  auto& c = decision.classification;
  c.kind = classify::k_staff_command;
  c.signals = {fmt::format("a staff command: \"{}\"", line),
               judge::authentication_signal(authentication)};
  std::optional<OutgoingReply> reply;
  if (const auto refused = refusal(member, from, authentication, m_staff != nullptr);
      !refused.empty()) {
    c.review_reasons.push_back("staff command refused: " + refused + "; nothing was changed");
    decision.reply_reason = "a refused staff command is not answered";
  } else {
    c.signals.push_back(fmt::format("{} is {} of staff.csv", from, member->name));
    const StaffCaller caller{member->name, from, decision.facts.message_id, row.sha256, now};
    auto seen = m_staff->already_run(caller);
    if (!seen)
      return std::unexpected(seen.error());
    if (*seen) {
      c.signals.push_back(
          fmt::format("carried out already (audit #{}): a command runs once", **seen));
      decision.reply_reason = "a replayed staff command is not answered again";
    } else {
      StaffAnswer answer;
      if (auto command = parse_staff_command(line)) {
        auto ran = m_staff->run(*command, caller);
        if (!ran)
          return std::unexpected(ran.error());
        answer = std::move(*ran);
      } else {
        answer = malformed(command.error());
      }
      c.signals.push_back(answer.done ? "carried out" : "not carried out: nothing was changed");
      decision.reply_reason = "answered to " + from;
      if (m_replies) {
        const reply::StaffAnswerOptions options{m_replies->from, m_replies->gates.own_domain, now};
        auto mail_out = reply::compose_staff_answer(decision.facts, from, answer_text(line, answer),
                                                    answer.file, row.sha256.substr(0, 24), options);
        reply = OutgoingReply{"staff-answer",
                              "staff " + from,
                              {from},
                              std::move(mail_out.message_id),
                              std::move(mail_out.message),
                              std::nullopt,
                              k_staff_answers_per_day};
      }
    }
  }
  auto recorded = m_store.record(row, decision, now, reply, {});
  if (!recorded)
    return std::unexpected(recorded.error());
  core::fault_point("after-commit");
  IngestOutcome outcome;
  outcome.taken = recorded->what == Recorded::new_mail ? Taken::recorded : Taken::known;
  outcome.mail_id = recorded->mail_id;
  outcome.decision = std::move(decision);
  return outcome;
}

} // namespace mailroom::pipeline
