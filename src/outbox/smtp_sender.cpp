#include "outbox/smtp_sender.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <string_view>

namespace mailroom::outbox {

namespace {

struct Upload {
  const std::string* data = nullptr;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// The server's first error reply ("550 5.1.1 no such user"), else its last reply line;
// libcurl's QUIT ("221 Bye") comes after the error and says nothing.
struct ServerLines {
  std::string last;
  std::string error;
  std::string login;         // the reply to AUTH: "235 ..." once logged in
  std::string command;       // the verb of the last command sent: "EHLO", "MAIL", ...
  std::string error_answers; // the verb `error` answered; empty: the greeting
};

// libcurl's trace of the session (CURLOPT_DEBUGFUNCTION): only the verb of each command
// is kept, so that a refusal can be told apart by what it answered. Never the rest: an
// AUTH line and its continuations carry the credentials.
int note_command(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type != CURLINFO_HEADER_OUT)
    return 0;
  auto* lines = static_cast<ServerLines*>(user);
  std::string_view text(data, size);
  text = text.substr(0, text.find_first_of(" \r\n"));
  lines->command.assign(text.substr(0, 8));
  for (auto& c : lines->command)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return 0;
}

std::size_t keep_reply_lines(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* lines = static_cast<ServerLines*>(user);
  std::string line(buffer, size * count);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.pop_back();
  if (line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0]))) {
    lines->last = line;
    if (line.starts_with("235"))
      lines->login = line;
    if ((line[0] == '4' || line[0] == '5') && lines->error.empty()) {
      lines->error = line;
      lines->error_answers = lines->command;
    }
  }
  return size * count;
}

// The body of a command's reply (NOOP's "250 OK"), which no one reads.
std::size_t discard(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

// Messages on the wire are CRLF; composition may hand over LF.
std::string crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
      out += '\r';
    out += text[i];
  }
  return out;
}

std::string bracketed(const std::string& address) {
  return address.starts_with("<") ? address : "<" + address + ">";
}

// libcurl takes the EHLO name from the URL path.
std::string url_with_helo(const SmtpSettings& settings) {
  std::string url = settings.url;
  if (const auto scheme_end = url.find("://"); url.find('/', scheme_end + 3) == std::string::npos)
    url += "/" + settings.helo;
  return url;
}

// The options of every connection, a mail's or a login check's: TLS required (or
// tried, on loopback tests), the certificate and host name verified, AUTH, the
// server's reply lines into `lines`, libcurl's words into `reason`.
void set_session_options(CURL* curl, const SmtpSettings& settings, const std::string& url,
                         ServerLines& lines, char* reason) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   settings.allow_plaintext ? static_cast<long>(CURLUSESSL_TRY)
                                            : static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings.ca_file.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, settings.ca_file.c_str());
  if (!settings.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, keep_reply_lines);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &lines);
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, note_command);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &lines);
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L); // calls note_command; prints nothing
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(settings.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(settings.timeout.count() * 4));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, reason);
}

// The one mapping of how a transaction ended to what becomes of the reply (STYLE 5).
// Order is important: the server's own reply decides before the transport's error.
Delivery classify(CURLcode code, const ServerLines& lines, long response) {
  if (code == CURLE_OK)
    return Delivery::sent;
  // A refused login is the config's fault, not the message's: keep it queued.
  if (code == CURLE_LOGIN_DENIED)
    return Delivery::temporary;
  // A 5xx to MAIL, RCPT or the end of DATA is the server's final word on this message.
  // Before MAIL (the greeting, EHLO, STARTTLS) it is about the server or the config, and
  // would fail every reply alike: those stay queued, as for a refused login.
  const bool refused =
      lines.error.starts_with('5') || (lines.error.empty() && response >= 500 && response < 600);
  const auto& answered = lines.error.empty() ? lines.command : lines.error_answers;
  if (refused && (answered == "MAIL" || answered == "RCPT" || answered == "DATA"))
    return Delivery::permanent;
  // The rest is temporary: a 4xx, and a connection that ended without an error reply:
  // refused, timed out, a TLS failure, or closed after the client's `.` and before the
  // server's reply (the RFC 1047 window, docs/reliability-cases.md E6; libcurl says
  // CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_SEND_ERROR or CURLE_OPERATION_TIMEDOUT,
  // and the last reply it saw is DATA's 354). The server may have taken the message,
  // so the retry may deliver it twice: at least once, with the same Message-ID.
  return Delivery::temporary;
}

bool untrusted_certificate(CURLcode code) {
  switch (code) {
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    return true;
  default:
    return false;
  }
}

std::string ca_fix(const SmtpSettings& settings) {
  return settings.ca_file.empty()
             ? "set ca_file in [outbox] to the CA that signed it"
             : fmt::format("check that {} holds the CA that signed it", settings.ca_file.string());
}

} // namespace

SmtpSender::SmtpSender(SmtpSettings settings) : m_settings(std::move(settings)) {}

SmtpSender::~SmtpSender() {
  if (m_curl)
    curl_easy_cleanup(static_cast<CURL*>(m_curl));
}

