// Attachment names from hostile mail (docs/reliability-cases.md H1-H6, M1): sanitized after
// decoding, unique, capped by bytes, and never written outside archive/<sha256>/.
#include "app/ledger/fixture.hpp"
#include "archive/file_names.hpp"
#include "message/parse.hpp"
#include "pipeline/engine.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <vector>

using namespace mailroom;
namespace fs = std::filesystem;

namespace {

message::Attachment attachment(std::string name, std::string bytes = "%PDF-1.4 demo") {
  message::Attachment a;
  a.filename = std::move(name);
  a.content_type = "application/octet-stream";
  a.size = bytes.size();
  a.sha256 = message::sha256_hex(bytes);
  a.bytes = std::move(bytes);
  return a;
}

// Whether `check` holds when run in a child whose files may not grow past `bytes`
// (RLIMIT_FSIZE standing in for a full disk).
template <typename Check> bool with_file_size_limit(rlim_t bytes, Check check) {
  const pid_t child = ::fork();
  if (child < 0)
    return false;
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{bytes, bytes};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::_Exit(check() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The decoded names of H1-H6 (what message::parse yields after RFC 2231 / 2047).
const std::vector<std::pair<std::string, std::string>> k_hostile{
    {"../../etc/passwd", "passwd"},
    {"1234/../../1234.txt", "1234.txt"},
    {"..\\..\\win.ini", "win.ini"},
    {"/etc/shadow", "shadow"},
    {"C:\\x.pdf", "x.pdf"},
    {"../../evil.sh", "evil.sh"}, // H2: %2e%2e%2f and =?utf-8?B?Li4vLi4vZXZpbC5zaA==?= decoded
    {std::string("a.pdf\0.exe", 10), "a.pdf.exe"},
    {"x\r\nBcc: y.pdf", "y.pdf"}, // ":" separates like "C:"
    {"\x1b[31mred.pdf", "[31mred.pdf"},
    {"summary\u202Efdp.exe", "summaryfdp.exe"},
    {"zero\u200Bwidth.pdf", "zerowidth.pdf"},
    {"CON", "_CON"},
    {"con.pdf", "_con.pdf"},
    {"LPT1.txt", "_LPT1.txt"},
    {"x.pdf.", "x.pdf"},
    {".bashrc", "bashrc"},
    {"", "attachment"},
    {".", "attachment"},
    {"..", "attachment"},
    {"bad\xff\xfeutf8.pdf", "bad__utf8.pdf"},
};

} // namespace

TEST(AttachmentNames, HostileNamesBecomeOneSafeComponent) {
  for (const auto& [decoded, expected] : k_hostile)
    EXPECT_EQ(archive::sanitize_file_name(decoded), expected) << "for " << decoded;
}

TEST(AttachmentNames, CappedByBytesOnACharacterBoundaryKeepingTheExtension) {
  // H6: 300 ASCII characters, and a name of 255 UTF-8 bytes in 2-byte characters.
  const auto long_ascii = archive::sanitize_file_name(std::string(300, 'a') + ".pdf");
  EXPECT_EQ(long_ascii.size(), archive::k_max_name_bytes);
  EXPECT_TRUE(long_ascii.ends_with(".pdf"));
  std::string umlauts;
  for (int i = 0; i < 127; ++i)
    umlauts += "\xC3\xA4"; // ä
  const auto long_utf8 = archive::sanitize_file_name(umlauts + ".x");
  EXPECT_LE(long_utf8.size(), archive::k_max_name_bytes);
  EXPECT_TRUE(long_utf8.ends_with("\xC3\xA4.x")) << "cut between characters, not inside one";
}

TEST(AttachmentNames, SameNameTwiceAndCaseOnlyDifferencesAreMadeUnique) {
  EXPECT_EQ(archive::unique_file_names({"slides.pdf", "slides.pdf", "Slides.PDF", "notes"}),
            (std::vector<std::string>{"slides.pdf", "slides (2).pdf", "Slides (3).PDF", "notes"}));
}

TEST(ArchiveStore, HostileAttachmentsStayInsideTheArchiveAndTheCanaryIsUntouched) {
  // M1: a canary beside the state folder, and one named like a traversal target.
  test::TempDir dir;
  test::write_file(dir / "canary", "do not touch\n");
  test::write_file(dir / "passwd", "root:x:0:0\n");
  const archive::Archive store(dir / "state" / "archive");
  ASSERT_TRUE(store.open());
  std::vector<message::Attachment> attachments;
  for (const auto& [decoded, expected] : k_hostile)
    attachments.push_back(attachment(decoded, "bytes of " + expected));
  attachments.push_back(attachment(std::string(300, 'n') + ".pdf"));
  attachments.push_back(attachment("slides.pdf", "one"));
  attachments.push_back(attachment("slides.pdf", "two"));

  auto stored = store.store("From: a@example.edu\r\n\r\nhostile\r\n", attachments);
  ASSERT_TRUE(stored) << stored.error().to_string();
  ASSERT_EQ(stored->attachments.size(), attachments.size());

  const auto root = fs::canonical(store.root());
  std::set<std::string> names;
  for (std::size_t i = 0; i < attachments.size(); ++i) {
    const auto& file = stored->attachments[i];
    EXPECT_EQ(file.original_name, attachments[i].filename) << "kept for display";
    EXPECT_LE(file.stored_name.size(), 255u);
    EXPECT_TRUE(names.insert(file.stored_name).second) << "unique: " << file.stored_name;
    const auto path = store.attachment_dir(stored->sha256) / file.stored_name;
    ASSERT_TRUE(fs::exists(path)) << path;
    const auto real = fs::canonical(path);
    EXPECT_EQ(real.parent_path().parent_path(), root) << real;
    EXPECT_EQ(test::read_text(path), attachments[i].bytes);
  }
  EXPECT_EQ(test::read_text(dir / "canary"), "do not touch\n");
  EXPECT_EQ(test::read_text(dir / "passwd"), "root:x:0:0\n");
  std::set<std::string> top;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    top.insert(entry.path().filename().string());
  EXPECT_EQ(top, (std::set<std::string>{"canary", "passwd", "state"}));
  EXPECT_EQ(stored->attachments[attachments.size() - 1].stored_name, "slides (2).pdf");
}

TEST(ArchiveStore, StoringTheSameBytesAgainWritesNothing) {
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  auto first = store.store("raw bytes", {attachment("a.pdf")});
  ASSERT_TRUE(first);
  const auto written = fs::last_write_time(first->raw_path);
  auto second = store.store("raw bytes", {attachment("a.pdf")});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->raw_path, first->raw_path);
  EXPECT_EQ(fs::last_write_time(first->raw_path), written);
  EXPECT_EQ(first->raw_path.filename().string(), message::sha256_hex("raw bytes") + ".eml");
}

TEST(ArchiveStore, DiskFullIsAClearProblemAndLeavesNoPartialFile) {
  // Q7 (second half), with RLIMIT_FSIZE standing in for a full disk: in a child, a
  // mail larger than the limit cannot be archived.
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  EXPECT_TRUE(with_file_size_limit(4096, [&] {
    auto stored = store.store(std::string(100000, 'x'), {});
    return !stored && stored.error().what.find("cannot write: File too large") == 0;
  }));
  // No final name, no temporary file left: the archive holds only its empty .tmp folder.
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "archive"))
    names.push_back(fs::relative(entry.path(), dir / "archive").string());
  EXPECT_EQ(names, std::vector<std::string>{".tmp"});
}

