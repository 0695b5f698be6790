#include "message/headers.hpp"
#include "message/parse.hpp"
#include "message/text.hpp"

#include <algorithm>
#include <cctype>

namespace mailroom::message {
namespace {

// Characters that end a URL written in running text.
bool ends_url(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == '"' ||
         c == '`' || c == '{' || c == '}' || c == '|' || c == '\\' || c == '^' ||
         static_cast<unsigned char>(c) < 0x20;
}

// Sentence punctuation after a URL is not part of it; a ')' is kept when the
// URL opened one (Wikipedia-style links).
std::string_view strip_trailing(std::string_view url) {
  while (!url.empty()) {
    const char c = url.back();
    if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' ||
        c == ']' || c == '*') {
      url.remove_suffix(1);
    } else if (c == ')' &&
               std::count(url.begin(), url.end(), '(') < std::count(url.begin(), url.end(), ')')) {
      url.remove_suffix(1);
    } else {
      break;
    }
  }
  return url;
}

bool is_web_url(std::string_view url) {
  const auto lowered = lower_ascii(url.substr(0, 8));
  return lowered.starts_with("http://") || lowered.starts_with("https://");
}

// The host of an http(s) URL, lower case, without userinfo, port or "www.".
std::string host_of(std::string_view url, std::string_view& rest) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos)
    return {};
  auto authority = url.substr(scheme + 3);
  const auto path_start = authority.find_first_of("/?#");
  rest = path_start == std::string_view::npos ? std::string_view{} : authority.substr(path_start);
  authority = authority.substr(0, path_start);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  if (const auto colon = authority.find(':'); colon != std::string_view::npos)
    authority = authority.substr(0, colon);
  auto host = lower_ascii(authority);
  while (!host.empty() && host.back() == '.')
    host.pop_back();
  if (host.starts_with("www."))
    host.erase(0, 4);
  return host;
}

bool host_is(std::string_view host, std::string_view domain) {
  return host == domain || (host.size() > domain.size() && host.ends_with(domain) &&
                            host[host.size() - domain.size() - 1] == '.');
}

} // namespace

std::vector<std::string> text_urls(std::string_view text, std::size_t limit) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (out.size() < limit) {
    const auto found = std::min(text.find("http", i), text.find("HTTP", i));
    if (found == std::string_view::npos)
      break;
    std::size_t end = found;
    while (end < text.size() && !ends_url(text[end]))
      ++end;
    const auto candidate = strip_trailing(text.substr(found, end - found));
    if (is_web_url(candidate) && candidate.size() > 8)
      out.emplace_back(candidate);
    i = std::max(end, found + 4);
  }
  return out;
}

void add_link(std::vector<Link>& links, std::string url, std::size_t limit) {
  if (links.size() >= limit || !is_web_url(url))
    return;
  for (const auto& link : links)
    if (link.url == url)
      return;
  const auto kind = classify_link(url);
  links.push_back(Link{std::move(url), kind});
}

LinkKind classify_link(std::string_view url) {
  std::string_view rest;
  const auto host = host_of(url, rest);
  if (host == "docs.google.com") {
    if (rest.starts_with("/presentation"))
      return LinkKind::google_slides;
    if (rest.starts_with("/document"))
      return LinkKind::google_docs;
    return LinkKind::google_drive;
  }
  if (host == "drive.google.com")
    return LinkKind::google_drive;
  if (host_is(host, "github.com") || host_is(host, "githubusercontent.com"))
    return LinkKind::github;
  if (host_is(host, "gitlab.com") || host.starts_with("gitlab."))
    return LinkKind::gitlab;
  return LinkKind::other;
}

std::string link_host(std::string_view url) {
  std::string_view rest;
  return host_of(url, rest);
}

std::string to_string(LinkKind kind) {
  switch (kind) {
  case LinkKind::google_slides:
    return "google-slides";
  case LinkKind::google_docs:
    return "google-docs";
  case LinkKind::google_drive:
    return "google-drive";
  case LinkKind::github:
    return "github";
  case LinkKind::gitlab:
    return "gitlab";
  case LinkKind::other:
    break;
  }
  return "other";
}

} // namespace mailroom::message
