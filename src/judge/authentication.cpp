#include "judge/authentication.hpp"

#include "message/headers.hpp"

#include <fmt/format.h>

#include <optional>

namespace mailroom::judge {

namespace {

using message::lower_ascii;
using message::trim;

// Removes RFC 5322 comments "(...)", nested ones too.
std::string without_comments(std::string_view text) {
  std::string out;
  int depth = 0;
  for (char c : text) {
    if (c == '(')
      ++depth;
    else if (c == ')' && depth > 0)
      --depth;
    else if (depth == 0)
      out += c;
  }
  return out;
}

std::string normalised_host(std::string_view host) {
  auto name = lower_ascii(trim(host));
  while (!name.empty() && name.back() == '.')
    name.pop_back();
  return name;
}

constexpr std::string_view k_authenticated = "authenticated: ";
constexpr std::string_view k_unauthenticated = "unauthenticated: ";
constexpr std::string_view k_not_configured = "no trusted authserv-id configured";

} // namespace

// RFC 8601 2.2: authres-header = authserv-id [ version ] ( no-result / 1*resinfo ).
// Nullopt when there is no ';' (an unparseable field counts for nothing: never fail open).
std::optional<std::string> authserv_id_of(std::string_view value) {
  const auto clean = without_comments(value);
  const auto semicolon = clean.find(';');
  if (semicolon == std::string::npos)
    return std::nullopt;
  auto head = trim(std::string_view(clean).substr(0, semicolon));
  const auto space = head.find_first_of(" \t");
  auto id = normalised_host(head.substr(0, space));
  if (id.empty())
    return std::nullopt;
  return id;
}

namespace {

// The last two labels: a public-suffix list would be exact; for the university and
// mail-provider domains a course meets this is the organizational domain.
std::string organizational(std::string_view domain) {
  const auto last = domain.rfind('.');
  if (last == std::string_view::npos || last == 0)
    return std::string(domain);
  const auto before = domain.rfind('.', last - 1);
  return std::string(before == std::string_view::npos ? domain : domain.substr(before + 1));
}

bool under(std::string_view host, std::string_view domain) {
  return host == domain || (host.size() > domain.size() && host.ends_with(domain) &&
                            host[host.size() - domain.size() - 1] == '.');
}

// The value of `key=` inside one resinfo ("dkim=pass header.d=umich.edu").
std::string property(std::string_view resinfo, std::string_view key) {
  std::size_t at = 0;
  while ((at = resinfo.find(key, at)) != std::string_view::npos) {
    const bool starts = at == 0 || resinfo[at - 1] == ' ' || resinfo[at - 1] == '\t';
    const auto end = at + key.size();
    if (starts && end < resinfo.size() && resinfo[end] == '=') {
      auto value = resinfo.substr(end + 1);
      value = value.substr(0, value.find_first_of(" \t;"));
      return normalised_host(value);
    }
    at = end;
  }
  return {};
}

bool private_address(std::string_view address) {
  if (address.starts_with("172.") && address.size() > 7 && address[6] == '.') {
    const int second = (address[4] - '0') * 10 + (address[5] - '0');
    return second >= 16 && second <= 31;
  }
  return address.starts_with("127.") || address.starts_with("10.") ||
         address.starts_with("192.168.") || address == "::1" || address == "ipv6:::1";
}

// A Received field our own side added for an internal hop: `by` one of our hosts, from a
// loopback or private address (the bracketed TCP-info, which the sender cannot write).
bool internal_hop(std::string_view received, std::string_view trusted_domain) {
  const auto clean = lower_ascii(received);
  const auto by = clean.find(" by ");
  if (by == std::string::npos)
    return false;
  auto by_host = std::string_view(clean).substr(by + 4);
  by_host = by_host.substr(0, by_host.find_first_of(" \t;("));
  if (!under(normalised_host(by_host), trusted_domain))
    return false;
  const auto from_part = std::string_view(clean).substr(0, by);
  const auto open = from_part.find('[');
  const auto close = from_part.find(']', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos)
    return from_part.find("localhost") != std::string_view::npos;
  return private_address(from_part.substr(open + 1, close - open - 1));
}

} // namespace

std::vector<TraceField> trace_fields(std::string_view raw) {
  std::vector<TraceField> fields;
  std::optional<TraceField> current;
  auto flush = [&] {
    if (current)
      fields.push_back(std::move(*current));
    current.reset();
  };
  std::size_t at = 0;
  while (at < raw.size()) {
    auto end = raw.find('\n', at);
    if (end == std::string_view::npos)
      end = raw.size();
    auto line = raw.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.empty())
      break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (current)
        current->value += " " + std::string(trim(line));
      continue;
    }
    flush();
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    const auto name = lower_ascii(trim(line.substr(0, colon)));
    if (name == "received")
      current = TraceField{TraceField::Kind::received, std::string(trim(line.substr(colon + 1)))};
    else if (name == "authentication-results")
      current = TraceField{TraceField::Kind::authentication_results,
                           std::string(trim(line.substr(colon + 1)))};
  }
  flush();
  return fields;
}

