#include "desk/actions.hpp"

#include "deadline/deadline.hpp"
#include "judge/ledger_view.hpp"
#include "pipeline/versions.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mailroom::desk {

namespace {

struct Owed {
  judge::Target target;
  deadline::Instance instance;
};

core::Result<Owed> owed_instance(const rules::Course& course, const InstanceChange& change) {
  auto target = judge::parse_target(change.target, course);
  if (!target)
    return std::unexpected(target.error());
  const auto groups = course.groups();
  if (std::find(groups.begin(), groups.end(), change.group) == groups.end())
    return core::fail(change.group, "no group '" + change.group + "' on the roster",
                      "use a group from roster.csv");
  if (change.reason.empty())
    return core::fail("--reason", "a reason is required", "say why, for the audit trail");
  const auto instances = deadline::instances(course);
  const auto owed = std::find_if(instances.begin(), instances.end(), [&](const auto& instance) {
    return instance.deliverable == target->deliverable && instance.lecture == target->lecture &&
           instance.group == change.group;
  });
  if (owed == instances.end())
    return core::fail(change.target,
                      fmt::format("group {} does not owe {}", change.group, change.target),
                      "check assignments.csv, or `mailroom deadlines` for what is owed");
  return Owed{*target, *owed};
}

// The mail `mail_id` that a staff action done for `reason` is about. A Problem when no
// reason is given or the ledger has no such mail (`find_ids` says where ids are listed).
core::Result<pipeline::MailRow> mail_acted_on(ledger::SqliteLedger& ledger, pipeline::Id mail_id,
                                              const std::string& reason,
                                              std::string_view find_ids) {
  if (reason.empty())
    return core::fail("--reason", "a reason is required", "say why, for the audit trail");
  auto mail = ledger.mail(mail_id);
  if (!mail)
    return std::unexpected(mail.error());
  if (!*mail)
    return core::fail(fmt::format("mail {}", mail_id), "no such mail in the ledger",
                      std::string(find_ids));
  return std::move(**mail);
}

// The due time in force for `instance`: its latest extension, else its own.
core::Result<core::Instant> current_due(ledger::SqliteLedger& ledger,
                                        const deadline::Instance& instance) {
  auto extensions = ledger.extensions();
  if (!extensions)
    return std::unexpected(extensions.error());
  core::Instant due = instance.due;
  for (const auto& extension : pipeline::extensions_of(*extensions))
    if (instance.group == extension.group && extension.deliverable == instance.deliverable &&
        extension.lecture == instance.lecture)
      due = extension.until; // the latest granted wins
  return due;
}

std::optional<std::string> lecture_of(const judge::Target& target) {
  return target.lecture ? std::optional{rules::iso_date(*target.lecture)} : std::nullopt;
}

} // namespace

core::Result<void> check_change(const rules::Course& course, const InstanceChange& change) {
  auto owed = owed_instance(course, change);
  if (!owed)
    return std::unexpected(owed.error());
  return {};
}

core::Result<std::string> extend(ledger::SqliteLedger& ledger, const rules::Course& course,
                                 const InstanceChange& change, const pipeline::Actor& actor) {
  auto owed = owed_instance(course, change);
  if (!owed)
    return std::unexpected(owed.error());
  auto current = current_due(ledger, owed->instance);
  if (!current)
    return std::unexpected(current.error());
  const auto lecture = lecture_of(owed->target);
  const auto local = [&](core::Instant instant) {
    return deadline::format_local(instant, course.zone);
  };
  if (change.revoke) {
    const pipeline::ExtensionRow which{0, change.group, owed->target.deliverable, lecture, {}, 0};
    auto audit = ledger.revoke_extension(which, actor, change.reason);
    if (!audit)
      return std::unexpected(audit.error());
    if (!*audit)
      return core::fail(
          change.target,
          fmt::format("group {} has no extension of {} to revoke", change.group, change.target),
          "`mailroom ledger --group " + change.group + "` shows the extensions in force");
    auto after = current_due(ledger, owed->instance);
    if (!after)
      return std::unexpected(after.error());
    return fmt::format("Revoked the extension of {} for group {}: due {} (was {}); audit #{} by {}",
                       change.target, change.group, local(*after), local(*current), **audit,
                       actor.unix_user);
  }
  core::Instant until{};
  if (change.plus) {
    until = owed->instance.due + *change.plus;
  } else {
    if (change.until.empty())
      return core::fail("--until", "the new due time is missing",
                        "give --until TIME, or --revoke to take the extension back");
    auto parsed = judge::parse_staff_time(change.until, course);
    if (!parsed)
      return std::unexpected(parsed.error());
    until = *parsed;
  }
  // An "extension" to before the due time in force takes time away from the group: a
  // typo (wrong month, UTC read as local) more often than a decision.
  if (until < *current && !change.earlier)
    return core::fail(
        change.plus ? "+" + deadline::format_duration(*change.plus) : change.until,
        fmt::format("{} is before the due time in force, {}", local(until), local(*current)),
        "check the date; if an earlier due time is meant, add --earlier");
  auto audit = ledger.extend({0, change.group, owed->target.deliverable, lecture, until, 0}, actor,
                             change.reason);
  if (!audit)
    return std::unexpected(audit.error());
  return fmt::format("Extended {} for group {}: due {} (was {}); audit #{} by {}", change.target,
                     change.group, local(until), local(*current), *audit, actor.unix_user);
}

