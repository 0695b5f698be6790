#pragma once

#include "outbox/sender.hpp"
#include "outbox/smtp_sender.hpp"
#include "pipeline/engine.hpp"
#include "reply/desk.hpp"
#include "setup/settings.hpp"

#include <memory>

namespace mailroom::setup {

// The templates that came with this binary: beside it (PREFIX/bin/mailroom ->
// PREFIX/share/mailroom/templates), else where it installs them, else the source tree's.
[[nodiscard]] std::filesystem::path shipped_templates();

// The reply plan of a config and its course: the shipped templates overridden by the
// rules folder's templates/, the course address, mailroom's own Message-ID domain,
// the recipients policy and the cap.
[[nodiscard]] pipeline::ReplyPlan make_reply_plan(const Settings& settings,
                                                  const rules::Course& course);

// The SMTP settings of [outbox] (an smtps:// or smtp:// url), with the password read
// from password_file or the systemd credential smtp-password when a user is set.
[[nodiscard]] core::Result<outbox::SmtpSettings> smtp_settings(const Settings& settings);

// The sender [outbox] url names: a directory (dir:PATH) or SMTP over libcurl (from the
// network module, setup/network.hpp) with the password from password_file or the systemd
// credential smtp-password.
[[nodiscard]] core::Result<std::unique_ptr<outbox::Sender>> make_sender(const Settings& settings);

// A login to the SMTP server of [outbox] (not dir:), as SmtpSender::check_login(): "logged
// in as USER", or the Problem that names the cause; nothing is sent.
[[nodiscard]] core::Result<std::string> check_smtp_login(const Settings& settings);

// The [replies] send limits the relay holds the outbox to (max_per_recipient_per_day,
// max_per_hour).
[[nodiscard]] outbox::SendLimits send_limits(const Settings& settings);

// The desk: [outbox] from, or (no from) the course file's staff_address. Replies'
// From, Reply-To, the body's "reply to", the bounce address and the loop guard all
// derive from it; `mailroom check --config` refuses two different addresses.
[[nodiscard]] reply::Desk desk(const Settings& settings, const rules::Course& course);

// The envelope sender (MAIL FROM) of replies: [outbox] bounce_address, else the desk
// address (the watched mailbox, where bounces are recognised); empty for "<>", the null
// sender.
[[nodiscard]] std::string envelope_from(const Settings& settings, const rules::Course& course);

} // namespace mailroom::setup
