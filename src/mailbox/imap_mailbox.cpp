#include "mailbox/imap_mailbox.hpp"

#include "core/fault.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <span>
#include <thread>

namespace mailroom::mailbox {

namespace {

// RFC 3501 atom-specials, plus '\' which starts only system flags.
bool is_keyword(std::string_view keyword) {
  if (keyword.empty() || keyword.front() == '\\')
    return false;
  return std::ranges::none_of(keyword, [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte >= 0x7f ||
           std::string_view("(){%*\"\\]").find(c) != std::string_view::npos;
  });
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Whether the FETCH response `data` carries a mail. BODY[] NIL is what Dovecot sends for a
// mail another session expunged after this one's SEARCH (docs/reliability-cases.md E9 c): no mail.
bool has_body(const imap::FetchData& data) {
  return data.body && data.body->data() != nullptr;
}

// The mail in the FETCH response `line` (parsed as `data`, has_body), its memory taken
// from `line` rather than copied: a response may hold megabytes.
std::expected<RawMail, Failure> raw_mail(std::string& line, const imap::FetchData& data,
                                         std::uint32_t uid, const std::string& source) {
  if (!data.internaldate)
    return std::unexpected(Failure{{source, "the server sent no INTERNALDATE",
                                    "mailroom cannot tell when this mail arrived; staff must "
                                    "look at it"},
                                   Scope::message,
                                   Retry::never});
  const auto received_at = imap::parse_internaldate(*data.internaldate);
  if (!received_at)
    return std::unexpected(
        Failure{{source, fmt::format("unreadable INTERNALDATE \"{}\"", *data.internaldate),
                 "mailroom cannot tell when this mail arrived; staff must look at it"},
                Scope::message,
                Retry::never});
  RawMail mail;
  mail.source = source;
  mail.file = std::to_string(uid);
  mail.received_at = *received_at;
  const auto begin = reinterpret_cast<std::uintptr_t>(data.body->data());
  const auto start = reinterpret_cast<std::uintptr_t>(line.data());
  const auto size = data.body->size();
  if (begin < start || begin + size > start + line.size()) {
    mail.raw = std::string(*data.body); // not a view into `line` (a parser's own buffer)
    return mail;
  }
  const auto offset = static_cast<std::size_t>(begin - start);
  mail.raw = std::move(line);
  mail.raw.resize(offset + size);
  mail.raw.erase(0, offset);
  return mail;
}

} // namespace

core::Result<std::unique_ptr<ImapMailbox>> ImapMailbox::make(ImapSettings settings) {
  std::string error;
  auto endpoint = imap::parse_url(settings.url, error);
  if (!endpoint)
    return core::fail(settings.url, error,
                      "write imaps://HOST[:PORT]/FOLDER, or imap://HOST[:PORT]/FOLDER for "
                      "STARTTLS");
  if (!imap::quote(endpoint->folder))
    return core::fail(settings.url,
                      fmt::format("the folder '{}' has a character mailroom cannot name over "
                                  "IMAP (control or 8-bit)",
                                  endpoint->folder),
                      "watch a folder with an ASCII name");
  if (!is_keyword(settings.keyword))
    return core::fail(settings.url, fmt::format("'{}' cannot be an IMAP keyword", settings.keyword),
                      "use letters, digits and '$', e.g. $MailroomProcessed");
  return std::make_unique<ImapMailbox>(std::move(settings), std::move(*endpoint));
}

ImapMailbox::ImapMailbox(ImapSettings settings, imap::Endpoint endpoint)
    : m_connection(std::move(settings), std::move(endpoint)) {}

void ImapMailbox::disconnect() {
  m_connection.close();
  m_folder.reset();
}

Failure ImapMailbox::folder_failure(const Reply& reply, std::string_view doing) const {
  const auto& endpoint = m_connection.endpoint();
  // RFC 5530's code, or Dovecot 2.3's words for it (it sends no code on SELECT).
  if (contains(reply.text, "[NONEXISTENT]") || contains(reply.text, "doesn't exist"))
    return Failure{{endpoint.display(),
                    fmt::format("{} has no folder '{}' ({} {})", endpoint.host, endpoint.folder,
                                reply.status, reply.text),
                    "check the folder in [mailbox] url"},
                   Scope::mailbox,
                   Retry::never};
  return Failure{{endpoint.display(),
                  fmt::format("{} of folder '{}' refused: {} {}", doing, endpoint.folder,
                              reply.status, reply.text),
                  "mailroom tries again at the next poll"},
                 Scope::mailbox,
                 reply.status == "BAD" ? Retry::never : Retry::later};
}

std::expected<ImapMailbox::Folder, Failure> ImapMailbox::select() {
  m_folder.reset();
  // SELECT, not EXAMINE: STORE needs a read-write folder. Reading stays \Seen-safe
  // because every body is fetched with BODY.PEEK[].
  const auto name = *imap::quote(m_connection.endpoint().folder);
  auto reply = m_connection.command("SELECT " + name);
  if (!reply)
    return std::unexpected(reply.error());
  if (!reply->ok())
    return std::unexpected(folder_failure(*reply, "SELECT"));
  Folder folder;
  const auto& keyword = m_connection.settings().keyword;
  for (const auto& line : reply->untagged) {
    if (const auto validity = imap::code_number(line, "UIDVALIDITY"))
      folder.uidvalidity = *validity;
    else if (const auto next = imap::code_number(line, "UIDNEXT"))
      folder.uidnext = *next;
    else if (const auto count = imap::exists_count(line))
      folder.exists = *count;
    else if (const auto flags = imap::code_list(line, "PERMANENTFLAGS"))
      folder.keyword_storable = std::ranges::find(*flags, "\\*") != flags->end() ||
                                std::ranges::find(*flags, keyword) != flags->end();
  }
  if (folder.uidvalidity == 0)
    return std::unexpected(
        Failure{{m_connection.endpoint().display(), "the server sent no UIDVALIDITY for the folder",
                 "mailroom needs a server with persistent UIDs"},
                Scope::mailbox,
                Retry::never});
  m_folder = folder;
  m_new_mail_at_select = m_connection.new_mail_seen();
  return folder;
}

std::expected<ImapMailbox::Folder, Failure> ImapMailbox::reselect() {
  if (m_connection.is_open()) {
    auto folder = select();
    // A reused connection may have died while idle (server restart, autologout, a
    // deleted folder's BYE): one fresh connection is the fix, not a failed poll.
    if (folder || folder.error().scope != Scope::server)
      return folder;
  }
  if (auto opened = m_connection.open(); !opened)
    return std::unexpected(opened.error());
  ++m_connections_opened;
  return select();
}

std::expected<ImapMailbox::Folder, Failure> ImapMailbox::open() {
  return reselect();
}

std::expected<std::vector<std::uint32_t>, Failure> ImapMailbox::search(std::string_view criteria,
                                                                       std::uint32_t above) {
  // ESEARCH answers with ranges ("1:4000"), keeping the line short on a big folder.
  const auto command = fmt::format(
      "UID SEARCH {}{}", m_connection.has_capability("ESEARCH") ? "RETURN (ALL) " : "", criteria);
  auto reply = m_connection.command(command);
  if (!reply)
    return std::unexpected(reply.error());
  if (!reply->ok())
    return std::unexpected(folder_failure(*reply, "UID SEARCH"));
  std::vector<std::uint32_t> uids;
  for (const auto& line : reply->untagged)
    if (auto found = imap::search_uids(line))
      uids.insert(uids.end(), found->begin(), found->end());
  // `UID n:*` always matches the highest UID, even one below n (RFC 3501 6.4.8).
  std::erase_if(uids, [above](std::uint32_t uid) { return uid <= above; });
  std::ranges::sort(uids);
  const auto [first_duplicate, end] = std::ranges::unique(uids);
  uids.erase(first_duplicate, end);
  return uids;
}

std::expected<std::optional<RawMail>, Failure> ImapMailbox::fetch(std::uint32_t uid) {
  const auto& endpoint = m_connection.endpoint();
  const imap::SourceKey key{endpoint.host, endpoint.folder, m_folder->uidvalidity, uid};
  const auto source = imap::format_source(key);
  // BODY.PEEK[]: BODY[] would set \Seen (RFC 3501 6.4.5), and staff read this folder.
  auto reply = m_connection.command(
      fmt::format("UID FETCH {} (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])", uid));
  if (!reply)
    return std::unexpected(reply.error());
  if (!reply->ok()) {
    // Dovecot answers NO [EXPUNGEISSUED] for a mail expunged by another session.
    if (contains(reply->text, "EXPUNGE"))
      return std::optional<RawMail>{};
    return std::unexpected(
        Failure{{source, fmt::format("UID FETCH refused: {} {}", reply->status, reply->text),
                 "mailroom tries this mail again at the next poll"},
                Scope::message,
                Retry::later});
  }
  for (auto& line : reply->untagged) {
    const auto data = imap::parse_fetch(line);
    // Other untagged FETCHes (flag changes made by staff meanwhile) may come along.
    if (!data || data->uid != uid || !has_body(*data))
      continue;
    auto mail = raw_mail(line, *data, uid, source);
    if (!mail)
      return std::unexpected(mail.error());
    return std::optional<RawMail>{std::move(*mail)};
  }
  return std::optional<RawMail>{}; // no FETCH data: expunged between SEARCH and FETCH
}

core::Result<std::size_t>
ImapMailbox::for_each_new(const std::function<void(RawMail)>& visit,
                          const std::function<void(core::Problem)>& on_problem) {
  auto folder = reselect();
  if (!folder)
    return std::unexpected(folder.error().problem);
  auto uids = search(fmt::format("UNKEYWORD {}", m_connection.settings().keyword), 0);
  if (!uids)
    return std::unexpected(uids.error().problem);
  std::size_t visited = 0;
  for (const auto uid : *uids) {
    auto mail = fetch(uid);
    if (!mail) {
      if (mail.error().scope != Scope::message)
        return std::unexpected(mail.error().problem);
      on_problem(mail.error().problem);
      continue;
    }
    if (!*mail)
      continue;
    visit(std::move(**mail));
    ++visited;
  }
  return visited;
}

// What the fetching thread hands to the poll's thread: a mail, a mail that came back
// unreadable, or a UID that was gone (expunged between SEARCH and FETCH).
struct Fetched {
  std::uint32_t uid = 0;
  std::optional<RawMail> mail;
  std::optional<Failure> problem; // neither: expunged
  std::uint64_t size = 0;         // RFC822.SIZE; 0: not known
};

// The hand-over between the fetching thread and the poll's thread, bounded in bytes so
// that a backlog of decks never waits in memory: one mail may always wait, more only
// while they fit in k_fetch_ahead_bytes together.
struct ImapMailbox::FetchAhead {
  std::mutex lock;
  std::condition_variable changed;
  std::deque<Fetched> waiting;
  std::size_t waiting_bytes = 0;
  std::size_t recording_bytes = 0; // the mail the poll's thread took last, until the next take
  bool done = false;               // the fetcher has handed on all it will
  bool cancelled = false;          // the poll's thread wants no more
  std::optional<Failure> failure;
  std::optional<Failure> mark_failure; // the first; the fetcher's until joined