TEST(ArchiveStore, RealMailWithRfc2231TraversalIsSanitizedAfterDecoding) {
  // H2 end to end, through message::parse with the decoded bytes kept.
  const std::string raw =
      "From: Ada <ada@example.edu>\r\nTo: staff@example.edu\r\nSubject: slides\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
      "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename*=UTF-8''%2e%2e%2f%2e%2e%2fevil.sh\r\n\r\n"
      "JVBERi0xLjQK\r\n"
      "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"=?utf-8?B?Li4vLi4vZXZpbC5zaA==?=\"\r\n\r\n"
      "JVBERi0xLjUK\r\n--b--\r\n";
  message::ParseOptions options;
  options.keep_attachment_bytes = true;
  const auto facts = message::parse(raw, "test", options);
  ASSERT_EQ(facts.attachments.size(), 2u) << "message::parse extracts both attachments";
  test::TempDir dir;
  const archive::Archive store(dir / "state" / "archive");
  ASSERT_TRUE(store.open());
  auto stored = store.store(raw, facts.attachments);
  ASSERT_TRUE(stored) << stored.error().to_string();
  EXPECT_EQ(stored->attachments[0].original_name, "../../evil.sh");
  EXPECT_EQ(stored->attachments[0].stored_name, "evil.sh");
  EXPECT_EQ(stored->attachments[1].stored_name, "evil (2).sh");
  EXPECT_EQ(test::read_text(store.attachment_dir(stored->sha256) / "evil.sh"), "%PDF-1.4\n");
  EXPECT_FALSE(fs::exists(dir / "evil.sh"));
  EXPECT_FALSE(fs::exists(dir / "state" / "evil.sh"));
}

