#include "mailbox/imap_mailbox.hpp"

#include <fmt/format.h>

#include <algorithm>

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
    if (!data || data->uid != uid || !data->body)
      continue;
    if (!data->internaldate)
      return std::unexpected(Failure{{source, "the server sent no INTERNALDATE",
                                      "mailroom cannot tell when this mail arrived; staff must "
                                      "look at it"},
                                     Scope::message,
                                     Retry::never});
    const auto received_at = imap::parse_internaldate(*data->internaldate);
    if (!received_at)
      return std::unexpected(
          Failure{{source, fmt::format("unreadable INTERNALDATE \"{}\"", *data->internaldate),
                   "mailroom cannot tell when this mail arrived; staff must look at it"},
                  Scope::message,
                  Retry::never});
    RawMail mail;
    mail.source = source;
    mail.file = std::to_string(uid);
    mail.received_at = *received_at;
    // Reuse the response's memory for the mail rather than copying megabytes.
    const auto offset = static_cast<std::size_t>(data->body->data() - line.data());
    const auto size = data->body->size();
    mail.raw = std::move(line);
    mail.raw.resize(offset + size);
    mail.raw.erase(0, offset);
    return mail;
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

Poll ImapMailbox::poll(const Cursor& after, const std::function<void(RawMail)>& visit,
                       const std::function<void(core::Problem)>& on_problem) {
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
    // (shared/notes/reliability.md E3). Read everything; content decides what is new.
    done.uids_went_back = true;
    above = 0;
  }
  done.cursor = Cursor{folder->uidvalidity, above};
  if (folder->exists == 0 || (folder->uidnext != 0 && folder->uidnext <= above + 1))
    return done;
  auto uids = search(fmt::format("UID {}:*", std::uint64_t{above} + 1), above);
  if (!uids) {
    done.failure = uids.error();
    return done;
  }
  for (const auto uid : *uids) {
    auto mail = fetch(uid);
    if (!mail) {
      if (mail.error().scope != Scope::message) {
        done.failure = mail.error();
        return done;
      }
      on_problem(mail.error().problem);
    } else if (!*mail) {
      on_problem({imap::format_source({m_connection.endpoint().host, m_connection.endpoint().folder,
                                       folder->uidvalidity, uid}),
                  "the mail was expunged before mailroom could read it", ""});
    } else {
      visit(std::move(**mail));
      ++done.visited;
    }
    done.cursor.last_uid = uid;
  }
  return done;
}

std::expected<void, Failure> ImapMailbox::mark_processed(const std::string& source) {
  const auto& endpoint = m_connection.endpoint();
  const auto key = imap::parse_source(source);
  if (!key || key->host != endpoint.host || key->folder != endpoint.folder)
    return std::unexpected(Failure{{source, fmt::format("not a mail of {}", endpoint.display()),
                                    "mark a mail through the mailbox it came from"},
                                   Scope::message,
                                   Retry::never});
  if (!m_connection.is_open() || !m_folder) {
    if (auto folder = reselect(); !folder)
      return std::unexpected(folder.error());
  }
  if (m_folder->uidvalidity != key->uidvalidity)
    return std::unexpected(
        Failure{{source,
                 fmt::format("UIDVALIDITY is now {}: the folder was recreated, so UID {} may "
                             "be another mail; not marked",
                             m_folder->uidvalidity, key->uid),
                 "nothing to do: the next poll reads the folder again and the ledger matches "
                 "mails by content"},
                Scope::message,
                Retry::never});
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
  auto reply =
      m_connection.command(fmt::format("UID STORE {} +FLAGS.SILENT ({})", key->uid, keyword));
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
  return move(key->uid, source);
}

std::expected<void, Failure> ImapMailbox::move(std::uint32_t uid, const std::string& source) {
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
  const auto transfer = fmt::format("UID {} {} {}", has_move ? "MOVE" : "COPY", uid, *target);
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
  // No MOVE (RFC 6851): COPY, then delete this UID only. Without UIDPLUS nothing can
  // expunge one mail without expunging what staff marked deleted, so it stays marked
  // for their client to expunge.
  reply = m_connection.command(fmt::format("UID STORE {} +FLAGS.SILENT (\\Deleted)", uid));
  if (reply && reply->ok() && m_connection.has_capability("UIDPLUS"))
    reply = m_connection.command(fmt::format("UID EXPUNGE {}", uid));
  if (!reply)
    return std::unexpected(reply.error());
  if (!reply->ok())
    return std::unexpected(refused(*reply));
  return {};
}

} // namespace mailroom::mailbox
