#include "daemon/replies.hpp"

#include "daemon/rules_files.hpp"
#include "mailbox/imap_connection.hpp"
#include "outbox/directory_sender.hpp"
#include "outbox/smtp_sender.hpp"

#include <filesystem>

namespace mailroom::daemon {

namespace {

std::filesystem::path shipped_templates() {
  std::error_code ignored;
  if (std::filesystem::is_directory(MAILROOM_INSTALLED_TEMPLATES, ignored))
    return MAILROOM_INSTALLED_TEMPLATES;
  return MAILROOM_SOURCE_TEMPLATES;
}

// A sender held to the config's [replies] send limits.
class Limited final : public outbox::Sender {
public:
  Limited(std::unique_ptr<outbox::Sender> inner, outbox::SendLimits limits)
      : m_inner(std::move(inner)), m_limits(limits) {}
  outbox::SendOutcome send(const outbox::Envelope& envelope, const std::string& message) override {
    return m_inner->send(envelope, message);
  }
  outbox::SendLimits limits() const override { return m_limits; }

private:
  std::unique_ptr<outbox::Sender> m_inner;
  outbox::SendLimits m_limits;
};

std::unique_ptr<outbox::Sender> limited(std::unique_ptr<outbox::Sender> sender,
                                        const Settings& settings) {
  return std::make_unique<Limited>(std::move(sender),
                                   outbox::SendLimits{settings.replies.max_per_recipient_per_day,
                                                      settings.replies.max_per_hour});
}

} // namespace

std::string envelope_from(const Settings& settings, const rules::Course& course) {
  // The staff address is where students write, so it reaches the watched mailbox, where
  // a bounce is recognised and recorded against its reply (daemon/bounces.hpp).
  const auto& bounce = settings.outbox.bounce_address;
  if (bounce == "<>")
    return "";
  return bounce.empty() ? course.staff_address : bounce;
}

ReplyPlan make_reply_plan(const Settings& settings, const rules::Course& course) {
  ReplyPlan plan;
  for (const auto& dir : {shipped_templates(), settings.rules_dir / "templates"})
    for (const char* name : {"receipt", "late-notice", "clarify"})
      if (auto text = read_file(dir / (std::string(name) + ".mustache")))
        plan.templates[name] = std::move(*text);
  plan.from = settings.outbox.from.empty() ? course.staff_address : settings.outbox.from;
  plan.reply_to = course.staff_address;
  plan.gates.own_domain = "mailroom." + course.id + ".invalid";
  plan.gates.own_address = plan.from;
  plan.gates.max_reply_age = settings.replies.max_reply_age;
  plan.recipients = settings.replies.recipients == ReplyRecipients::group
                        ? reply::Recipients::sender_and_group
                        : reply::Recipients::sender_only;
  plan.max_per_student_per_day = settings.replies.max_per_student_per_day;
  plan.max_unauthenticated_replies_per_day = settings.replies.max_unauthenticated_replies_per_day;
  return plan;
}

core::Result<std::unique_ptr<outbox::Sender>> make_sender(const Settings& settings) {
  const auto& outbox = settings.outbox;
  if (outbox.url.starts_with("dir:"))
    return limited(std::make_unique<outbox::DirectorySender>(outbox.url.substr(4)), settings);
  outbox::SmtpSettings smtp;
  smtp.url = outbox.url;
  smtp.user = outbox.user;
  if (!outbox.user.empty()) {
    auto password = mailbox::read_password(outbox.password_file, "smtp-password");
    if (!password)
      return std::unexpected(password.error());
    smtp.password = std::move(*password);
  }
  smtp.ca_file = outbox.ca_file;
  smtp.allow_plaintext = outbox.allow_plaintext;
  smtp.timeout = outbox.timeout;
  auto made = outbox::SmtpSender::make(std::move(smtp));
  if (!made)
    return std::unexpected(made.error());
  return limited(std::move(*made), settings);
}

} // namespace mailroom::daemon