TEST(ArchiveStore, OpenRemovesTemporaryFilesOfDeadProcessesOnly) {
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  // A pid that cannot be running (above the kernel's pid_max), and our own. Temporaries
  // live in the archive's .tmp folder (open() never lists the whole archive).
  const auto temporaries = dir / "archive" / ".tmp";
  test::write_file(temporaries / ".tmp-99999999-abc.eml", "half");
  std::filesystem::create_directories(temporaries / ".tmp-99999999-abc");
  const auto mine = temporaries / (".tmp-" + std::to_string(::getpid()) + "-x.eml");
  test::write_file(mine, "in progress");
  ASSERT_TRUE(store.open());
  EXPECT_FALSE(fs::exists(temporaries / ".tmp-99999999-abc.eml"));
  EXPECT_FALSE(fs::exists(temporaries / ".tmp-99999999-abc"));
  EXPECT_TRUE(fs::exists(mine));
}

namespace {

// Two base64 attachments with the same name and one whose base64 is broken (a dangling
// character: kept as written, as Python's email package does), around a text part.
std::string mail_with_three_attachments(const std::string& pdf_base64) {
  return "From: Ada <ada@example.edu>\r\nTo: staff@example.edu\r\nSubject: slides\r\n"
         "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
         "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
         "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=\"deck.pdf\"\r\n\r\n" +
         pdf_base64 +
         "\r\n--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=\"deck.pdf\"\r\n\r\nJVBERi0xLjUK\r\n"
         "--b\r\nContent-Type: application/octet-stream\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=\"broken.bin\"\r\n\r\nJVBERi0xLjUKx\r\n"
         "--b--\r\n";
}

std::vector<std::string> files_under(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    names.push_back(fs::relative(entry.path(), folder).string());
  std::ranges::sort(names);
  return names;
}

} // namespace

TEST(ArchiveParseAndStore, AttachmentsWrittenWhileDecodingMatchTheFactsAndTheInMemoryPath) {
  // A 3 MB attachment, decoded in 64 KB blocks straight to disk: every file must hold
  // exactly the bytes whose size and SHA-256 the facts (and the receipt) report.
  std::string pdf = "%PDF-1.4\n";
  for (std::uint64_t i = 0; pdf.size() < (3u << 20); ++i)
    pdf += std::to_string(i * 7919) + "\n";
  std::string base64;
  for (std::size_t i = 0; i < pdf.size(); i += 57) {
    static constexpr char k_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto chunk = std::string_view(pdf).substr(i, 57);
    for (std::size_t j = 0; j < chunk.size(); j += 3) {
      const auto n = std::min<std::size_t>(3, chunk.size() - j);
      std::uint32_t v = 0;
      for (std::size_t k = 0; k < 3; ++k)
        v = v << 8 | (k < n ? static_cast<unsigned char>(chunk[j + k]) : 0);
      for (std::size_t k = 0; k < 4; ++k)
        base64 += k <= n ? k_alphabet[(v >> (18 - 6 * k)) & 63] : '=';
    }
    base64 += "\r\n";
  }
  const auto raw = mail_with_three_attachments(base64);
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  auto parsed = archive::parse_and_store(store, raw, "test");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  const auto& facts = parsed->facts;
  ASSERT_EQ(facts.attachments.size(), 3u);
  EXPECT_EQ(facts.sha256, message::sha256_hex(raw));
  EXPECT_EQ(facts.attachments[0].size, pdf.size());
  EXPECT_EQ(facts.attachments[0].sha256, message::sha256_hex(pdf));
  const auto folder = store.attachment_dir(parsed->stored.sha256);
  EXPECT_EQ(files_under(folder),
            (std::vector<std::string>{"broken.bin", "deck (2).pdf", "deck.pdf"}));
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& file = parsed->stored.attachments[i];
    const auto bytes = test::read_text(folder / file.stored_name);
    EXPECT_EQ(bytes.size(), facts.attachments[i].size) << file.stored_name;
    EXPECT_EQ(message::sha256_hex(bytes), facts.attachments[i].sha256) << file.stored_name;
    EXPECT_TRUE(facts.attachments[i].bytes.empty()) << "never held in memory";
  }
  EXPECT_EQ(test::read_text(folder / "deck.pdf"), pdf);
  EXPECT_EQ(test::read_text(folder / "broken.bin"), "JVBERi0xLjUKx"); // kept as written

  // The in-memory path stores the same files under the same names.
  message::ParseOptions options;
  options.keep_attachment_bytes = true;
  const auto in_memory = message::parse(raw, "test", options);
  test::TempDir other;
  const archive::Archive second(other / "archive");
  ASSERT_TRUE(second.open());
  auto stored = second.store(raw, in_memory.attachments);
  ASSERT_TRUE(stored);
  for (const auto& file : stored->attachments)
    EXPECT_EQ(test::read_text(second.attachment_dir(stored->sha256) / file.stored_name),
              test::read_text(folder / file.stored_name));
  // Nothing is left in the folder of writes in progress.
  EXPECT_EQ(files_under(dir / "archive" / ".tmp"), std::vector<std::string>{});
}

