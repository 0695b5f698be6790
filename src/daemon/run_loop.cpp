#include "daemon/run_loop.hpp"

#include "archive/archive.hpp"
#include "clock/system_clock.hpp"
#include "core/backoff.hpp"
#include "core/fault.hpp"
#include "daemon/mail_wait.hpp"
#include "daemon/report_file.hpp"
#include "daemon/scheduled_mail.hpp"
#include "daemon/staff_desk.hpp"
#include "daemon/status_file.hpp"
#include "daemon/watchdog.hpp"
#include "large_allocations.hpp"
#include "ledger/sqlite_ledger.hpp"
#include "outbox/relay.hpp"
#include "pipeline/engine.hpp"
#include "sandbox/sandboxed_reader.hpp"
#include "setup/mailbox.hpp"
#include "setup/network.hpp"
#include "setup/replies.hpp"
#include "setup/rules_files.hpp"
#include "setup/systemd.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <future>
#include <malloc.h>
#include <optional>
#include <sys/signalfd.h>
#include <unistd.h>

namespace mailroom::daemon {

namespace {

namespace fs = std::filesystem;

core::Instant now() {
  return clock::SystemClock{}.now();
}

void log_notices(const std::vector<pipeline::Notice>& notices) {
  for (const auto& notice : notices) {
    switch (notice.level) {
    case pipeline::Notice::Level::warning:
      spdlog::warn("{}", notice.text);
      break;
    case pipeline::Notice::Level::error:
      spdlog::error("{}", notice.text);
      break;
    case pipeline::Notice::Level::critical:
      spdlog::critical("{}", notice.text);
      break;
    }
  }
}

// Signals are blocked and taken synchronously, so a SIGTERM never interrupts a mail
// half-way: it is seen between mails and while waiting for the next poll.
class Signals {
public:
  Signals() {
    sigemptyset(&m_set);
    for (int signal : {SIGTERM, SIGINT, SIGHUP})
      sigaddset(&m_set, signal);
    pthread_sigmask(SIG_BLOCK, &m_set, nullptr);
    m_fd = ::signalfd(-1, &m_set, SFD_NONBLOCK | SFD_CLOEXEC);
  }
  ~Signals() {
    if (m_fd >= 0)
      ::close(m_fd);
  }
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;
  // Readable while a signal is pending (taken by wait(), not here): what an IMAP IDLE
  // watches besides its socket. -1 when it could not be made (IDLE then ends only at its
  // limit, still within the watchdog's beat).
  [[nodiscard]] int fd() const { return m_fd; }
  // Waits up to `timeout` for a signal; 0 when none came.
  int wait(std::chrono::milliseconds timeout) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    timespec span{static_cast<time_t>(seconds.count()),
                  static_cast<long>((timeout - seconds).count() * 1'000'000)};
    const int signal = sigtimedwait(&m_set, nullptr, &span);
    return signal > 0 ? signal : 0;
  }

private:
  sigset_t m_set{};
  int m_fd = -1;
};

// The IMAP cursor (UIDVALIDITY, last UID, and that mail's INTERNALDATE and size) survives
// restarts in the state folder, written durably (archive::write_durably). A file of an
// older version has the first two only.
class CursorFile {
public:
  explicit CursorFile(fs::path path) : m_path(std::move(path)) {}
  mailbox::Cursor load() const {
    mailbox::Cursor cursor;
    std::ifstream in(m_path);
    if (!(in >> cursor.uidvalidity >> cursor.last_uid))
      return {};
    if (!(in >> cursor.last_internaldate >> cursor.last_size))
      return {cursor.uidvalidity, cursor.last_uid};
    return cursor;
  }
  void save(const mailbox::Cursor& cursor) const {
    const auto text = fmt::format("{} {} {} {}\n", cursor.uidvalidity, cursor.last_uid,
                                  cursor.last_internaldate, cursor.last_size);
    if (auto saved = archive::write_durably(m_path, text); !saved)
      spdlog::warn("cannot save the mailbox position: {}", saved.error().to_string());
  }

private:
  fs::path m_path;
};

struct Counts {
  std::size_t recorded = 0;
  std::size_t known = 0;
  std::size_t failed = 0;
};

// Group commit (pipeline::Batch): a backlog is recorded in batches that close at this many
// mails, bytes or milliseconds, whichever comes first, or as soon as the mailbox has no
// further mail ready, so a lone new mail is recorded at once. 256 mails: the per-commit
// cost (one archive sync, one ledger fsync) is below 1% of a batch's time on small mail;
// 64 MB: the page cache a batch may hold dirty before its sync; 200 ms: the longest a
// mail of a steady stream waits for its record (and its reply).
constexpr std::size_t k_batch_mails = 256;
constexpr std::size_t k_batch_bytes = 64u << 20;
constexpr std::chrono::milliseconds k_batch_age{200};

// A mail taken into the open batch: what is said and marked once the batch is committed.
struct Taken {
  std::string source;
  bool recorded = false; // new; else known
  std::string line;      // the log line of a recorded mail
};

class Daemon {
public:
  Daemon(const setup::Settings& settings, rules::Course course, ledger::SqliteLedger ledger,
         std::unique_ptr<mailbox::Mailbox> mailbox)
      : m_settings(settings), m_course(std::move(course)), m_ledger(std::move(ledger)),
        m_archive(settings.state_dir / "archive"), m_mailbox(std::move(mailbox)),
        m_cursor_file(settings.state_dir / "mailbox-cursor"),
        m_work(settings.state_dir / "working"),
        m_watchdog(Watchdog::from_systemd(), [] { setup::notify_systemd("WATCHDOG=1"); }),
        m_replies(setup::make_reply_plan(settings, m_course)), m_wait(settings) {}

