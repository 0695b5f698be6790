#pragma once

#include "mailbox/mailbox.hpp"

#include <filesystem>

namespace mailroom::mailbox {

// A Maildir read in place: new/ and cur/, never tmp/. A mail arrives at its file's
// modification time, as Dovecot takes it for INTERNALDATE. Reading changes nothing.
class MaildirMailbox final : public Mailbox {
public:
  explicit MaildirMailbox(std::filesystem::path root) : m_root(std::move(root)) {}

  // Checks that `root` has new/ or cur/; a Problem naming the folder otherwise.
  [[nodiscard]] core::Result<void> open() const;

  core::Result<std::size_t>
  for_each_new(const std::function<void(RawMail)>& visit,
               const std::function<void(core::Problem)>& on_problem) override;

private:
  std::filesystem::path m_root;
};

} // namespace mailroom::mailbox