TEST(ArchiveParseAndStore, AMailArchivedBeforeIsNeitherRewrittenNorStagedAgain) {
  const auto raw = mail_with_three_attachments("JVBERi0xLjQK");
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  auto first = archive::parse_and_store(store, raw, "test");
  ASSERT_TRUE(first);
  const auto folder = store.attachment_dir(first->stored.sha256);
  const auto written = fs::last_write_time(folder / "deck.pdf");
  auto again = archive::parse_and_store(store, raw, "test");
  ASSERT_TRUE(again);
  EXPECT_EQ(fs::last_write_time(folder / "deck.pdf"), written);
  ASSERT_EQ(again->stored.attachments.size(), 3u);
  EXPECT_EQ(again->stored.attachments[1].stored_name, "deck (2).pdf");
  EXPECT_EQ(again->facts.attachments[1].sha256, first->facts.attachments[1].sha256);
  EXPECT_EQ(files_under(dir / "archive" / ".tmp"), std::vector<std::string>{});
}

std::size_t temporary_files(const std::filesystem::path& archive) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::recursive_directory_iterator(archive / ".tmp"))
    ++count;
  return count;
}

// A mail prepared ahead (pipeline::prepare_ahead, on the IMAP fetching thread: hashed, its
// bytes written to the archive's temporary folder) is archived under the same name, with
// the same facts and bytes, as one the archive reads itself, and leaves nothing behind.
TEST(ArchiveParseAndStore, AMailPreparedAheadIsArchivedAsOneReadHere) {
  pipeline::RawMail ahead{"test", "1", {}, mail_with_three_attachments("JVBERi0xLjQK")};
  test::TempDir hashed_here_dir;
  test::TempDir hashed_ahead_dir;
  const archive::Archive hashed_here(hashed_here_dir / "archive");
  const archive::Archive hashed_ahead(hashed_ahead_dir / "archive");
  ASSERT_TRUE(hashed_here.open());
  ASSERT_TRUE(hashed_ahead.open());
  pipeline::prepare_ahead(ahead, hashed_ahead);
  EXPECT_EQ(ahead.sha256, message::sha256_hex(ahead.raw));
  ASSERT_NE(ahead.staged, nullptr);
  EXPECT_EQ(temporary_files(hashed_ahead.root()), 1u);
  const auto here = hashed_here.parse_and_store(ahead.raw, "test", "", nullptr);
  const auto there =
      hashed_ahead.parse_and_store(ahead.raw, "test", ahead.sha256, ahead.staged.get());
  ASSERT_TRUE(here);
  ASSERT_TRUE(there);
  EXPECT_EQ(there->sha256, here->sha256);
  EXPECT_EQ(there->archive_path, here->archive_path);
  EXPECT_EQ(there->facts.sha256, here->sha256);
  ASSERT_EQ(there->attachments.size(), 3u);
  EXPECT_EQ(there->attachments[1].sha256, here->attachments[1].sha256);
  EXPECT_EQ(archive::read_all(hashed_ahead.raw_path(there->sha256)).value_or(""), ahead.raw);
  ahead.staged.reset();
  EXPECT_EQ(temporary_files(hashed_ahead.root()), 0u);
}