  // False when the poll's thread has stopped taking mail.
  bool hand_on(Fetched fetched) {
    const auto bytes = fetched.mail ? fetched.mail->raw.size() : 0;
    std::unique_lock guard(lock);
    changed.wait(guard, [&] {
      return cancelled || waiting.empty() || waiting_bytes + bytes <= k_fetch_ahead_bytes;
    });
    if (cancelled)
      return false;
    waiting_bytes += bytes;
    waiting.push_back(std::move(fetched));
    changed.notify_all();
    // A mail over the budget waits alone, and the next is not read off the socket before
    // it is taken: the mail being recorded, this one and no third are in memory at once.
    changed.wait(guard, [&] { return cancelled || waiting_bytes <= k_fetch_ahead_bytes; });
    return !cancelled;
  }
  void finish(std::optional<Failure> why) {
    std::lock_guard guard(lock);
    done = true;
    failure = std::move(why);
    changed.notify_all();
  }
  void note_mark(std::optional<Failure> marked) {
    if (!mark_failure)
      mark_failure = std::move(marked);
  }
  void cancel() {
    std::lock_guard guard(lock);
    cancelled = true;
    changed.notify_all();
  }
  // Before a mail of `bytes` is read off the socket: waits while the mail being recorded
  // and it would be more than k_in_flight_bytes together.
  void wait_to_read(std::size_t bytes) {
    std::unique_lock guard(lock);
    changed.wait(guard, [&] {
      return cancelled || recording_bytes == 0 || recording_bytes + bytes <= k_in_flight_bytes;
    });
  }
  // Whether take() would return at once.
  bool ready() {
    std::lock_guard guard(lock);
    return done || !waiting.empty();
  }
  // The next mail; nullopt once the fetcher is done and nothing waits. The one before is
  // recorded by then (and freed).
  std::optional<Fetched> take() {
    std::unique_lock guard(lock);
    recording_bytes = 0;
    changed.notify_all();
    changed.wait(guard, [&] { return done || !waiting.empty(); });
    if (waiting.empty())
      return std::nullopt;
    Fetched next = std::move(waiting.front());
    waiting.pop_front();
    waiting_bytes -= next.mail ? next.mail->raw.size() : 0;
    recording_bytes = next.mail ? next.mail->raw.size() : 0;
    changed.notify_all();
    return next;
  }
};

void ImapMailbox::fetch_ahead(const std::vector<std::uint32_t>& uids, FetchAhead& ahead) {
  const auto& endpoint = m_connection.endpoint();
  const auto source_of = [&](std::uint32_t uid) {
    return imap::format_source({endpoint.host, endpoint.folder, m_folder->uidvalidity, uid});
  };
  std::optional<Failure> failure;
  // The mail arriving over many reads, given to m_begin_arriving's work piece by piece.
  struct Arriving {
    std::uint64_t response = 0; // ImapConnection::responses_read() of the one that holds it
    const char* begins = nullptr;
    std::size_t size = 0;
    std::size_t seen = 0;
    std::unique_ptr<ArrivingMail> work;
    // Whether these are the bytes of `body`, every one of them seen, in the response the
    // connection read last.
    [[nodiscard]] bool whole(std::string_view body, std::uint64_t last_response) const {
      return work && response == last_response && begins == body.data() && size == body.size() &&
             seen == size;
    }
  } arriving;
  // Whatever way this ends, the connection keeps no callback into this frame.
  struct Callbacks {
    ImapConnection& connection;
    explicit Callbacks(ImapConnection& of) : connection(of) {}
    Callbacks(const Callbacks&) = delete;
    Callbacks& operator=(const Callbacks&) = delete;
    ~Callbacks() {
      connection.set_literal_gate({});
      connection.set_literal_pieces({});
    }
  } callbacks{m_connection};
  m_connection.set_literal_gate([&ahead](std::size_t bytes) { ahead.wait_to_read(bytes); });
  if (m_begin_arriving)
    m_connection.set_literal_pieces([&](std::uint64_t response, const char* begins,
                                        std::size_t size, std::size_t offset,
                                        std::string_view piece) {
      if (offset == 0)
        arriving = {response, begins, size, 0, m_begin_arriving()};
      if (!arriving.work || offset != arriving.seen) {
        arriving.work.reset(); // not the pieces it began with: the whole mail, at the end
        return;
      }
      arriving.work->add(piece);
      arriving.seen += piece.size();
    });
  for (std::size_t first = 0; first < uids.size() && !failure; first += k_fetch_batch) {
    const auto batch = std::span(uids).subspan(first, std::min(k_fetch_batch, uids.size() - first));
    core::hold_point("before-fetch");
    std::vector<bool> arrived(batch.size(), false);
    bool handed_on = true;
    const auto on_fetch = [&](std::string& line) {
      const auto data = imap::parse_fetch(line);
      // Other untagged FETCHes (flag changes made by staff meanwhile) may come along.
      if (!data || !data->uid || !has_body(*data))
        return ImapConnection::Untagged::keep;
      const auto uid = *data->uid;
      const auto at = std::ranges::lower_bound(batch, uid);
      if (at == batch.end() || *at != uid || arrived[at - batch.begin()])
        return ImapConnection::Untagged::keep;
      arrived[at - batch.begin()] = true;
      Fetched fetched{uid, {}, {}, data->size.value_or(0)};
      auto work = arriving.whole(*data->body, m_connection.responses_read())
                      ? std::move(arriving.work)
                      : nullptr;
      arriving = {};
      auto mail = raw_mail(line, *data, uid, source_of(uid));
      if (mail && work)
        work->finish(*mail);
      else if (mail && m_prepare)
        m_prepare(*mail);
      work.reset(); // its file, when the archive had the mail, goes now, not after hand_on
      if (mail)
        fetched.mail = std::move(*mail);
      else
        fetched.problem = mail.error();
      handed_on = ahead.hand_on(std::move(fetched));
      return handed_on ? ImapConnection::Untagged::taken : ImapConnection::Untagged::abort;
    };
    // BODY.PEEK[]: BODY[] would set \Seen (RFC 3501 6.4.5), and staff read this folder.
    auto reply =
        m_connection.command(fmt::format("UID FETCH {} (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])",
                                         imap::uid_set(batch)),
                             on_fetch);
    arriving = {}; // work on a literal no FETCH of this batch took
    if (!handed_on)
      break; // the poll's thread stopped; nothing more is wanted
    if (!reply) {
      failure = reply.error();
      break;
    }
    // What did not come: expunged meanwhile (Dovecot may say NO [EXPUNGEISSUED]), or,
    // after any other NO, fetched one by one so that one bad mail holds up no other.
    const bool refused = !reply->ok() && !contains(reply->text, "EXPUNGE");
    for (std::size_t i = 0; i < batch.size() && handed_on; ++i) {
      if (arrived[i])
        continue;
      Fetched fetched{batch[i], {}, {}, 0};
      if (refused) {
        auto mail = fetch(batch[i]);
        arriving = {}; // fetch() prepares nothing: the recording hashes this mail
        if (!mail && mail.error().scope != Scope::message) {
          failure = mail.error();
          break;
        }
        if (!mail)
          fetched.problem = mail.error();
        else if (*mail)
          fetched.mail = std::move(**mail);
      }
      handed_on = ahead.hand_on(std::move(fetched));
    }
    if (!handed_on)
      break;
    // Marks for what the poll's thread has recorded so far, while the connection is ours.
    ahead.note_mark(flush_marks());
  }
  ahead.finish(std::move(failure));
}

Poll ImapMailbox::poll(const Cursor& after, const Visitor& visit,
                       const std::function<void(core::Problem)>& on_problem, const Flush& flush) {
  Poll done;
  done.cursor = after;
  auto folder = reselect();
  if (!folder) {
    done.failure = folder.error();
    return done;
  }
  std::uint32_t above = after.last_uid;
  if (after.uidvalidity != 0 && after.uidvalidity != folder->uidvalidity) {
    // RFC 4549 4.1: the cached view is void; read everything, the ledger matches by content.
    done.uidvalidity_changed_from = after.uidvalidity;
    above = 0;
  } else if (after.uidvalidity != 0 && folder->uidnext != 0 && folder->uidnext <= after.last_uid) {
    // UIDNEXT below UIDs already seen: a restored dovecot-uidlist hands them out again
    // (docs/reliability-cases.md E3). Read everything; content decides what is new.
    done.uids_went_back = true;
    above = 0;
  } else if (after.uidvalidity != 0 && after.last_uid != 0 && after.last_size != 0 &&
             m_fingerprint_checked_on != m_connections_opened) {
    // The same, when as many mails came after the restore as it took away (UIDNEXT is
    // back where it was) or more: the last UID read now names another mail. Once per
    // connection: within a session the server never hands a UID out again (RFC 3501
    // 2.3.1.1), and on a folder of delivered decks the check costs the daemon's idle poll
    // 5 ms (the server reads the last mail to give its size).
    auto same = same_mail_or_gone(after);
    if (!same) {
      done.failure = same.error();
      return done;
    }
    if (!*same) {
      done.uids_went_back = true;
      above = 0;
    }
    m_fingerprint_checked_on = m_connections_opened;
  }
  done.cursor = above == after.last_uid && above != 0
                    ? Cursor{folder->uidvalidity, above, after.last_internaldate, after.last_size}
                    : Cursor{folder->uidvalidity, above};
  if (folder->exists == 0 || (folder->uidnext != 0 && folder->uidnext <= above + 1))
    return done;
  auto uids = search(fmt::format("UID {}:*", std::uint64_t{above} + 1), above);
  if (!uids) {
    done.failure = uids.error();
    return done;
  }
  if (uids->empty())
    return done;

  // The cursor moves over a UID only when it and every UID before it are handled, so a
  // stop or a lost connection never skips a mail.
  // Each handled UID's INTERNALDATE and RFC822.SIZE (0 when gone or unreadable) go into
  // the cursor with it.
  std::vector<bool> handled(uids->size(), false);
  std::vector<std::pair<std::int64_t, std::uint64_t>> fingerprints(uids->size());
  std::size_t settled = 0;
  const auto settle = [&](std::uint32_t uid, std::int64_t internaldate, std::uint64_t size) {
    const auto at = std::ranges::lower_bound(*uids, uid);
    if (at == uids->end() || *at != uid)
      return;
    handled[at - uids->begin()] = true;
    fingerprints[at - uids->begin()] = {internaldate, size};
    for (; settled < uids->size() && handled[settled]; ++settled) {
      done.cursor.last_uid = (*uids)[settled];
      std::tie(done.cursor.last_internaldate, done.cursor.last_size) = fingerprints[settled];
    }
  };

  // Mails the visitor holds in its batch: settled when it says they are recorded (a
  // later `next`, or `flush`), never before.
  struct Held {
    std::uint32_t uid;
    std::int64_t internaldate;
    std::uint64_t size;
  };
  std::vector<Held> held;
  const auto settle_held = [&] {
    for (const auto& mail : held)
      settle(mail.uid, mail.internaldate, mail.size);
    held.clear();
  };
  const auto flush_held = [&] {
    if (held.empty())
      return true;
    if (flush && flush() == Visit::stop) {
      held.clear();
      return false;
    }
    settle_held();
    return true;
  };

  FetchAhead ahead;
  m_deferring_marks = true;
  {
    std::jthread fetcher([&] { fetch_ahead(*uids, ahead); });
    for (;;) {
      // A batch closes when no further mail is ready: a lone new mail is recorded at once.
      if (!held.empty() && !ahead.ready() && !flush_held()) {
        done.stopped = true;
        ahead.cancel();
        break;
      }
      auto fetched = ahead.take();
      if (!fetched)
        break;
      std::int64_t internaldate = 0;
      if (fetched->mail) {
        internaldate = fetched->mail->received_at.time_since_epoch().count();
        ++done.visited;
        core::fault_point("after-fetch");
        const auto visited = visit(std::move(*fetched->mail));
        if (visited == Visit::stop) {
          done.stopped = true;
          ahead.cancel();
          flush_held(); // the mails before this one
          break;
        }
        if (visited == Visit::held) {
          held.push_back({fetched->uid, internaldate, internaldate != 0 ? fetched->size : 0});
          continue;
        }
        settle_held();
      } else if (fetched->problem) {
        on_problem(fetched->problem->problem);
      } else {
        on_problem(
            {imap::format_source({m_connection.endpoint().host, m_connection.endpoint().folder,
                                  folder->uidvalidity, fetched->uid}),
             "the mail was expunged before mailroom could read it", ""});
      }
      settle(fetched->uid, internaldate, internaldate != 0 ? fetched->size : 0);
    }
    if (!done.stopped && !flush_held())
      done.stopped = true;
  } // joins the fetcher: the connection is this thread's again
  m_deferring_marks = false;
  if (!done.stopped) // a stop gives up the batch on purpose: that is no failure
    done.failure = ahead.failure;
  ahead.note_mark(flush_marks());
  done.mark_failure = std::move(ahead.mark_failure);
  return done;
}

std::expected<Waited, Failure>
ImapMailbox::wait_for_mail(std::chrono::milliseconds up_to, int wake_fd,
                           std::chrono::milliseconds heartbeat,
                           const std::function<void()>& still_waiting) {
  if (!m_connection.is_open() || !m_folder) {
    if (auto folder = reselect(); !folder)
      return std::unexpected(folder.error());
  }
  if (!m_connection.has_capability("IDLE"))
    return Waited::not_offered;
  if (m_connection.new_mail_seen() != m_new_mail_at_select)
    return Waited::new_mail;
  auto ended = m_connection.idle(up_to, wake_fd, heartbeat, still_waiting);
  if (!ended)
    return std::unexpected(ended.error());
  switch (*ended) {
  case ImapConnection::IdleEnd::new_mail:
    return Waited::new_mail;
  case ImapConnection::IdleEnd::woken:
    return Waited::woken;
  case ImapConnection::IdleEnd::timed_out:
    break;
  }
  return Waited::timed_out;
}

std::expected<bool, Failure> ImapMailbox::same_mail_or_gone(const Cursor& cursor) {
  auto reply = m_connection.command(
      fmt::format("UID FETCH {} (UID INTERNALDATE RFC822.SIZE)", cursor.last_uid));
  if (!reply)
    return std::unexpected(reply.error());
  // NO (Dovecot's EXPUNGEISSUED) or no FETCH data: staff deleted or moved it, as
  // `move_to` does. Only a mail that is there can show the UID was handed out again.
  for (const auto& line : reply->untagged) {
    const auto data = imap::parse_fetch(line);
    if (!data || data->uid != cursor.last_uid || !data->internaldate || !data->size)
      continue;
    const auto received_at = imap::parse_internaldate(*data->internaldate);
    return received_at && received_at->time_since_epoch().count() == cursor.last_internaldate &&
           *data->size == cursor.last_size;
  }
  return true;
}

std::optional<Failure> ImapMailbox::flush_marks() {
  std::vector<std::uint32_t> uids;
  {
    std::lock_guard guard(m_marks_lock);
    uids.swap(m_deferred_marks);
  }
  if (uids.empty())
    return std::nullopt;
  std::ranges::sort(uids);
  const auto& endpoint = m_connection.endpoint();
  // The folder, not the UIDs: the same refusal on every poll is one warning (run_loop).
  const auto source = endpoint.display();
  if (!m_connection.is_open() || !m_folder) {
    // The batch was given up (a stop): marks are worth one more connection, not a failure.
    if (auto folder = reselect(); !folder)
      return folder.error();
  }
  auto marked = mark(uids, source);
  if (!marked)
    return marked.error();
  return std::nullopt;
}

std::expected<void, Failure> ImapMailbox::mark_processed(const std::string& source) {
  const auto& endpoint = m_connection.endpoint();
  const auto key = imap::parse_source(source);
  if (!key || key->host != endpoint.host || key->folder != endpoint.folder)
    return std::unexpected(Failure{{source, fmt::format("not a mail of {}", endpoint.display()),
                                    "mark a mail through the mailbox it came from"},
                                   Scope::message,
                                   Retry::never});
  if (!m_deferring_marks && (!m_connection.is_open() || !m_folder)) {
    if (auto folder = reselect(); !folder)
      return std::unexpected(folder.error());
  }
  if (!m_folder || m_folder->uidvalidity != key->uidvalidity)
    return std::unexpected(
        Failure{{source,
                 fmt::format("UIDVALIDITY is now {}: the folder was recreated, so UID {} may "
                             "be another mail; not marked",
                             m_folder ? m_folder->uidvalidity : 0, key->uid),
                 "nothing to do: the next poll reads the folder again and the ledger matches "
                 "mails by content"},
                Scope::message,
                Retry::never});
  if (m_deferring_marks) {
    std::lock_guard guard(m_marks_lock);
    m_deferred_marks.push_back(key->uid);
    return {};
  }
  return mark({key->uid}, source);
}

std::expected<void, Failure> ImapMailbox::mark(const std::vector<std::uint32_t>& uids,
                                               const std::string& source) {
  const auto& endpoint = m_connection.endpoint();
  const auto& keyword = m_connection.settings().keyword;
  if (!m_folder->keyword_storable)
    return std::unexpected(
        Failure{{endpoint.display(),
                 fmt::format("the folder '{}' does not store new keywords such as {}",
                             endpoint.folder, keyword),
                 "nothing is lost: the ledger records each mail once; allow keywords on the "
                 "server to see the mark in mail clients"},
                Scope::mailbox,
                Retry::never});
  const auto set = imap::uid_set(uids);
  core::fault_point("before-keyword-store");
  auto reply = m_connection.command(fmt::format("UID STORE {} +FLAGS.SILENT ({})", set, keyword));
  if (!reply)
    return std::unexpected(reply.error());
  if (!reply->ok())
    return std::unexpected(Failure{
        {source, fmt::format("storing {} refused: {} {}", keyword, reply->status, reply->text),
         "nothing is lost: the ledger records each mail once"},
        Scope::message,
        Retry::never});
  if (m_connection.settings().move_to.empty())
    return {};
  return move(set, source);
}

std::expected<void, Failure> ImapMailbox::move(const std::string& uids, const std::string& source) {
  const auto& settings = m_connection.settings();
  const auto target = imap::quote(settings.move_to);
  const auto refused = [&](const Reply& reply) {
    return Failure{
        {source,
         fmt::format("moving to '{}' refused: {} {}", settings.move_to, reply.status, reply.text),
         "check `move_to`; the mail stays marked where it is"},
        Scope::mailbox,
        Retry::never};
  };
  if (!target)
    return std::unexpected(
        Failure{{source, fmt::format("cannot name the folder '{}' over IMAP", settings.move_to),
                 "use an ASCII folder name in `move_to`"},
                Scope::mailbox,
                Retry::never});
  const bool has_move = m_connection.has_capability("MOVE");
  const auto transfer = fmt::format("UID {} {} {}", has_move ? "MOVE" : "COPY", uids, *target);
  auto reply = m_connection.command(transfer);
  if (reply && !reply->ok() && contains(reply->text, "[TRYCREATE]")) {
    // RFC 3501 6.4.7: the target does not exist yet. Create it once and try again.
    if (auto created = m_connection.command("CREATE " + *target); !created)
      return std::unexpected(created.error());
    reply = m_connection.command(transfer);
  }
  if (!reply)
    return std::unexpected(reply.error());
  if (!reply->ok())
    return std::unexpected(refused(*reply));
  if (has_move)
    return {};
  // No MOVE (RFC 6851): COPY, then delete these UIDs only. Without UIDPLUS nothing can
  // expunge them without expunging what staff marked deleted, so they stay marked for
  // their client to expunge.
  reply = m_connection.command(fmt::format("UID STORE {} +FLAGS.SILENT (\\Deleted)", uids));
  if (reply && reply->ok() && m_connection.has_capability("UIDPLUS"))
    reply = m_connection.command(fmt::format("UID EXPUNGE {}", uids));
  if (!reply)
    return std::unexpected(reply.error());
  if (!reply->ok())
    return std::unexpected(refused(*reply));
  return {};
}

} // namespace mailroom::mailbox