core::Result<std::string> excuse(ledger::SqliteLedger& ledger, const rules::Course& course,
                                 const InstanceChange& change, const pipeline::Actor& actor) {
  auto owed = owed_instance(course, change);
  if (!owed)
    return std::unexpected(owed.error());
  const auto lecture = lecture_of(owed->target);
  const auto due = deadline::format_local(owed->instance.due, course.zone);
  const pipeline::ExcusalRow which{0, change.group, owed->target.deliverable, lecture, 0};
  if (change.revoke) {
    auto revoked = ledger.revoke_excusal(which, actor, change.reason);
    if (!revoked)
      return std::unexpected(revoked.error());
    if (!*revoked)
      return core::fail(change.target,
                        fmt::format("group {} is not excused from {}", change.group, change.target),
                        "`mailroom ledger --status excused` lists the excusals in force");
    return fmt::format("Group {} owes {} again (due {}); audit #{} by {}", change.group,
                       change.target, due, **revoked, actor.unix_user);
  }
  auto audit = ledger.excuse(which, actor, change.reason);
  if (!audit)
    return std::unexpected(audit.error());
  return fmt::format("Excused group {} from {} (due {}); audit #{} by {}", change.group,
                     change.target, due, *audit, actor.unix_user);
}

core::Result<std::string> dismiss(ledger::SqliteLedger& ledger, pipeline::Id mail_id,
                                  const std::string& reason, const pipeline::Actor& actor) {
  auto mail = mail_acted_on(ledger, mail_id, reason,
                            "`mailroom review` lists the mails that need a person, with their ids");
  if (!mail)
    return std::unexpected(mail.error());
  auto audit = ledger.dismiss(mail_id, actor, reason);
  if (!audit)
    return std::unexpected(audit.error());
  return fmt::format("Dismissed mail {} ({}, {}) from the review queue; audit #{} by {}", mail_id,
                     mail->from, mail->kind, *audit, actor.unix_user);
}

core::Result<std::string> reclassify(ledger::SqliteLedger& ledger, const rules::Course& course,
                                     pipeline::Id mail_id, const std::string& target_text,
                                     const std::string& group_text, const std::string& reason,
                                     const pipeline::Actor& actor,
                                     const ReplyForDecision& reply_for) {
  auto target = judge::parse_target(target_text, course);
  if (!target)
    return std::unexpected(target.error());
  auto mail = mail_acted_on(ledger, mail_id, reason,
                            "`mailroom review` and `mailroom ledger --json` list mail ids");
  if (!mail)
    return std::unexpected(mail.error());
  const std::optional<std::string> group =
      group_text.empty() ? mail->group : std::optional{group_text};
  if (!group)
    return core::fail(fmt::format("mail {}", mail_id),
                      "the classifier found no group for this mail",
                      "give the group with --group G");
  const auto groups = course.groups();
  if (std::find(groups.begin(), groups.end(), *group) == groups.end())
    return core::fail(*group, "no group '" + *group + "' on the roster",
                      "use a group from roster.csv");
  OwedReply owed{std::nullopt, "no receipt or late notice is made here"};
  if (reply_for) {
    auto made = reply_for(*mail, *target, *group, actor.at);
    if (!made)
      return std::unexpected(made.error());
    owed = std::move(*made);
  }
  pipeline::Reclassification change;
  change.deliverable = target->deliverable;
  change.lecture = lecture_of(*target);
  change.group = group;
  auto done = ledger.reclassify(mail_id, change, actor, reason, owed.reply);
  if (!done)
    return std::unexpected(done.error());
  auto text = fmt::format("Mail {} is now {} of group {} (was {}); audit #{} by {}.", mail_id,
                          target_text, *group, mail->kind, done->audit_id, actor.unix_user);
  if (done->reply_queued) {
    std::string to;
    for (const auto& recipient : owed.reply->recipients)
      to += (to.empty() ? "" : ", ") + recipient;
    return text + fmt::format(" Queued a {} to {}.", owed.reply->kind, to);
  }
  if (owed.reply && owed.reply->suppressed)
    return text + " No reply: " + *owed.reply->suppressed + ".";
  if (owed.reply)
    return text + " No reply: this decision was answered already.";
  return text + " No reply: " + owed.why_not + ".";
}

} // namespace mailroom::desk