Authentication authenticate(const std::vector<TraceField>& trace,
                            const message::MessageFacts& facts,
                            std::string_view trusted_authserv_id) {
  const auto trusted = normalised_host(trusted_authserv_id);
  if (trusted.empty())
    return {false, std::string(k_not_configured) + ": nothing is authenticated"};
  if (facts.from_fields != 1 || facts.from.size() != 1)
    return {false, "not exactly one From address"};
  const auto& address = facts.from.front().address;
  const auto at = address.rfind('@');
  if (at == std::string::npos)
    return {false, "the From address has no domain"};
  const auto from_domain = normalised_host(std::string_view(address).substr(at + 1));
  const auto trusted_domain = organizational(trusted);

  for (const auto& field : trace) {
    if (field.kind == TraceField::Kind::received) {
      if (internal_hop(field.value, trusted_domain))
        continue;
      break; // the trust boundary: anything below came from outside
    }
    if (authserv_id_of(field.value) != trusted)
      continue;
    // The topmost trusted A-R decides, pass or fail.
    const auto clean = without_comments(field.value);
    const auto results = std::string_view(clean).substr(clean.find(';') + 1);
    std::size_t start = 0;
    while (start <= results.size()) {
      auto end = results.find(';', start);
      if (end == std::string_view::npos)
        end = results.size();
      const auto resinfo = lower_ascii(trim(results.substr(start, end - start)));
      start = end + 1;
      if (resinfo.starts_with("dmarc=pass") && property(resinfo, "header.from") == from_domain)
        return {true, fmt::format("{}: {}", trusted, resinfo)};
      if (resinfo.starts_with("dkim=pass")) {
        const auto d = property(resinfo, "header.d");
        if (!d.empty() && organizational(d) == organizational(from_domain))
          return {true, fmt::format("{}: {}", trusted, resinfo)};
      }
    }
    return {false, fmt::format("{}: no aligned dkim or dmarc pass for {}", trusted, from_domain)};
  }
  return {false, fmt::format("no Authentication-Results from {} above the first outside Received",
                             trusted)};
}

std::string authentication_signal(const Authentication& authentication) {
  return std::string(authentication.authenticated ? k_authenticated : k_unauthenticated) +
         authentication.why;
}

bool is_authentication_signal(std::string_view signal) {
  return signal.starts_with(k_authenticated) || signal.starts_with(k_unauthenticated);
}

SenderTrust sender_trust(const std::vector<std::string>& signals) {
  for (const auto& signal : signals) {
    if (signal.starts_with(k_authenticated))
      return SenderTrust::authenticated;
    // A site without a trusted authserv-id cannot vouch for anyone: its mail is
    // unauthenticated, and treated so (README: Trust).
    if (signal.starts_with(k_unauthenticated))
      return SenderTrust::unauthenticated;
  }
  return SenderTrust::unknown;
}

} // namespace mailroom::judge
