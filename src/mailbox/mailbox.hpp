#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"
#include "pipeline/records.hpp"

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mailroom::mailbox {

using pipeline::ArrivingMail; // work on a mail as its bytes arrive (prepare_as_received)
using pipeline::RawMail;      // what every mailbox hands the engine

// What a failure covers and when trying again can help (STYLE.md 5). A `message` failure
// concerns one mail and the walk goes on; a `mailbox` one the folder; a `server` one the
// connection or the account.
enum class Scope { message, mailbox, server };
// `now`: retry at once (e.g. on a fresh connection); `later`: back off, the fault is
// outside (server down, network); `never`: a person must change something (password,
// certificate, configuration).
enum class Retry { now, later, never };

// A mailbox failure: the one line for people, with its scope and retry class.
struct Failure {
  core::Problem problem;
  Scope scope = Scope::server;
  Retry retry = Retry::later;
};

// Where a mailbox's UID space stood after a poll: IMAP's UIDVALIDITY and the highest UID
// handed to `visit`. The daemon keeps it between runs; `{}` means "from the start".
struct Cursor {
  std::uint32_t uidvalidity = 0; // 0: not known yet
  std::uint32_t last_uid = 0;
  // The mail `last_uid` named when it was read: its INTERNALDATE (seconds since the epoch)
  // and RFC822.SIZE; 0 when not known (a mail that was gone, an older cursor). Another
  // mail under that UID later means the UIDs were handed out again (a restored folder,
  // docs/reliability-cases.md E3), even when UIDNEXT is back where it was.
  std::int64_t last_internaldate = 0;
  std::uint64_t last_size = 0;
  bool operator==(const Cursor&) const = default;
};

// What a poll's visitor says after a mail: go on (this mail, and every one it held
// before, is recorded), go on with this mail held in a batch not yet committed, or stop
// here (a stop request, or the mail could not be recorded). A poll that stops moves its
// cursor no further than the last mail the visitor accepted, so the next poll hands on
// the rest.
enum class Visit { next, held, stop };
using Visitor = std::function<Visit(RawMail)>;
// Group commit: called when the visitor holds mails and the mailbox has no further mail
// ready at once (none fetched yet, or no more), at the poll's end, and after a stop.
// `next`: every held mail is recorded; `stop`: none is (the poll ends, and the cursor
// stays before them, so the next poll hands them on again).
using Flush = std::function<Visit()>;

// What one poll did. It is not an expected<>: a poll that stops half-way (the server
// vanished after three mails) has still handed those mails on, and the cursor says how
// far, so the next poll starts after the last mail visited.
struct Poll {
  std::size_t visited = 0;
  Cursor cursor;
  // Set when the server's UIDVALIDITY was not the cursor's: the folder was recreated or
  // restored, every UID is new, and the whole folder was read again (match by content).
  std::optional<std::uint32_t> uidvalidity_changed_from;
  // Set when UIDs were handed out again under the same UIDVALIDITY (a restored uidlist):
  // UIDNEXT was at or below the cursor's last UID, or that UID now names a mail of
  // another size or INTERNALDATE. The whole folder was read again.
  bool uids_went_back = false;
  std::optional<Failure> failure; // why the poll stopped early, if it did
  bool stopped = false;           // the visitor said stop
  // Why mails handed on in this poll could not be marked processed (the keyword, the
  // move), if they could not. Nothing is lost: the cursor and the ledger decide what is
  // new, the mark is for people and for for_each_new.
  std::optional<Failure> mark_failure;
};

// How a wait for new mail between polls ended (Mailbox::wait_for_mail): the server
// announced mail, the time was up, the wake fd became readable (a signal), or the
// mailbox cannot tell when mail arrives (then the caller sleeps its poll interval).
enum class Waited { new_mail, timed_out, woken, not_offered };

// A place mail arrives. Implementations: Maildir (here), IMAP over libcurl.
// Not thread-safe: one poller at a time.
class Mailbox {
public:
  virtual ~Mailbox() = default;
  // Every mail not yet marked processed, oldest first. `visit` gets each one;
  // a Problem is a failure of the whole mailbox (a message-scoped one is reported
  // through `on_problem` and the walk goes on).
  virtual core::Result<std::size_t>
  for_each_new(const std::function<void(RawMail)>& visit,
               const std::function<void(core::Problem)>& on_problem) = 0;

  // Every mail after `after`, oldest first, each handed to `visit` (message-scoped
  // problems to `on_problem`); mails the visitor held are settled by `flush` (may be
  // empty when the visitor never holds). The default walks for_each_new and keeps no
  // cursor. A visitor's stop is honoured by skipping the rest: a folder read in place is
  // read again whole by the next poll.
  [[nodiscard]] virtual Poll poll(const Cursor& after, const Visitor& visit,
                                  const std::function<void(core::Problem)>& on_problem,
                                  const Flush& flush) {
    (void)after;
    Poll done;
    auto walked = for_each_new(
        [&](RawMail mail) {
          if (!done.stopped)
            done.stopped = visit(std::move(mail)) == Visit::stop;
        },
        on_problem);
    if (flush && flush() == Visit::stop)
      done.stopped = true;
    if (walked)
      done.visited = *walked;
    else
      done.failure = Failure{walked.error(), Scope::mailbox, Retry::later};
    return done;
  }
  // A poll whose visitor never holds a mail.
  [[nodiscard]] Poll poll(const Cursor& after, const Visitor& visit,
                          const std::function<void(core::Problem)>& on_problem) {
    return poll(after, visit, on_problem, Flush{});
  }

  // Work on each mail that needs nothing but its bytes (pipeline::prepare_ahead). A mailbox
  // that reads ahead on a thread of its own (IMAP) does it there, beside the recording of
  // the mail before; the default leaves it to the recording.
  virtual void prepare_ahead(std::function<void(RawMail&)> prepare) { (void)prepare; }
  // The same work begun when a mail's bytes start to arrive over many reads, and given
  // each piece as it comes (pipeline::PreparingAhead); `prepare` still serves a mail that
  // came whole. The default leaves it to prepare_ahead().
  virtual void prepare_as_received(std::function<std::unique_ptr<ArrivingMail>()> begin) {
    (void)begin;
  }

  // Waits up to `up_to` for new mail (IMAP IDLE), ending early when `wake_fd` becomes
  // readable; `still_waiting` is called at least every `heartbeat`. The default offers no
  // such wait.
  [[nodiscard]] virtual std::expected<Waited, Failure>
  wait_for_mail(std::chrono::milliseconds up_to, int wake_fd, std::chrono::milliseconds heartbeat,
                const std::function<void()>& still_waiting) {
    (void)up_to, (void)wake_fd, (void)heartbeat, (void)still_waiting;
    return Waited::not_offered;
  }

  // Marks the mail `source` (a RawMail::source this mailbox gave) as processed, e.g. with
  // the IMAP keyword $MailroomProcessed; call it only after the ledger committed the mail.
  // The default does nothing: a Maildir is read in place and never changed.
  [[nodiscard]] virtual std::expected<void, Failure> mark_processed(const std::string& source) {
    (void)source;
    return {};
  }
};

} // namespace mailroom::mailbox