// The same, prepared piece by piece as the bytes arrive (pipeline::PreparingAhead, on the
// IMAP fetching thread): the same hash, the same staged bytes, the same archived mail. A
// mail the archive has already is written ahead for nothing once, and the next mail is
// then hashed before it is written; after one that was new, writing ahead resumes.
TEST(ArchiveParseAndStore, AMailPreparedAsItArrivesIsArchivedAsOnePreparedWhole) {
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  std::atomic<bool> write_ahead{true};
  const auto prepare_in_pieces = [&](pipeline::RawMail& mail) {
    pipeline::PreparingAhead preparing(store, write_ahead);
    for (std::size_t at = 0; at < mail.raw.size(); at += 1000)
      preparing.add(std::string_view(mail.raw).substr(at, 1000));
    preparing.finish(mail);
  };
  pipeline::RawMail mail{"test", "1", {}, mail_with_three_attachments(std::string(9000, 'Q'))};
  prepare_in_pieces(mail);
  EXPECT_EQ(mail.sha256, message::sha256_hex(mail.raw));
  ASSERT_NE(mail.staged, nullptr);
  EXPECT_TRUE(write_ahead);
  EXPECT_EQ(temporary_files(store.root()), 1u);
  const auto stored = store.parse_and_store(mail.raw, "test", mail.sha256, mail.staged.get());
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->sha256, mail.sha256);
  EXPECT_EQ(archive::read_all(store.raw_path(stored->sha256)).value_or(""), mail.raw);
  mail.staged.reset();
  EXPECT_EQ(temporary_files(store.root()), 0u);

  // Archived already (a folder read anew): nothing staged, nothing left behind.
  pipeline::RawMail again{"test", "2", {}, mail.raw};
  prepare_in_pieces(again);
  EXPECT_EQ(again.sha256, mail.sha256);
  EXPECT_EQ(again.staged, nullptr);
  EXPECT_FALSE(write_ahead);
  EXPECT_EQ(temporary_files(store.root()), 0u);

  // The next one is hashed first and written at its end, as prepare_ahead() does.
  pipeline::RawMail next{"test", "3", {}, "Subject: next\r\n\r\nhi\r\n"};
  prepare_in_pieces(next);
  EXPECT_EQ(next.sha256, message::sha256_hex(next.raw));
  ASSERT_NE(next.staged, nullptr);
  EXPECT_TRUE(write_ahead);
  const auto next_stored = store.parse_and_store(next.raw, "test", next.sha256, next.staged.get());
  ASSERT_TRUE(next_stored);
  EXPECT_EQ(archive::read_all(store.raw_path(next_stored->sha256)).value_or(""), next.raw);
}

// A mail whose pieces could not all be written (a full disk) is staged not at all: the
// recording writes it itself, and says what went wrong.
TEST(ArchiveParseAndStore, AMailThatCouldNotBeWrittenAsItArrivedIsNotStaged) {
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  std::atomic<bool> write_ahead{true};
  pipeline::RawMail mail{"test", "1", {}, mail_with_three_attachments(std::string(136000, 'Q'))};
  EXPECT_TRUE(with_file_size_limit(65536, [&] {
    pipeline::PreparingAhead preparing(store, write_ahead);
    for (std::size_t at = 0; at < mail.raw.size(); at += 16384)
      preparing.add(std::string_view(mail.raw).substr(at, 16384));
    preparing.finish(mail);
    return mail.sha256 == message::sha256_hex(mail.raw) && mail.staged == nullptr && !write_ahead &&
           temporary_files(store.root()) == 0;
  }));
  EXPECT_EQ(temporary_files(store.root()), 0u);
}

std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++count;
  return count;
}

// Bytes written ahead serve one parse_and_store() of the same mail, in a batch too; the
// bytes of another mail of the same size are not taken for them, and whatever was not used
// is removed with the mail that carried it.
TEST(ArchiveParseAndStore, BytesWrittenAheadServeTheirOwnMailOnceAndAreNeverLeftBehind) {
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  pipeline::RawMail first{"test", "1", {}, mail_with_three_attachments("JVBERi0xLjQK")};
  pipeline::RawMail second{"test", "2", {}, mail_with_three_attachments("JVBERi0xLjUK")};
  ASSERT_EQ(first.raw.size(), second.raw.size());
  for (auto* mail : {&first, &second})
    pipeline::prepare_ahead(*mail, store);
  EXPECT_EQ(temporary_files(store.root()), 2u);

  store.begin_batch();
  // The second mail, given the first's bytes (the same size): its own are written again.
  const auto stored = store.parse_and_store(second.raw, "test", second.sha256, first.staged.get());
  ASSERT_TRUE(stored);
  const auto batched = store.parse_and_store(first.raw, "test", first.sha256, first.staged.get());
  ASSERT_TRUE(batched);
  ASSERT_TRUE(store.sync_batch());
  EXPECT_EQ(archive::read_all(store.raw_path(stored->sha256)).value_or(""), second.raw);
  EXPECT_EQ(archive::read_all(store.raw_path(batched->sha256)).value_or(""), first.raw);
  EXPECT_TRUE(std::filesystem::is_directory(store.attachment_dir(batched->sha256)));
  // Used once: the same bytes again are archived already, and nothing is written.
  const auto again = store.parse_and_store(first.raw, "test", first.sha256, first.staged.get());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->sha256, batched->sha256);

  for (auto* mail : {&first, &second})
    mail->staged.reset();
  EXPECT_EQ(temporary_files(store.root()), 0u);
}

