#include "outbox/directory_sender.hpp"

#include "archive/archive.hpp"

#include <fmt/format.h>

#include <cctype>

namespace mailroom::outbox {

SendOutcome DirectorySender::send(const Envelope& envelope, const std::string& message) {
  std::error_code error;
  std::filesystem::create_directories(m_dir, error);
  if (error)
    return {Delivery::temporary, fmt::format("{}: {}", m_dir.string(), error.message())};
  std::string name;
  for (const char c : envelope.name + "-" + envelope.recipient)
    name +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '@') ? c : '_';
  const auto final_path = m_dir / (name + ".eml");
  if (auto written = archive::write_durably(final_path, message); !written)
    return {Delivery::temporary, written.error().to_string()};
  return {Delivery::sent, final_path.string()};
}

} // namespace mailroom::outbox
