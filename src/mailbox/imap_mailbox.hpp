#pragma once

#include "mailbox/imap_connection.hpp"
#include "mailbox/mailbox.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace mailroom::mailbox {

// One IMAP folder watched for submissions. Reading never changes a mail: bodies come with
// BODY.PEEK[], so \Seen stays as staff left it; the only change mailroom makes is the
// keyword (settings.keyword) that mark_processed() stores. The connection is kept across
// polls and re-opened when it broke. Not thread-safe: one poller at a time.
class ImapMailbox final : public Mailbox {
public:
  // What the server said about the folder when it was last selected.
  struct Folder {
    std::uint32_t uidvalidity = 0;
    std::uint32_t uidnext = 0; // 0: the server did not say
    std::uint32_t exists = 0;
    bool keyword_storable = true; // PERMANENTFLAGS allows new keywords, or has ours
  };

  // Checks the url and the keyword (a Problem naming `url` otherwise). Does not connect.
  [[nodiscard]] static core::Result<std::unique_ptr<ImapMailbox>> make(ImapSettings settings);

  // Connects if needed, logs in and selects the folder: what `mailroom check` calls.
  // Failures as ImapConnection::open(), plus a folder that cannot be selected (mailbox;
  // never when it does not exist).
  [[nodiscard]] std::expected<Folder, Failure> open();
  // Drops the connection (a LOGOUT is not needed); the next call reconnects.
  void disconnect();

  // Every mail without the keyword, by ascending UID. The Problem is the failure's.
  core::Result<std::size_t>
  for_each_new(const std::function<void(RawMail)>& visit,
               const std::function<void(core::Problem)>& on_problem) override;

  // Mail with a UID above `after.last_uid` under the same UIDVALIDITY, by ascending UID;
  // the whole folder again when UIDVALIDITY changed or UIDs went back (see Poll). A poll
  // that finds UIDNEXT unchanged costs one SELECT; the first on a connection also one
  // FETCH of the last UID's size and INTERNALDATE (is it still the mail the cursor read?). A mail
  // expunged while being fetched, or with an unreadable INTERNALDATE, goes to `on_problem` (the
  // cursor moves past it). Mails are fetched by a second thread, in batches, while `visit` handles
  // the ones before (both cores busy on a backlog); at most `k_fetch_ahead_bytes` wait between
  // them. `visit` and `on_problem` run on the caller's thread. mark_processed() from
  // within `visit` is carried out between batches and at the end of the poll.
  using Mailbox::poll;
  [[nodiscard]] Poll poll(const Cursor& after, const Visitor& visit,
                          const std::function<void(core::Problem)>& on_problem,
                          const Flush& flush) override;

  // How much fetched mail may wait for `visit` (one mail always may, whatever its size).
  static constexpr std::size_t k_fetch_ahead_bytes = 4 * 1024 * 1024;
  // The mail `visit` records and the one being read meanwhile may be this big together;
  // a larger next mail is read once `visit` is done, so two decks are never in memory
  // at once (the peak is about this: recording a mail reads its parts' bodies where they
  // lie in it, message::Bodies::located, and writes attachments out as they are decoded).
  static constexpr std::size_t k_in_flight_bytes = 30 * 1024 * 1024;
  // UIDs per UID FETCH command during a poll.
  static constexpr std::size_t k_fetch_batch = 200;

  // Stores the keyword on `source`, then, when settings.move_to is set, moves it there
  // (UID MOVE, or COPY + \Deleted + UID EXPUNGE of that UID only; the folder is created
  // when missing). Failures: not this folder's mail, or UIDVALIDITY changed since
  // (message, never); the folder takes no new keywords, or the move is refused (mailbox,
  // never); the connection (server, later).
  [[nodiscard]] std::expected<void, Failure> mark_processed(const std::string& source) override;

  // `prepare` runs on the fetching thread, on each mail before it is handed on.
  void prepare_ahead(std::function<void(RawMail&)> prepare) override {
    m_prepare = std::move(prepare);
  }
  // `begin` runs on the fetching thread when a mail starts to arrive over many reads.
  void prepare_as_received(std::function<std::unique_ptr<ArrivingMail>()> begin) override {
    m_begin_arriving = std::move(begin);
  }

