#pragma once

#include "outbox/sender.hpp"

#include <filesystem>

namespace mailroom::outbox {

// `dir:PATH`: one .eml per reply and recipient, written with archive::write_durably. The
// demo and dry-run default; a file of the same name is replaced, so a resend after a
// crash leaves one file.
class DirectorySender final : public Sender {
public:
  explicit DirectorySender(std::filesystem::path dir) : m_dir(std::move(dir)) {}
  [[nodiscard]] SendOutcome send(const Envelope& envelope, const std::string& message) override;

private:
  std::filesystem::path m_dir;
};

} // namespace mailroom::outbox
