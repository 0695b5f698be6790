#include "outbox/smtp_sender.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>

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
};

std::size_t keep_reply_lines(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* lines = static_cast<ServerLines*>(user);
  std::string line(buffer, size * count);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.pop_back();
  if (line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0]))) {
    lines->last = line;
    if ((line[0] == '4' || line[0] == '5') && lines->error.empty())
      lines->error = line;
  }
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

// The options of every connection: TLS required (or
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
  if (lines.error.starts_with('5') || (lines.error.empty() && response >= 500 && response < 600))
    return Delivery::permanent;
  // The rest is temporary: a 4xx, and a connection that ended without an error reply:
  // refused, timed out, a TLS failure, or closed after the client's `.` and before the
  // server's reply (the RFC 1047 window, reliability.md E6; libcurl says
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

} // namespace mailroom::outbox