// What a folder read anew costs: a mail archived already is not written ahead, and mails
// waiting to be recorded hold no file open (a backlog of small mails waits by the
// thousand, against a limit of 1,024 descriptors).
TEST(ArchiveParseAndStore, WritingAheadSkipsKeptMailsAndHoldsNoDescriptors) {
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  pipeline::RawMail kept{"test", "1", {}, mail_with_three_attachments("JVBERi0xLjQK")};
  pipeline::hash_ahead(kept);
  ASSERT_TRUE(store.parse_and_store(kept.raw, "test", kept.sha256, nullptr));
  pipeline::prepare_ahead(kept, store);
  EXPECT_EQ(kept.staged, nullptr);

  const auto before = open_descriptors();
  std::vector<pipeline::RawMail> waiting;
  for (int i = 0; i < 50; ++i) {
    waiting.push_back(
        {"test", std::to_string(i), {}, "Subject: " + std::to_string(i) + "\r\n\r\nhi\r\n"});
    pipeline::prepare_ahead(waiting.back(), store);
    ASSERT_NE(waiting.back().staged, nullptr);
  }
  EXPECT_EQ(open_descriptors(), before);
  EXPECT_EQ(temporary_files(store.root()), 50u);
  // Made ahead and closed: not in a batch, the bytes are still made durable by their name.
  const auto stored =
      store.parse_and_store(waiting[7].raw, "test", waiting[7].sha256, waiting[7].staged.get());
  ASSERT_TRUE(stored);
  EXPECT_EQ(archive::read_all(store.raw_path(stored->sha256)).value_or(""), waiting[7].raw);
  waiting.clear();
  EXPECT_EQ(temporary_files(store.root()), 0u);
}

TEST(ArchiveParseAndStore, DiskFullWhileDecodingIsAClearProblemAndLeavesNothingBehind) {
  // RLIMIT_FSIZE stands in for a full disk: a 136 KB mail cannot be written.
  const auto raw = mail_with_three_attachments(std::string(136000, 'Q'));
  test::TempDir dir;
  const archive::Archive store(dir / "archive");
  ASSERT_TRUE(store.open());
  EXPECT_TRUE(with_file_size_limit(65536, [&] {
    auto parsed = archive::parse_and_store(store, raw, "test");
    // The raw mail (written first, while its attachments are decoded) is over the limit.
    return !parsed && parsed.error().what.find("cannot write: File too large") == 0 &&
           parsed.error().where.find("/archive/.tmp/.tmp-") != std::string::npos;
  }));
  EXPECT_EQ(files_under(dir / "archive"), std::vector<std::string>{".tmp"});
}

// The daemon's status file is replaced whole after every poll, without waiting for the
// disk (archive::replace_atomically): a reader finds the old bytes or the new ones, no
// temporary file is left beside it, and a folder that is not there is a Problem naming it.
TEST(ArchiveFiles, ReplacingAtomicallyPutsTheNewBytesInPlaceAndLeavesNothingElse) {
  test::TempDir dir;
  ASSERT_TRUE(archive::write_durably(dir / "daemon-status", "{\"outcome\":\"old\"}\n"));
  ASSERT_TRUE(archive::replace_atomically(dir / "daemon-status", "{\"outcome\":\"new\"}\n"));
  EXPECT_EQ(archive::read_all(dir / "daemon-status").value_or(""), "{\"outcome\":\"new\"}\n");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++entries;
  EXPECT_EQ(entries, 1u);

  const auto missing = archive::replace_atomically(dir / "gone" / "daemon-status", "{}\n");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().to_string().find((dir / "gone").string()), std::string::npos)
      << missing.error().to_string();
}