core::Result<std::unique_ptr<SmtpSender>> SmtpSender::make(SmtpSettings settings) {
  if (!settings.url.starts_with("smtps://") && !settings.url.starts_with("smtp://"))
    return core::fail("[outbox] url", "not an smtps:// or smtp:// URL: " + settings.url,
                      "write smtps://HOST[:PORT], smtp://HOST[:PORT] (STARTTLS) or dir:PATH");
  std::unique_ptr<SmtpSender> sender(new SmtpSender(std::move(settings)));
  sender->m_curl = curl_easy_init();
  if (!sender->m_curl)
    return core::fail("[outbox] url", "libcurl could not start", "");
  return sender;
}

SendOutcome SmtpSender::send(const Envelope& envelope, const std::string& message) {
  auto* curl = static_cast<CURL*>(m_curl);
  curl_easy_reset(curl); // options go; the connection cache stays
  const std::string url = url_with_helo(m_settings);
  const std::string wire = crlf(message);
  Upload upload{&wire, 0};
  ServerLines lines;
  const std::string from = bracketed(envelope.from);
  curl_slist* recipients = curl_slist_append(nullptr, bracketed(envelope.recipient).c_str());
  char reason[CURL_ERROR_SIZE] = {};
  set_session_options(curl, m_settings, url, lines, reason);
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(wire.size()));
  const CURLcode code = curl_easy_perform(curl);
  long response = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
  curl_slist_free_all(recipients);
  const Delivery delivery = classify(code, lines, response);
  if (delivery == Delivery::sent)
    return {Delivery::sent, lines.last};
  const std::string& said = lines.error.empty() ? lines.last : lines.error;
  std::string detail = fmt::format("{} to {}: {}{}", m_settings.url, envelope.recipient,
                                   curl_easy_strerror(code), said.empty() ? "" : " (" + said + ")");
  if (lines.error.empty() && lines.last.starts_with("354"))
    detail = fmt::format("{} to {}: the connection ended after the whole message was sent, "
                         "before the server's reply ({}); the server may have it, so it goes "
                         "again (at least once, the same Message-ID)",
                         m_settings.url, envelope.recipient,
                         *reason ? reason : curl_easy_strerror(code));
  else if (untrusted_certificate(code))
    // Nothing was sent: the reply stays queued until staff fix the trust.
    detail = fmt::format("{} to {}: the server's TLS certificate is not trusted ({}); {}",
                         m_settings.url, envelope.recipient,
                         *reason ? reason : curl_easy_strerror(code), ca_fix(m_settings));
  return {delivery, detail};
}

core::Result<std::string> SmtpSender::check_login() const {
  // A NOOP after libcurl's connect phase (greeting, EHLO, STARTTLS, AUTH), with the
  // same options as send(). Not CURLOPT_CONNECT_ONLY: libcurl then hands the socket to
  // the caller and closes it without QUIT (seen with 7.88). Not VRFY: servers disable
  // it (502, 252) and it asks about an address. Every server must take NOOP (RFC 5321
  // 4.5.1), it proves the session works after AUTH, and it starts no mail transaction;
  // the cleanup then ends the cached connection with QUIT.
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl)
    return core::fail("[outbox] url", "libcurl could not start", "");
  const std::string url = url_with_helo(m_settings);
  ServerLines lines;
  char reason[CURL_ERROR_SIZE] = {};
  set_session_options(curl.get(), m_settings, url, lines, reason);
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, "NOOP");
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, discard);
  const CURLcode code = curl_easy_perform(curl.get());
  const std::string where = "[outbox] url " + m_settings.url;
  const std::string why = *reason ? reason : curl_easy_strerror(code);
  const std::string said = lines.error.empty() ? "" : " (" + lines.error + ")";
  if (code == CURLE_OK) {
    // libcurl skips AUTH, and says nothing, when the server offers no mechanism it
    // knows; a user that never logged in would then fail at the first MAIL FROM.
    if (!m_settings.user.empty() && !lines.login.starts_with("235"))
      return core::fail(
          where, fmt::format("the server offered no AUTH method to log in as {}", m_settings.user),
          "check the url's host and port (a submission port, 587 or 465, "
          "offers AUTH), or remove [outbox] user if the server needs no login");
    return m_settings.user.empty() ? std::string("connected, no login configured")
                                   : fmt::format("logged in as {}", m_settings.user);
  }
  if (untrusted_certificate(code))
    return core::fail(where, fmt::format("the server's TLS certificate is not trusted ({})", why),
                      ca_fix(m_settings));
  switch (code) {
  case CURLE_LOGIN_DENIED:
    return core::fail(where, fmt::format("login as {} refused{}", m_settings.user, said),
                      "check [outbox] user and the password in " +
                          (m_settings.password_origin.empty() ? std::string("its file")
                                                              : m_settings.password_origin));
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
    return core::fail(where, fmt::format("the server is unreachable ({})", why),
                      "check the host and port in [outbox] url, that the server is up, and "
                      "that no firewall stands between");
  case CURLE_USE_SSL_FAILED:
    return core::fail(where, fmt::format("the server offers no STARTTLS ({})", why),
                      "use smtps://HOST (TLS from the first byte, port 465) if the server "
                      "speaks it, or a server that offers STARTTLS");
  case CURLE_SSL_CONNECT_ERROR:
    return core::fail(where, fmt::format("the TLS handshake failed ({})", why),
                      "check that the port speaks what the url says: smtps:// for TLS from "
                      "the first byte (465), smtp:// for STARTTLS (587 or 25)");
  default:
    return core::fail(where, fmt::format("{}{}", why, said),
                      "check [outbox] url, user and the server's log");
  }
}

} // namespace mailroom::outbox