  void use_sender(std::unique_ptr<outbox::Sender> sender) { m_sender = std::move(sender); }

  int run(RunMode mode) {
    m_archive.set_max_mail_size(m_settings.mailbox.max_mail_size);
    // The recording thread is what a backlog waits for: hashing each mail (over a quarter
    // of the CPU on mixed mail) and writing it to the archive go to the fetching thread.
    m_mailbox->prepare_ahead(
        [this](pipeline::RawMail& mail) { pipeline::prepare_ahead(mail, m_archive); });
    m_mailbox->prepare_as_received([this]() -> std::unique_ptr<pipeline::ArrivingMail> {
      return std::make_unique<pipeline::PreparingAhead>(m_archive, m_write_ahead);
    });
    // For the benchmark that compares them (README, Benchmarks): an fdatasync per file
    // instead of the default one syncfs(2) per batch.
    if (const char* how = std::getenv("MAILROOM_BATCH_SYNC");
        how && std::string_view(how) == "each_file")
      m_archive.set_batch_sync(archive::Archive::BatchSync::each_file);
    if (auto opened = m_archive.open(); !opened) {
      spdlog::error("{}", opened.error().to_string());
      return 1;
    }
    m_cursor = m_cursor_file.load();
    m_status.pid = static_cast<long>(::getpid());
    m_status.mailbox = m_settings.mailbox.url;
    m_status.started_at = now();
    setup::notify_systemd("READY=1");
    // A lost server: 5 s, then twice as long each time, up to 5 min (no jitter: one
    // daemon per course term, nothing to spread).
    const core::Backoff reconnect{std::chrono::seconds{5}, std::chrono::seconds{300}, 0.0};
    int failures = 0; // polls failed in a row that asked to wait
    for (;;) {
      const auto retry = m_blocked ? std::optional{mailbox::Retry::never} : poll_once();
      queue_scheduled();
      send_replies();
      rewrite_report();
      release_kept_block();
      const bool ok = !retry;
      if (mode == RunMode::once) {
        save_status(retry, std::nullopt, failures + (ok ? 0 : 1));
        return ok || m_stopping ? 0 : 1;
      }
      if (m_stopping)
        break;
      std::chrono::seconds wait = m_settings.poll_interval;
      if (retry == mailbox::Retry::never) {
        // A person must act (password, certificate, folder): polling again cannot help,
        // and a refused password retried every few seconds gets the account locked.
        if (!m_blocked)
          spdlog::error("not polling again until the config is fixed and mailroom is reloaded "
                        "(SIGHUP, systemctl reload) or restarted");
        m_blocked = true;
        wait = std::chrono::hours{24};
      } else if (retry) {
        wait = *retry == mailbox::Retry::now ? std::chrono::seconds{1}
                                             : core::wait_after(reconnect, ++failures, 0.0);
        spdlog::warn("retrying in {} s", wait.count());
      } else {
        failures = 0;
        if (m_wait.wanted()) {
          if (wait_for_mail())
            break;
          continue;
        }
      }
      save_status(retry, now() + wait, failures);
      if (wait_for_signal(wait))
        break;
    }
    m_status.stopped_at = now();
    m_status.next_poll_at.reset();
    write_status_file();
    spdlog::info("stopping");
    setup::notify_systemd("STOPPING=1");
    return 0;
  }

private:
  // After each poll, what `mailroom status` shows: the poll, the connection, the next poll.
  void save_status(std::optional<mailbox::Retry> retry, std::optional<core::Instant> next_poll,
                   int failures) {
    m_status.connection = !retry ? "ok" : retry == mailbox::Retry::never ? "blocked" : "retrying";
    m_status.failures_in_a_row = failures;
    m_status.next_poll_at = next_poll;
    m_status.stopped_at = next_poll ? std::nullopt : std::optional{now()};
    write_status_file();
  }