  // IDLE (RFC 2177) on the selected folder, when the server offers it (else
  // not_offered). Mail the server announced after the last SELECT ends it at once: the
  // server says EXISTS once, maybe in answer to the poll's last STORE. A refused IDLE is a
  // mailbox Failure that says not to retry; a lost connection a server one.
  [[nodiscard]] std::expected<Waited, Failure>
  wait_for_mail(std::chrono::milliseconds up_to, int wake_fd, std::chrono::milliseconds heartbeat,
                const std::function<void()>& still_waiting) override;

  // The folder as last selected; nullopt before the first select.
  [[nodiscard]] const std::optional<Folder>& folder() const { return m_folder; }
  // How many times a connection was opened (1 while it is reused).
  [[nodiscard]] unsigned connections_opened() const { return m_connections_opened; }
  // Of those, the ones that began as the settings' early connection (0 or 1).
  [[nodiscard]] unsigned early_connections_used() const {
    return m_connection.early_connections_used();
  }
  // Commands sent to the server so far, for tests of what a poll costs.
  [[nodiscard]] unsigned commands_sent() const { return m_connection.commands_sent(); }

  ImapMailbox(ImapSettings settings, imap::Endpoint endpoint);

private:
  [[nodiscard]] std::expected<Folder, Failure> select();
  // SELECT on the open connection, or on a new one when the old broke or there is none.
  [[nodiscard]] std::expected<Folder, Failure> reselect();
  [[nodiscard]] std::expected<std::vector<std::uint32_t>, Failure> search(std::string_view criteria,
                                                                          std::uint32_t above);
  // The mail with `uid`; nullopt when it is gone (expunged meanwhile). A message-scoped
  // Failure for a mail that came back unreadable.
  [[nodiscard]] std::expected<std::optional<RawMail>, Failure> fetch(std::uint32_t uid);
  [[nodiscard]] Failure folder_failure(const Reply& reply, std::string_view doing) const;
  [[nodiscard]] std::expected<void, Failure> move(const std::string& uids,
                                                  const std::string& source);
  // Stores the keyword on `uids` (and moves them when settings.move_to is set).
  [[nodiscard]] std::expected<void, Failure> mark(const std::vector<std::uint32_t>& uids,
                                                  const std::string& source);
  struct FetchAhead;
  // The fetching thread of poll(): every UID of `uids`, in batches, into `ahead`.
  void fetch_ahead(const std::vector<std::uint32_t>& uids, FetchAhead& ahead);
  // Whether `cursor.last_uid` names the mail of the cursor's INTERNALDATE and size, or
  // none (expunged, moved); false when another mail took the UID (docs/reliability-cases.md E3).
  [[nodiscard]] std::expected<bool, Failure> same_mail_or_gone(const Cursor& cursor);
  // Carries out the marks poll() deferred; the first failure, if any.
  [[nodiscard]] std::optional<Failure> flush_marks();

  ImapConnection m_connection;
  std::optional<Folder> m_folder;
  unsigned m_connections_opened = 0;
  // The connection (by m_connections_opened) on which the cursor's last UID was last
  // found to name the same mail; 0: not on this one yet.
  unsigned m_fingerprint_checked_on = 0;
  // ImapConnection::new_mail_seen() right after the last SELECT's answer.
  unsigned m_new_mail_at_select = 0;
  // During a poll, mark_processed() only notes the UID here (the fetching thread owns the
  // connection); the poll stores them between batches and at its end.
  std::mutex m_marks_lock;
  std::vector<std::uint32_t> m_deferred_marks;
  bool m_deferring_marks = false;
  std::function<void(RawMail&)> m_prepare;                         // prepare_ahead()
  std::function<std::unique_ptr<ArrivingMail>()> m_begin_arriving; // prepare_as_received()
};

} // namespace mailroom::mailbox
