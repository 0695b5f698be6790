#include "setup/settings.hpp"

#include "reply/desk.hpp"
#include "setup/hosts.hpp"
#include "setup/rules_files.hpp"
#include "util/text.hpp"
#include "util/toml_reader.hpp"

#include <fmt/format.h>

#include <cctype>

namespace mailroom::setup {

namespace {

namespace fs = std::filesystem;
using util::Reporter;

const std::vector<std::string> k_top_keys{"rules",   "state_dir", "poll_interval",
                                          "mailbox", "outbox",    "replies",
                                          "trust",   "report",    "digest"};
const std::vector<std::string> k_mailbox_keys{
    "url",       "user",    "password_file", "ca_file", "allow_plaintext", "timeout",
    "processed", "keyword", "password",      "idle",    "idle_limit",      "max_mail_size"};
const std::vector<std::string> k_outbox_keys{
    "url",     "from",        "user",      "password_file", "ca_file",        "allow_plaintext",
    "timeout", "retry_after", "retry_max", "password",      "bounce_address", "helo"};
const std::vector<std::string> k_replies_keys{
    "recipients",    "max_per_student_per_day",
    "max_reply_age", "max_per_recipient_per_day",
    "max_per_hour",  "max_unauthenticated_replies_per_day"};
const std::vector<std::string> k_trust_keys{"trusted_authserv_id", "authentication",
                                            "arrival_mismatch"};
const std::vector<std::string> k_report_keys{"html"};
const std::vector<std::string> k_digest_keys{"to", "at"};

fs::path relative_to(const fs::path& base, const std::string& path) {
  const fs::path value(path);
  return value.is_absolute() ? value : base / value;
}

void read_duration(const toml::table& table, std::string_view key, std::string_view where,
                   std::chrono::seconds& target, Reporter& report) {
  if (auto text = util::get_string(table, key, where, report, false)) {
    if (auto value = rules::parse_duration(*text); value && value->count() > 0)
      target = *value;
    else
      report.add(table.get(key)->source(), fmt::format("bad duration '{}' for {}", *text, key),
                 "write it as \"60s\", \"5m\" or \"1h\"");
  }
}

void read_bool(const toml::table& table, std::string_view key, bool& target, Reporter& report) {
  if (const auto* node = table.get(key)) {
    if (auto value = node->value<bool>())
      target = *value;
    else
      report.add(node->source(), fmt::format("'{}' must be true or false", key));
  }
}

// A size in bytes: a whole number, or one with "KB", "MB" or "GB" (powers of 1024).
void read_size(const toml::table& table, std::string_view key, std::size_t& target,
               Reporter& report) {
  const auto* node = table.get(key);
  if (!node)
    return;
  if (auto bytes = node->value<int64_t>(); bytes && *bytes > 0) {
    target = static_cast<std::size_t>(*bytes);
    return;
  }
  if (auto text = node->value<std::string>()) {
    std::size_t digits = 0;
    while (digits < text->size() && std::isdigit(static_cast<unsigned char>((*text)[digits])))
      ++digits;
    const auto unit = util::lower(util::trim(std::string_view(*text).substr(digits)));
    const std::size_t scale = unit == "kb"   ? 1024u
                              : unit == "mb" ? 1024u * 1024
                              : unit == "gb" ? 1024u * 1024 * 1024
                                             : 0;
    if (digits > 0 && digits <= 6 && scale > 0) {
      target = std::stoul(text->substr(0, digits)) * scale;
      return;
    }
  }
  report.add(node->source(), fmt::format("bad size for '{}'", key),
             "write it as \"50MB\", \"512KB\" or a number of bytes");
}

// reliability: plaintext IMAP or SMTP leaks a password and every mail; only a loopback
// server (the test suite's) may be reached without TLS.
void refuse_remote_plaintext(const toml::table& table, const std::string& url, bool allowed,
                             Reporter& report) {
  if (!allowed || url.starts_with("maildir:") || url.starts_with("dir:") || url.empty())
    return;
  if (is_loopback_url(url))
    return;
  report.add(table.get("allow_plaintext")->source(),
             fmt::format("allow_plaintext is honoured only for a loopback server (127.0.0.0/8, "
                         "::1), not for {}",
                         url),
             url.starts_with("imap")
                 ? "remove allow_plaintext and use imaps://HOST/FOLDER, or imap:// with STARTTLS; "
                   "for a certificate of your own CA set ca_file"
                 : "remove allow_plaintext and use smtps://HOST, or smtp:// with STARTTLS; for a "
                   "certificate of your own CA set ca_file");
}

void read_count(const toml::table& table, std::string_view key, int& target, Reporter& report) {
  if (const auto* node = table.get(key)) {
    if (auto value = node->value<int64_t>(); value && *value >= 0 && *value <= 1'000'000)
      target = static_cast<int>(*value);
    else
      report.add(node->source(), fmt::format("'{}' must be a whole number, 0 or more", key));
  }
}

// A password in the config would end up in backups and repositories.
void refuse_password(const toml::table& table, std::string_view where, std::string_view credential,
                     Reporter& report) {
  if (const auto* node = table.get("password"))
    report.add(node->source(), fmt::format("a password in [{}] is not accepted", where),
               fmt::format("put it in a file named by password_file, or in the systemd "
                           "credential '{}'",
                           credential));
}

// IDLE must be re-issued before the server's 30-minute inactivity limit (RFC 2177).
void read_idle(const toml::table& table, MailboxSettings& mailbox, Reporter& report) {
  read_bool(table, "idle", mailbox.idle, report);
  read_duration(table, "idle_limit", "mailbox", mailbox.idle_limit, report);
  if (mailbox.idle_limit > std::chrono::minutes{29})
    report.add(table.get("idle_limit")->source(),
               fmt::format("idle_limit ({} s) is over 29 minutes: servers may drop an IDLE "
                           "after 30",
                           mailbox.idle_limit.count()),
               "leave it out (25 minutes) or make it at most \"29m\"");
}

void read_mailbox(const toml::table& root, const fs::path& base, Settings& settings,
                  Reporter& report) {
  const auto* table = root["mailbox"].as_table();
  if (!table) {
    report.add_file("missing table [mailbox]", "add [mailbox] with url = \"imaps://HOST/INBOX\"");
    return;
  }
  auto& mailbox = settings.mailbox;
  util::check_keys(*table, "mailbox", k_mailbox_keys, report);
  refuse_password(*table, "mailbox", "imap-password", report);
  if (auto url = util::get_string(*table, "url", "mailbox", report, true)) {
    mailbox.url = *url;
    if (url->starts_with("maildir:"))
      mailbox.url = "maildir:" + relative_to(base, url->substr(8)).string();
    else if (!url->starts_with("imaps://") && !url->starts_with("imap://"))
      report.add(table->get("url")->source(), fmt::format("unsupported mailbox url '{}'", *url),
                 "use imaps://HOST[:PORT]/FOLDER, imap://HOST[:PORT]/FOLDER (STARTTLS) or "
                 "maildir:PATH");
  }
  mailbox.user = util::get_string(*table, "user", "mailbox", report, false).value_or("");
  if (mailbox.user.empty() && !mailbox.url.starts_with("maildir:") && !mailbox.url.empty())
    report.add(table->source(), "missing key 'user' in [mailbox]", "add user = \"LOGIN\"");
  if (auto file = util::get_string(*table, "password_file", "mailbox", report, false))
    mailbox.password_file = relative_to(base, *file);
  if (auto file = util::get_string(*table, "ca_file", "mailbox", report, false))
    mailbox.ca_file = relative_to(base, *file);
  read_bool(*table, "allow_plaintext", mailbox.allow_plaintext, report);
  refuse_remote_plaintext(*table, mailbox.url, mailbox.allow_plaintext, report);
  read_size(*table, "max_mail_size", mailbox.max_mail_size, report);
  read_duration(*table, "timeout", "mailbox", mailbox.timeout, report);
  read_idle(*table, mailbox, report);
  mailbox.keyword =
      util::get_string(*table, "keyword", "mailbox", report, false).value_or(mailbox.keyword);
  if (auto processed = util::get_string(*table, "processed", "mailbox", report, false)) {
    if (*processed == "keyword") {
      mailbox.processed = Processed::keyword;
    } else if (processed->starts_with("move:") && processed->size() > 5) {
      mailbox.processed = Processed::move;
      mailbox.move_to = processed->substr(5);
    } else {
      report.add(table->get("processed")->source(),
                 fmt::format("unknown 'processed' value '{}'", *processed),
                 "use \"keyword\" or \"move:FOLDER\"");
    }
  }
}

void read_outbox(const toml::table& root, const fs::path& base, Settings& settings,
                 Reporter& report) {
  auto& outbox = settings.outbox;
  outbox.url = "dir:" + (settings.state_dir / "outbox").string();
  const auto* table = root["outbox"].as_table();
  if (!table)
    return;
  util::check_keys(*table, "outbox", k_outbox_keys, report);
  refuse_password(*table, "outbox", "smtp-password", report);
  if (auto url = util::get_string(*table, "url", "outbox", report, false)) {
    outbox.url = *url;
    if (url->starts_with("dir:"))
      outbox.url = "dir:" + relative_to(base, url->substr(4)).string();
    else if (!url->starts_with("smtps://") && !url->starts_with("smtp://"))
      report.add(table->get("url")->source(), fmt::format("unsupported outbox url '{}'", *url),
                 "use smtps://HOST[:PORT], smtp://HOST[:PORT] (STARTTLS) or dir:PATH");
  }
  outbox.from = util::get_string(*table, "from", "outbox", report, false).value_or("");
  if (!outbox.from.empty() && !reply::bare_address(outbox.from))
    report.add(table->get("from")->source(), fmt::format("bad from '{}'", outbox.from),
               "write the desk's one address: \"NAME@DOMAIN\" or \"Course Staff "
               "<NAME@DOMAIN>\"");
  outbox.helo = util::get_string(*table, "helo", "outbox", report, false).value_or("");
  if (outbox.helo.find_first_of(" \t/<>[]@") != std::string::npos)
    report.add(table->get("helo")->source(), fmt::format("bad helo '{}'", outbox.helo),
               "write this machine's fully qualified host name, e.g. \"mail.example.edu\"");
  outbox.user = util::get_string(*table, "user", "outbox", report, false).value_or("");
  if (auto file = util::get_string(*table, "password_file", "outbox", report, false))
    outbox.password_file = relative_to(base, *file);
  if (auto file = util::get_string(*table, "ca_file", "outbox", report, false))
    outbox.ca_file = relative_to(base, *file);
  read_bool(*table, "allow_plaintext", outbox.allow_plaintext, report);
  refuse_remote_plaintext(*table, outbox.url, outbox.allow_plaintext, report);
  read_duration(*table, "timeout", "outbox", outbox.timeout, report);
  read_duration(*table, "retry_after", "outbox", outbox.retry_after, report);
  read_duration(*table, "retry_max", "outbox", outbox.retry_max, report);
  if (outbox.retry_max < outbox.retry_after) {
    const auto* node =
        table->get("retry_max") ? table->get("retry_max") : table->get("retry_after");
    report.add(node->source(),
               fmt::format("retry_max ({} s) is shorter than retry_after ({} s)",
                           outbox.retry_max.count(), outbox.retry_after.count()),
               "make retry_max at least retry_after: the waits grow from retry_after up to "
               "retry_max");
  }
  if (auto bounce = util::get_string(*table, "bounce_address", "outbox", report, false)) {
    const auto at = bounce->find('@');
    if (*bounce == "<>" || (at != std::string::npos && at > 0 && at + 1 < bounce->size() &&
                            bounce->find_first_of(" <>,;\t\"") == std::string::npos))
      outbox.bounce_address = *bounce;
    else
      report.add(table->get("bounce_address")->source(),
                 fmt::format("bad bounce_address '{}'", *bounce),
                 "write an address (\"NAME@DOMAIN\") or \"<>\" for the null sender");
  }
}

void read_replies(const toml::table& root, Settings& settings, Reporter& report) {
  const auto* table = root["replies"].as_table();
  if (!table)
    return;
  auto& replies = settings.replies;
  util::check_keys(*table, "replies", k_replies_keys, report);
  if (auto recipients = util::get_string(*table, "recipients", "replies", report, false)) {
    if (*recipients == "group" || *recipients == "sender")
      replies.recipients =
          *recipients == "group" ? ReplyRecipients::group : ReplyRecipients::sender;
    else
      report.add(table->get("recipients")->source(),
                 fmt::format("unknown recipients '{}'", *recipients),
                 "use \"group\" or \"sender\"");
  }
  read_count(*table, "max_per_student_per_day", replies.max_per_student_per_day, report);
  read_duration(*table, "max_reply_age", "replies", replies.max_reply_age, report);
  read_count(*table, "max_per_recipient_per_day", replies.max_per_recipient_per_day, report);
  read_count(*table, "max_per_hour", replies.max_per_hour, report);
  read_count(*table, "max_unauthenticated_replies_per_day",
             replies.max_unauthenticated_replies_per_day, report);
}

// [trust]: one of trusted_authserv_id = "HOST" and authentication = "none".
void read_authentication(const toml::table& table, Settings& settings, Reporter& report) {
  settings.trusted_authserv_id =
      util::get_string(table, "trusted_authserv_id", "trust", report, false).value_or("");
  const auto mode = util::get_string(table, "authentication", "trust", report, false);
  if (mode && *mode != "none")
    return report.add(table.get("authentication")->source(),
                      fmt::format("unknown authentication '{}'", *mode),
                      "write authentication = \"none\" when the mail server writes no "
                      "Authentication-Results; otherwise set trusted_authserv_id = \"HOST\" "
                      "instead");
  if (mode && !settings.trusted_authserv_id.empty())
    return report.add(table.get("authentication")->source(),
                      "both authentication = \"none\" and trusted_authserv_id are set",
                      "keep one: trusted_authserv_id when the mail server writes "
                      "Authentication-Results, authentication = \"none\" when it does not");
  if (mode)
    settings.authentication = SenderAuthentication::none;
  else if (!settings.trusted_authserv_id.empty())
    settings.authentication = SenderAuthentication::authserv_id;
}

void read_trust(const toml::table& root, Settings& settings, Reporter& report) {
  const auto* table = root["trust"].as_table();
  if (!table)
    return;
  util::check_keys(*table, "trust", k_trust_keys, report);
  read_authentication(*table, settings, report);
  read_duration(*table, "arrival_mismatch", "trust", settings.arrival_mismatch, report);
}

void read_report(const toml::table& root, const fs::path& base, Settings& settings,
                 Reporter& report) {
  const auto* table = root["report"].as_table();
  if (!table)
    return;
  util::check_keys(*table, "report", k_report_keys, report);
  if (auto html = util::get_string(*table, "html", "report", report, false)) {
    if (html->empty() || html->ends_with('/'))
      report.add(table->get("html")->source(), fmt::format("bad report path '{}'", *html),
                 "name the page's file, e.g. html = \"/var/www/cse585/term.html\"");
    else
      settings.report.html = relative_to(base, *html);
  }
}

void read_digest(const toml::table& root, Settings& settings, Reporter& report) {
  const auto* table = root["digest"].as_table();
  if (!table)
    return;
  util::check_keys(*table, "digest", k_digest_keys, report);
  settings.digest.to = util::get_strings(*table, "to", "digest", report);
  for (const auto& address : settings.digest.to)
    if (address.find('@') == std::string::npos)
      report.add(table->get("to")->source(), fmt::format("bad digest address '{}'", address),
                 "write staff addresses, e.g. to = [\"staff@example.edu\"]");
  if (auto at = util::get_string(*table, "at", "digest", report, false)) {
    if (auto time = rules::parse_time_of_day(*at))
      settings.digest.at = *time;
    else
      report.add(table->get("at")->source(), fmt::format("bad digest time '{}'", *at),
                 "write the course's local time of day, e.g. at = \"08:00\"");
  }
}

} // namespace

rules::Checked<Settings> parse_settings(std::string_view text, const fs::path& origin) {
  Reporter report(origin.string());
  toml::table root;
  try {
    root = toml::parse(text, origin.string());
  } catch (const toml::parse_error& error) {
    report.add(error.source(), std::string(error.description()), "fix the TOML syntax");
    return std::unexpected(report.take());
  }
  const fs::path base = origin.parent_path();
  Settings settings;
  settings.file = origin;
  util::check_keys(root, "top level", k_top_keys, report);
  if (auto rules = util::get_string(root, "rules", "top level", report, true))
    settings.rules_dir = relative_to(base, *rules);
  if (auto state = util::get_string(root, "state_dir", "top level", report, true))
    settings.state_dir = relative_to(base, *state);
  read_duration(root, "poll_interval", "top level", settings.poll_interval, report);
  read_mailbox(root, base, settings, report);
  read_outbox(root, base, settings, report);
  read_replies(root, settings, report);
  read_trust(root, settings, report);
  read_report(root, base, settings, report);
  read_digest(root, settings, report);
  if (!report.empty())
    return std::unexpected(report.take());
  return settings;
}

rules::Checked<Settings> load_settings(const fs::path& path) {
  auto text = read_file(path);
  if (!text)
    return std::unexpected(core::Problems{text.error()});
  return parse_settings(*text, path);
}

} // namespace mailroom::setup
