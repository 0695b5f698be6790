#include "setup/replies.hpp"

#include "outbox/directory_sender.hpp"
#include "setup/hosts.hpp"
#include "setup/network.hpp"
#include "setup/rules_files.hpp"
#include "setup/secrets.hpp"

#include <filesystem>

namespace mailroom::setup {

std::filesystem::path shipped_templates() {
  std::error_code ignored;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ignored);
  const auto beside = exe.parent_path().parent_path() / "share/mailroom/templates";
  if (!exe.empty() && std::filesystem::is_directory(beside, ignored))
    return beside;
  if (std::filesystem::is_directory(MAILROOM_INSTALLED_TEMPLATES, ignored))
    return MAILROOM_INSTALLED_TEMPLATES;
  return MAILROOM_SOURCE_TEMPLATES;
}

reply::Desk desk(const Settings& settings, const rules::Course& course) {
  return reply::desk_of(settings.outbox.from.empty() ? course.staff_address : settings.outbox.from,
                        course.id);
}

std::string envelope_from(const Settings& settings, const rules::Course& course) {
  // The desk address is where students write, so it reaches the watched mailbox, where
  // a bounce is recognised and recorded against its reply (pipeline/bounces.hpp).
  const auto& bounce = settings.outbox.bounce_address;
  if (bounce == "<>")
    return "";
  return bounce.empty() ? desk(settings, course).address : bounce;
}

outbox::SendLimits send_limits(const Settings& settings) {
  return {settings.replies.max_per_recipient_per_day, settings.replies.max_per_hour};
}

pipeline::ReplyPlan make_reply_plan(const Settings& settings, const rules::Course& course) {
  pipeline::ReplyPlan plan;
  plan.templates = load_templates({shipped_templates(), settings.rules_dir / "templates"});
  const auto own = desk(settings, course);
  plan.from = own.from;
  plan.reply_to = own.address;
  plan.gates.own_domain = own.message_id_domain;
  plan.gates.own_address = own.address;
  plan.gates.max_reply_age = settings.replies.max_reply_age;
  plan.recipients = settings.replies.recipients == ReplyRecipients::group
                        ? reply::Recipients::sender_and_group
                        : reply::Recipients::sender_only;
  plan.max_per_student_per_day = settings.replies.max_per_student_per_day;
  plan.max_unauthenticated_replies_per_day = settings.replies.max_unauthenticated_replies_per_day;
  return plan;
}

core::Result<outbox::SmtpSettings> smtp_settings(const Settings& settings) {
  const auto& outbox = settings.outbox;
  outbox::SmtpSettings smtp;
  smtp.url = outbox.url;
  smtp.user = outbox.user;
  if (!outbox.user.empty()) {
    auto password = setup::read_password(outbox.password_file, "smtp-password");
    if (!password)
      return std::unexpected(password.error());
    smtp.password = std::move(*password);
    smtp.password_origin = outbox.password_file.empty()
                               ? std::string("the systemd credential smtp-password")
                               : outbox.password_file.string();
  }
  smtp.ca_file = outbox.ca_file;
  smtp.allow_plaintext = outbox.allow_plaintext;
  smtp.timeout = outbox.timeout;
  // Strict servers and spam filters hold a made-up EHLO name against the sender.
  smtp.helo = outbox.helo.empty() ? machine_fqdn() : outbox.helo;
  return smtp;
}

core::Result<std::unique_ptr<outbox::Sender>> make_sender(const Settings& settings) {
  const auto& outbox = settings.outbox;
  if (outbox.url.starts_with("dir:"))
    return std::make_unique<outbox::DirectorySender>(outbox.url.substr(4));
  auto smtp = smtp_settings(settings);
  if (!smtp)
    return std::unexpected(smtp.error());
  auto stack = network();
  if (!stack)
    return std::unexpected(stack.error());
  return (*stack)->open_smtp(std::move(*smtp));
}

core::Result<std::string> check_smtp_login(const Settings& settings) {
  auto smtp = smtp_settings(settings);
  if (!smtp)
    return std::unexpected(smtp.error());
  auto stack = network();
  if (!stack)
    return std::unexpected(stack.error());
  return (*stack)->check_smtp(std::move(*smtp));
}

} // namespace mailroom::setup
