#include "reply/desk.hpp"

#include "message/headers.hpp"
#include "util/text.hpp"

namespace mailroom::reply {

std::optional<std::string> bare_address(std::string_view value) {
  const auto mailboxes = message::parse_mailboxes(value, 2);
  if (mailboxes.size() != 1)
    return std::nullopt;
  const auto& address = mailboxes.front().address;
  const auto at = address.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
      address.find_first_of(" \t<>,;\"") != std::string::npos)
    return std::nullopt;
  return address;
}

Desk desk_of(std::string_view from, std::string_view course_id) {
  Desk desk;
  desk.from = std::string(from);
  desk.address = bare_address(from).value_or(std::string(from));
  const auto at = desk.address.rfind('@');
  const auto domain =
      at == std::string::npos ? std::string("invalid") : util::lower(desk.address.substr(at + 1));
  desk.message_id_domain = "mailroom." + std::string(course_id) + "." + domain;
  return desk;
}

} // namespace mailroom::reply