  void write_status_file() {
    if (auto written = write_status(status_path(m_settings.state_dir), m_status); !written)
      warn_once(written.error().to_string());
  }

  // True when a stop signal came; a SIGHUP reloads and keeps waiting.
  bool wait_for_signal(std::chrono::seconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    for (;;) {
      setup::notify_systemd("WATCHDOG=1");
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      const int signal = m_signals.wait(std::min(left, std::chrono::milliseconds{30'000}));
      if (signal == SIGHUP) {
        const bool was_blocked = m_blocked;
        reload();
        if (was_blocked)
          return false;
      } else if (signal != 0) {
        m_stopping = true;
        return true;
      }
    }
  }

  // Between polls, in IDLE where the mailbox offers it: true when a stop signal came.
  bool wait_for_mail() {
    const auto limit = m_wait.limit(m_replies_waiting);
    save_status(std::nullopt, now() + limit, 0);
    spdlog::debug("waiting for new mail, up to {} s", limit.count());
    auto waited = m_mailbox->wait_for_mail(limit, m_signals.fd(), std::chrono::seconds{30},
                                           [] { setup::notify_systemd("WATCHDOG=1"); });
    setup::notify_systemd("WATCHDOG=1");
    if (waited == mailbox::Waited::woken) {
      check_signals();
      return m_stopping;
    }
    const auto next = m_wait.after(waited);
    if (next.sleep.count() == 0)
      return false;
    const bool broke = !waited && waited.error().retry != mailbox::Retry::never;
    save_status(broke ? std::optional{mailbox::Retry::later} : std::nullopt, now() + next.sleep, 0);
    return wait_for_signal(next.sleep);
  }

  void reload() {
    m_wait.reset();
    if (m_blocked) {
      spdlog::info("reload: polling the mailbox again");
      m_blocked = false;
    }
    auto course = setup::load_rules(m_settings.rules_dir);
    if (!course) {
      for (const auto& problem : course.error())
        spdlog::error("reload refused, keeping the rules in force: {}", problem.to_string());
      return;
    }
    m_course = std::move(*course);
    m_replies = setup::make_reply_plan(m_settings, m_course);
    spdlog::info("reloaded rules from {}", m_settings.rules_dir.string());
  }

  // Between mails: a stop request ends the poll after the current mail.
  void check_signals() {
    const int signal = m_signals.wait(std::chrono::milliseconds{0});
    if (signal == SIGHUP)
      reload();
    else if (signal != 0)
      m_stopping = true;
  }

  // Takes one mail into the open batch (opening one if needed), and commits the batch when
  // it is full. A mail that cannot be recorded (disk full, a ledger error) stops the poll
  // before it: the mailbox then commits the mails before it (flush()), the cursor stays,
  // and the next poll offers it again.
  mailbox::Visit take(const pipeline::RawMail& mail) {
    if (m_stopping)
      return mailbox::Visit::stop;
    if (!m_batch.is_open()) {
      if (auto opened = m_batch.open(); !opened) {
        ++m_counts.failed;
        spdlog::error("message {} (file {}) not recorded, tried again at the next poll: {}",
                      mail.source, mail.file, opened.error().to_string());
        m_ingest_failed = true;
        return mailbox::Visit::stop;
      }
    }
    if (!take_one(mail))
      return mailbox::Visit::stop;
    m_batch.add(mail.raw.size());
    check_signals();
    if (m_stopping || batch_full())
      return flush();
    return mailbox::Visit::held;
  }

  // A batch closes at k_batch_mails, k_batch_bytes or k_batch_age, whichever comes first
  // (or earlier, when the mailbox has no further mail ready: flush()).
  [[nodiscard]] bool batch_full() const {
    return m_batch.mails() >= k_batch_mails || m_batch.bytes() >= k_batch_bytes ||
           std::chrono::steady_clock::now() - m_batch.opened_at() >= k_batch_age;
  }

  // Commits the open batch: its archive durable in one pass, its records and replies in
  // one transaction; then its mails are marked processed in the mailbox. `stop` when it
  // could not be committed (nothing of it is recorded; the next poll offers it again).
  mailbox::Visit flush() {
    if (!m_batch.is_open())
      return mailbox::Visit::next;
    const auto mails = m_batch.mails();
    m_watchdog.begin_mail(m_batch.bytes());
    auto committed = m_batch.commit();
    m_watchdog.end_mail();
    auto taken = std::exchange(m_taken, {});
    if (!committed) {
      m_counts.failed += mails;
      spdlog::error("{} mail(s) not recorded, tried again at the next poll: {}", mails,
                    committed.error().to_string());
      m_ingest_failed = true;
      return mailbox::Visit::stop;
    }
    for (auto& mail : taken) {
      if (mail.recorded) {
        ++m_counts.recorded;
        spdlog::info("{}", mail.line);
      } else {
        ++m_counts.known;
      }
      // Order is important: mark only after the ledger committed the mail.
      if (auto marked = m_mailbox->mark_processed(mail.source); !marked)
        warn_once(marked.error().problem.to_string());
      const auto total = m_counts.recorded + m_counts.known;
      if (total % 100 == 0) {
        spdlog::info("ingesting: {} mails so far ({} new)", total, m_counts.recorded);
        setup::notify_systemd(fmt::format("STATUS=ingesting: {} mails so far", total));
      }
    }
    setup::notify_systemd("WATCHDOG=1");
    // Recorded, even when a stop came: the mailbox settles them, and the next mail it
    // offers is refused (take()).
    return mailbox::Visit::next;
  }

  // Works one mail into the open batch; false when it could not be (logged).
  bool take_one(const pipeline::RawMail& mail) {
    const clock::SystemClock system_clock;
    pipeline::Engine engine(m_ledger, m_archive, system_clock);
    engine.set_checks({m_settings.arrival_mismatch, m_settings.trusted_authserv_id});
    engine.set_replies(&m_replies);
    auto staff = staff_desk(m_ledger, m_course, m_settings, m_replies);
    engine.set_staff_desk(&staff);
    engine.set_work_log(&m_work);
    engine.set_content_reader(&sandbox::default_reader());
    // While the mail is worked on, the watchdog is fed from its own thread as long as the
    // mail's steps keep coming (daemon/watchdog.hpp), not only between mails.
    engine.on_progress([this] { m_watchdog.step(); });
    m_watchdog.begin_mail(mail.raw.size());
    auto taken = engine.take(mail, m_course);
    m_watchdog.end_mail();
    if (!taken) {
      ++m_counts.failed;
      spdlog::error("message {} (file {}) not recorded, tried again at the next poll: {}",
                    mail.source, mail.file, taken.error().to_string());
      m_ingest_failed = true;
      return false;
    }
    log_notices(taken->notices);
    Taken done{mail.source, taken->taken == pipeline::Taken::recorded, {}};
    if (done.recorded) {
      const auto& c = taken->decision.classification;
      done.line = fmt::format(
          "recorded {} from {}: {}{}{}", mail.file,
          taken->decision.facts.from.empty() ? "?" : taken->decision.facts.from.front().address,
          c.kind, c.lecture ? " " + rules::iso_date(*c.lecture) : "",
          taken->decision.judgement ? " " + deadline::to_string(taken->decision.judgement->verdict)
                                    : "");
    }
    m_taken.push_back(std::move(done));
    setup::notify_systemd("WATCHDOG=1");
    return true;
  }

  // A warning that would repeat every poll (a folder that takes no keywords) is logged
  // once, and again only when it changes.
  void warn_once(const std::string& warning) {
    if (warning == m_last_warning)
      return;
    m_last_warning = warning;
    spdlog::warn("{}", warning);
  }

  // Nullopt when the poll went through; else how the failure says to retry.
  std::optional<mailbox::Retry> poll_once() {
    m_counts = {};
    const auto started = std::chrono::steady_clock::now();
    m_ingest_failed = false;
    auto poll = m_mailbox->poll(
        m_cursor, [this](pipeline::RawMail mail) { return take(mail); },
        [this](core::Problem problem) {
          ++m_counts.failed;
          spdlog::error("{}", problem.to_string());
        },
        [this] { return flush(); });
    // A mailbox that ended without settling the batch (it cannot: flush() is its way) would
    // leave it open; nothing of it is recorded then, and the next poll offers it again.
    m_batch.drop();
    m_taken.clear();
    if (poll.cursor != mailbox::Cursor{} && poll.cursor != m_cursor) {
      m_cursor = poll.cursor;
      m_cursor_file.save(m_cursor);
    }
    if (poll.mark_failure)
      warn_once(poll.mark_failure->problem.to_string());
    if (poll.uidvalidity_changed_from)
      spdlog::warn("UIDVALIDITY changed from {} to {}: the folder was read again; known mails "
                   "are recognised by their content",
                   *poll.uidvalidity_changed_from, poll.cursor.uidvalidity);
    if (poll.uids_went_back)
      spdlog::warn("UIDs were handed out again under UIDVALIDITY {} (UIDNEXT went back, or the "
                   "last UID read names another mail: a restored folder): the folder was read "
                   "again; known mails are recognised by their content, new ones under reused "
                   "UIDs are recorded",
                   poll.cursor.uidvalidity);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    std::string status =
        fmt::format("last poll {}: {} new, {} known, {} failed ({} ms)", core::to_iso_utc(now()),
                    m_counts.recorded, m_counts.known, m_counts.failed, took.count());
    if (poll.failure) {
      status += "; " + poll.failure->problem.to_string();
      spdlog::error("{}", poll.failure->problem.to_string());
    } else if (m_counts.recorded > 0 || m_counts.failed > 0) {
      spdlog::info("{}", status);
    }
    spdlog::debug("poll took {} us", std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now() - started)
                                         .count());
    setup::notify_systemd("STATUS=" + status);
    m_status.last_poll_at = now();
    m_status.outcome = poll.failure      ? poll.failure->problem.to_string()
                       : m_ingest_failed ? "stopped at a mail the state folder could not take"
                                         : "ok";
    m_status.recorded = m_counts.recorded;
    m_status.known = m_counts.known;
    m_status.failed = m_counts.failed;
    if (poll.failure)
      return poll.failure->retry;
    if (m_ingest_failed)
      return mailbox::Retry::later; // the state folder's fault: back off, then try again
    return std::nullopt;
  }

  const setup::Settings& m_settings;
  rules::Course m_course;
  ledger::SqliteLedger m_ledger;
  archive::Archive m_archive;
  // Whether the fetching thread writes the next mail to the archive as it arrives
  // (pipeline::PreparingAhead): not after a mail the archive had already.
  std::atomic<bool> m_write_ahead{true};
  std::unique_ptr<mailbox::Mailbox> m_mailbox;
  CursorFile m_cursor_file;
  archive::WorkMarker m_work; // the mail being worked on, for a start after a death
  pipeline::Batch m_batch{m_ledger, m_archive};
  std::vector<Taken> m_taken; // the open batch's mails
  mailbox::Cursor m_cursor;
  Signals m_signals;
  // Order is important: after m_signals, so that its thread starts with the stop signals
  // blocked (they are taken by the main thread alone).
  Watchdog m_watchdog;
  Counts m_counts;
  DaemonStatus m_status;
  bool m_stopping = false;
  bool m_ingest_failed = false; // this poll stopped at a mail it could not record
  std::string m_last_warning;
  bool m_blocked = false; // a Retry::never failure: no polling until SIGHUP
  pipeline::ReplyPlan m_replies;
  std::unique_ptr<outbox::Sender> m_sender;
  MailWait m_wait;
  bool m_replies_waiting = false; // queued replies after the last send: retries, holds

  bool m_report_written = false;

  // [report] html: the page is written after the first poll, then again after each poll
  // that recorded a mail. A page that cannot be written costs a warning, never a poll.
  void rewrite_report() {
    if (m_settings.report.html.empty() || (m_report_written && m_counts.recorded == 0))
      return;
    if (auto written =
            write_report(m_ledger, m_course, m_settings.rules_dir, m_settings.report.html, now());
        !written) {
      spdlog::warn("the report page was not written: {}", written.error().to_string());
      return;
    }
    m_report_written = true;
    spdlog::debug("wrote the report page {}", m_settings.report.html.string());
  }

  // After each poll: the digest and reminders due now are queued, once each
  // (daemon/scheduled_mail.hpp); a failure costs a warning and is tried at the next poll.
  void queue_scheduled() {
    auto queued = queue_scheduled_mail(m_ledger, m_course, m_settings, m_replies, now());
    if (!queued)
      warn_once("scheduled mail not queued, tried again at the next poll: " +
                queued.error().to_string());
    else if (queued->digests + queued->reminders > 0)
      spdlog::info("queued {} digest(s) and {} reminder(s)", queued->digests, queued->reminders);
  }

  // After each poll: the outbox's due replies go out and are marked.
  void send_replies() {
    if (!m_sender)
      return;
    const auto counts = outbox::relay(
        m_ledger, *m_sender, setup::envelope_from(m_settings, m_course), now(),
        {m_settings.outbox.retry_after, m_settings.outbox.retry_max},
        setup::send_limits(m_settings),
        // Each reply may take up to [outbox] timeout several times over:
        // a long outbox must not outlast WatchdogSec= (docs/reliability-cases.md D4 b).
        [] { setup::notify_systemd("WATCHDOG=1"); });
    if (counts.sent + counts.failed + counts.retried > 0)
      spdlog::info("outbox: {} sent, {} failed, {} to retry", counts.sent, counts.failed,
                   counts.retried);
    const auto queued = m_ledger.replies("queued");
    m_replies_waiting = !queued || !queued->empty();
  }
};

} // namespace

int run(const setup::Settings& settings, RunMode mode, WhenBusy when_busy) {
  // Decks are megabytes each: allocate them with mmap, so that each is given back to the
  // system when freed, instead of glibc's heap, whose dynamic threshold keeps freed decks
  // as resident memory (peak RSS measured 180 MiB against 120 MiB on a 20 MB-deck
  // backlog; tests/bench/imap_ingest_bench.py). From 4 MiB on, where huge pages serve
  // them (large_allocations.cpp); smaller blocks reuse the heap's pages, as a fresh
  // mmap costs a page fault per 4 KiB (a 256 KiB threshold: 20% more faults). The heap
  // keeps up to 32 MiB free at its top: with 1 MiB, each PDF mail's blocks were given
  // back and faulted in again by the next (1,000 mails of the mix: 110,000 faults ->
  // 7,500, ingest 7.0 -> 6.2 s); what it keeps is below the deck's peak anyway.
  mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
  // Order is important: the lock comes first, so that a second mailroom on the state folder
  // never connects, and before the ledger, so the claims released below are those of
  // processes that ended, not of a run that is sending right now.
  auto lock = StateLock::acquire(settings.state_dir, when_busy);
  if (!lock) {
    spdlog::error("{}", lock.error().problem.to_string());
    return lock.error().busy ? k_exit_busy : 1;
  }
  // The server's greeting takes about as long as the rules and the ledger (5 ms, Dovecot on
  // loopback): asked for now, it is waiting when they are done. The password comes after
  // them, on this thread: a start that fails on them never tries it (a wrong one tried at
  // every restart would get the account locked). The name lookup goes first, as it may
  // dlopen an NSS module, which would wait for the network module's load below.
  auto connection = setup::begin_connection(settings.mailbox);
  // The network module (libcurl and its 30 libraries: 4 ms of the dynamic loader's CPU)
  // loads on its own thread meanwhile: by the time the login may begin, it is there (no-op
  // `run --once`, README, Benchmarks). Loading is no login; the exit waits for the thread.
  auto network_ahead = setup::needs_network(settings)
                           ? std::async(std::launch::async, [] { (void)setup::network(); })
                           : std::future<void>{};
  auto course = setup::load_rules(settings.rules_dir);
  if (!course) {
    for (const auto& problem : course.error())
      spdlog::error("{}", problem.to_string());
    return 1;
  }
  auto ledger = ledger::SqliteLedger::open(settings.state_dir, ledger::OpenMode::create);
  if (!ledger) {
    spdlog::error("{}", ledger.error().to_string());
    return 1;
  }
  (void)outbox::release_dead_claims(*ledger, now());
  auto mailbox = setup::open_mailbox(settings.mailbox, std::move(connection));
  if (!mailbox) {
    spdlog::error("{}", mailbox.error().to_string());
    return 1;
  }
  spdlog::info("mailroom for {} ({}): watching {}, state in {}", course->name, course->term,
               settings.mailbox.url, settings.state_dir.string());
  auto sender = setup::make_sender(settings);
  if (!sender) {
    spdlog::error("{}", sender.error().to_string());
    return 1;
  }
  Daemon daemon(settings, std::move(*course), std::move(*ledger), std::move(*mailbox));
  daemon.use_sender(std::move(*sender));
  return daemon.run(mode);
}

} // namespace mailroom::daemon
