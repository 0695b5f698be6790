#pragma once

#include "mailbox/mailbox.hpp"

#include <array>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <unordered_set>

namespace mailroom::mailbox {

// A Maildir read in place: new/ and cur/, never tmp/. A mail arrives at its file's
// modification time, as Dovecot takes it for INTERNALDATE. Reading changes nothing.
class MaildirMailbox final : public Mailbox {
public:
  explicit MaildirMailbox(std::filesystem::path root) : m_root(std::move(root)) {}

  // Checks that `root` has new/ or cur/; a Problem naming the folder otherwise.
  [[nodiscard]] core::Result<void> open() const;

  // Every mail of the folder, read whole: what replay and one-off readers want.
  core::Result<std::size_t>
  for_each_new(const std::function<void(RawMail)>& visit,
               const std::function<void(core::Problem)>& on_problem) override;

  // The daemon's poll: every mail this object has not handed on yet, oldest first. It
  // remembers, by file name (without the flags a client changes), each mail `visit`
  // accepted, and never stats or reads it again; a mail it stopped at, or could not
  // read, comes again next time. A folder (new/, cur/) whose modification time has not
  // changed since it was listed is not listed again, unless it had changed within
  // k_racy_window of that listing (a file added in the same timestamp tick would leave
  // it unchanged). So a poll with nothing new costs two stat calls, however many
  // mails the folder holds. The memory is this process's: the first poll after a
  // start reads every file once more (the ledger knows them).
  using Mailbox::poll;
  [[nodiscard]] Poll poll(const Cursor& after, const Visitor& visit,
                          const std::function<void(core::Problem)>& on_problem,
                          const Flush& flush) override;

  static constexpr std::chrono::seconds k_racy_window{2};

private:
  struct Listed {
    timespec mtime{};
    bool trusted = false; // the folder is unchanged while its mtime is
  };
  std::filesystem::path m_root;
  std::array<Listed, 2> m_listed; // new/, cur/
  std::unordered_set<std::string> m_read;
};

} // namespace mailroom::mailbox
