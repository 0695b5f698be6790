#include "daemon/staff_reply.hpp"

#include "archive/archive.hpp"
#include "deadline/deadline.hpp"
#include "judge/content.hpp"
#include "judge/decision.hpp"
#include "message/parse.hpp"
#include "message/transfer.hpp"
#include "pipeline/versions.hpp"
#include "sandbox/sandboxed_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace mailroom::daemon {

namespace {

// The Message-ID part that names a staff decision: reclassifying a mail twice to the
// same thing queues one reply.
std::string staff_decision_key(const judge::Decision& decision) {
  const auto& c = decision.classification;
  return ".staff." +
         message::sha256_hex(fmt::format("{}|{}|{}|{}|{}", c.kind,
                                         c.lecture ? rules::iso_date(*c.lecture) : std::string{},
                                         c.group.value_or(""),
                                         deadline::to_string(decision.judgement->verdict),
                                         decision.judgement->late_by.count()))
             .substr(0, 12);
}

} // namespace

core::Result<desk::OwedReply>
staff_decision_reply(ledger::SqliteLedger& ledger, const rules::Course& course,
                     const pipeline::ReplyPlan& plan, const std::filesystem::path& state_dir,
                     const pipeline::MailRow& mail, const judge::Target& target,
                     const std::string& group, core::Instant now) {
  const auto instances = deadline::instances(course);
  const auto owed = std::find_if(instances.begin(), instances.end(), [&](const auto& instance) {
    return instance.deliverable == target.deliverable && instance.lecture == target.lecture &&
           instance.group == group;
  });
  if (owed == instances.end())
    return desk::OwedReply{
        std::nullopt,
        fmt::format("no reply queued: group {} does not owe {}{}", group, target.deliverable,
                    target.lecture ? "@" + rules::iso_date(*target.lecture) : std::string{})};
  auto extensions = ledger.extensions();
  if (!extensions)
    return std::unexpected(extensions.error());
  core::Instant due = owed->due;
  for (const auto& extension : pipeline::extensions_of(*extensions))
    if (extension.group == group && extension.deliverable == target.deliverable &&
        extension.lecture == target.lecture)
      due = extension.until; // the latest granted wins
  auto raw = archive::read_all(state_dir / mail.archive_path);
  if (!raw)
    return std::unexpected(raw.error());
  auto decision = judge::decide(mail.source, mail.file, mail.received_at,
                                message::parse(*raw, "file " + mail.file), course);
  judge::apply_staff_decision(decision, target.deliverable, target.lecture, group, due,
                              owed->grace);
  judge::check_content(decision, *raw, course, &sandbox::default_reader());
  auto staff_plan = plan;
  staff_plan.gates.max_reply_age = std::chrono::seconds::max();
  desk::OwedReply out{
      pipeline::outgoing_reply(decision, course, staff_plan, now, staff_decision_key(decision)),
      {}};
  if (!out.reply)
    out.why_not = "no reply is due for this mail";
  return out;
}

} // namespace mailroom::daemon
