// The IMAP text layer of the mailbox adapter, without a server: how responses are split,
// how FETCH, SEARCH and status responses read, INTERNALDATE, urls and mail identities.
// (It lives beside the CLI tests because unit_tests links only the pure core.)

#include "core/instant.hpp"
#include "imap/protocol.hpp"
#include "support/instant.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace mailroom::imap {
namespace {

using test::at;

std::vector<std::string> split_all(ResponseReader& reader) {
  std::vector<std::string> out;
  while (auto response = reader.next())
    out.push_back(std::move(*response));
  return out;
}

TEST(ImapResponseReader, LiteralBytesNeverEndAResponse) {
  // The literal holds a CRLF, a line that looks tagged and one that announces a literal.
  const std::string body = "A4 OK fake\r\n{3}\r\nxyz";
  ResponseReader reader;
  reader.feed("* 1 FETCH (UID 7 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body +
              ")\r\nA4 OK done\r\n");
  const auto responses = split_all(reader);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0],
            "* 1 FETCH (UID 7 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + ")");
  EXPECT_EQ(responses[1], "A4 OK done");
}

TEST(ImapResponseReader, AnnouncesEachLiteralOnceBeforeItsBytesAreRead) {
  // The fetching thread decides here whether to read a deck now or after the one being
  // recorded: once per literal, as soon as its size is known.
  ResponseReader reader;
  reader.feed("* 1 FETCH (UID 7 BODY[] {10}\r\nabc");
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.take_new_literal(), 10u);
  EXPECT_EQ(reader.take_new_literal(), 0u);
  reader.feed("def");
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.take_new_literal(), 0u) << "the same literal is not announced again";
  reader.feed("ghij)\r\n* 2 FETCH (UID 8 BODY[] {3}\r\n");
  ASSERT_EQ(reader.next(), "* 1 FETCH (UID 7 BODY[] {10}\r\nabcdefghij)");
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.take_new_literal(), 3u);
  reader.feed("xyz)\r\nM1 OK done\r\n");
  EXPECT_EQ(reader.next(), "* 2 FETCH (UID 8 BODY[] {3}\r\nxyz)");
  EXPECT_EQ(reader.next(), "M1 OK done");
  EXPECT_EQ(reader.take_new_literal(), 0u);
}

// What has come of a literal still arriving, for work done on a mail as it arrives: its
// bytes so far (never the bytes after it), its whole size, and nothing once the response
// that holds it is complete or before any literal.
TEST(ImapResponseReader, TellsWhatHasComeOfTheLiteralStillArriving) {
  ResponseReader reader;
  reader.feed("* 1 FETCH (UID 7 BODY[] {10}\r\nabc");
  EXPECT_FALSE(reader.literal_so_far()) << "not scanned yet";
  EXPECT_FALSE(reader.next());
  auto so_far = reader.literal_so_far();
  ASSERT_TRUE(so_far);
  EXPECT_EQ(so_far->bytes, "abc");
  EXPECT_EQ(so_far->size, 10u);
  reader.feed("defghij)\r\nM1 OK");
  so_far = reader.literal_so_far();
  ASSERT_TRUE(so_far);
  EXPECT_EQ(so_far->bytes, "abcdefghij");
  ASSERT_EQ(reader.next(), "* 1 FETCH (UID 7 BODY[] {10}\r\nabcdefghij)");
  EXPECT_FALSE(reader.literal_so_far());
}

TEST(ImapResponseReader, WaitsForEveryByteWhenFedOneAtATime) {
  const std::string wire = "* 2 FETCH (BODY[] {5}\r\nab\r\nc UID 9)\r\n* 3 EXISTS\r\n";
  ResponseReader reader;
  std::vector<std::string> responses;
  for (const char c : wire) {
    reader.feed(std::string_view(&c, 1));
    while (auto response = reader.next())
      responses.push_back(std::move(*response));
  }
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0], "* 2 FETCH (BODY[] {5}\r\nab\r\nc UID 9)");
  EXPECT_EQ(responses[1], "* 3 EXISTS");
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(ImapResponseReader, ReadsALiteralStraightIntoTheRoomItReserved) {
  // The connection reads a mail's bytes into the reader's own buffer once the literal is
  // announced (feed_from): the response is the same as when they are fed a piece at a time.
  std::string body(300 * 1024, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) // every byte in its place, CRLFs among them
    body[i] = static_cast<char>(i % 251);
  ResponseReader reader;
  reader.feed("* 1 FETCH (UID 7 BODY[] {" + std::to_string(body.size()) + "}\r\n" +
              body.substr(0, 2));
  EXPECT_FALSE(reader.next());
  ASSERT_GE(reader.room(), body.size()) << "the whole literal is reserved once announced";
  std::size_t at = 2;
  const auto read = [&](char* into, std::size_t most) {
    const auto n = std::min(most, body.size() - at);
    std::copy_n(body.data() + at, n, into);
    at += n;
    return n;
  };
  while (at < body.size()) {
    ASSERT_GT(reader.feed_from(std::min(reader.room(), std::size_t{64 * 1024}), read), 0u);
    EXPECT_FALSE(reader.next());
  }
  EXPECT_EQ(reader.feed_from(reader.room(), [](char*, std::size_t) { return std::size_t{0}; }), 0u)
      << "a read that brings nothing (EAGAIN) adds nothing";
  reader.feed(")\r\nM1 OK done\r\n");
  EXPECT_EQ(reader.next(),
            "* 1 FETCH (UID 7 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + ")");
  EXPECT_EQ(reader.next(), "M1 OK done");
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(ImapFetch, ReadsUidInternalDateSizeFlagsAndTheLiteralBody) {
  const std::string response = "* 12 FETCH (UID 42 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
                               "RFC822.SIZE 9 FLAGS (\\Seen $MailroomProcessed) "
                               "BODY[] {9}\r\nA1 OK x\r\n)";
  const auto data = parse_fetch(response);
  ASSERT_TRUE(data);
  EXPECT_EQ(data->sequence, 12u);
  EXPECT_EQ(data->uid, 42u);
  EXPECT_EQ(data->internaldate, "17-Jul-1996 02:44:25 -0700");
  EXPECT_EQ(data->size, 9u);
  EXPECT_EQ(data->flags, (std::vector<std::string>{"\\Seen", "$MailroomProcessed"}));
  EXPECT_EQ(data->body, "A1 OK x\r\n");
}

TEST(ImapFetch, SkipsItemsItDidNotAskFor) {
  const auto data =
      parse_fetch("* 3 FETCH (MODSEQ (12) BODY[HEADER.FIELDS (SUBJECT)] "
                  "{4}\r\nab\r\n UID 5 ENVELOPE (NIL \"x\" ((NIL NIL \"a\" \"b\"))))");
  ASSERT_TRUE(data);
  EXPECT_EQ(data->uid, 5u);
  EXPECT_FALSE(data->body);
}

TEST(ImapFetch, RefusesWhatIsNotAFetchResponse) {
  EXPECT_FALSE(parse_fetch("* 3 EXISTS"));
  EXPECT_FALSE(parse_fetch("* 3 FETCH (UID abc)"));
  EXPECT_FALSE(parse_fetch("A1 OK done"));
}

TEST(ImapSearch, ReadsSearchAndEsearchAnswers) {
  EXPECT_EQ(search_uids("* SEARCH 9 4 10"), (std::vector<std::uint32_t>{4, 9, 10}));
  EXPECT_EQ(search_uids("* SEARCH"), (std::vector<std::uint32_t>{}));
  EXPECT_EQ(search_uids("* ESEARCH (TAG \"M3\") UID ALL 4,9:11"),
            (std::vector<std::uint32_t>{4, 9, 10, 11}));
  EXPECT_EQ(search_uids("* ESEARCH (TAG \"M3\") UID"), (std::vector<std::uint32_t>{}));
  EXPECT_FALSE(search_uids("* 3 EXISTS"));
}

TEST(ImapStatus, ReadsResponseCodesOfSelect) {
  EXPECT_EQ(code_number("* OK [UIDVALIDITY 3857529045] UIDs valid", "UIDVALIDITY"), 3857529045u);
  EXPECT_EQ(code_number("* OK [UIDNEXT 4392] Predicted next UID", "UIDNEXT"), 4392u);
  EXPECT_FALSE(code_number("* OK [UIDNEXT 4392] Predicted next UID", "UIDVALIDITY"));
  EXPECT_EQ(code_list("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited", "PERMANENTFLAGS"),
            (std::vector<std::string>{"\\Deleted", "\\Seen", "\\*"}));
  EXPECT_EQ(exists_count("* 172 EXISTS"), 172u);
  const auto status = read_status("M7 NO [NONEXISTENT] Mailbox doesn't exist: X");
  EXPECT_EQ(status.tag, "M7");
  EXPECT_EQ(status.kind, "NO");
  EXPECT_EQ(status.text, "[NONEXISTENT] Mailbox doesn't exist: X");
  EXPECT_EQ(capabilities("* CAPABILITY IMAP4rev1 LITERAL+ esearch"),
            (std::vector<std::string>{"IMAP4REV1", "LITERAL+", "ESEARCH"}));
}

TEST(ImapIdle, NewMailIsExistsOrRecentAndByeEndsTheSession) {
  EXPECT_EQ(idle_news("* 5 EXISTS"), IdleNews::new_mail);
  EXPECT_EQ(idle_news("* 1 recent"), IdleNews::new_mail);
  EXPECT_EQ(idle_news("* BYE Server shutting down."), IdleNews::bye);
  // Keep-alives, expunges and flag changes made by staff call for no poll.
  EXPECT_EQ(idle_news("* OK Still here"), IdleNews::nothing);
  EXPECT_EQ(idle_news("* 3 EXPUNGE"), IdleNews::nothing);
  EXPECT_EQ(idle_news("* 2 FETCH (FLAGS (\\Seen))"), IdleNews::nothing);
  EXPECT_EQ(idle_news("+ idling"), IdleNews::nothing);
  EXPECT_EQ(idle_news("M4 OK Idle completed."), IdleNews::nothing);
  EXPECT_EQ(idle_news("* EXISTS 5"), IdleNews::nothing);
}

TEST(ImapInternalDate, HonoursTheOffsetAndRefusesNonsense) {
  EXPECT_EQ(parse_internaldate("17-Jul-1996 02:44:25 -0700"), at("1996-07-17T09:44:25Z"));
  EXPECT_EQ(parse_internaldate("15-Dec-2025 13:00:00 -0500"), at("2025-12-15T18:00:00Z"));
  EXPECT_EQ(parse_internaldate("15-Dec-2025 18:00:00 +0000"), at("2025-12-15T18:00:00Z"));
  EXPECT_EQ(parse_internaldate(" 2-Nov-2025 01:30:00 -0400"), at("2025-11-02T05:30:00Z"));
  EXPECT_EQ(parse_internaldate("01-Jan-2026 00:00:00 -1200"), at("2026-01-01T12:00:00Z"));
  EXPECT_FALSE(parse_internaldate("31-Feb-2025 10:00:00 +0000"));
  EXPECT_FALSE(parse_internaldate("17-Jul-1996 02:44:25"));
  EXPECT_FALSE(parse_internaldate("17-Jui-1996 02:44:25 +0000"));
  EXPECT_FALSE(parse_internaldate("17-Jul-1996 02:44:25 +0000 trailing"));
  EXPECT_EQ(format_internaldate(at("2025-12-15T18:00:00Z")), "15-Dec-2025 18:00:00 +0000");
}

TEST(ImapUrl, ReadsSchemesPortsAndFolders) {
  std::string error;
  const auto imaps = parse_url("imaps://Mail.Example.EDU/Course%20Submissions", error);
  ASSERT_TRUE(imaps) << error;
  EXPECT_EQ(imaps->tls, Endpoint::Tls::implicit);
  EXPECT_EQ(imaps->host, "mail.example.edu");
  EXPECT_EQ(imaps->port, 993);
  EXPECT_EQ(imaps->folder, "Course Submissions");
  EXPECT_EQ(imaps->connect_url(), "imaps://mail.example.edu:993/");
  const auto starttls = parse_url("imap://127.0.0.1:10143", error);
  ASSERT_TRUE(starttls) << error;
  EXPECT_EQ(starttls->tls, Endpoint::Tls::starttls);
  EXPECT_EQ(starttls->port, 10143);
  EXPECT_EQ(starttls->folder, "INBOX");
  EXPECT_EQ(parse_url("imap://[::1]:143/INBOX", error)->connect_url(), "imap://[::1]:143/");
}

TEST(ImapUrl, RefusesCredentialsOtherSchemesAndBadPorts) {
  std::string error;
  EXPECT_FALSE(parse_url("imaps://staff:pw@host/INBOX", error));
  EXPECT_NE(error.find("password_file"), std::string::npos);
  EXPECT_FALSE(parse_url("pop3://host/", error));
  EXPECT_EQ(error, "unknown scheme 'pop3': an IMAP url starts with imaps:// or imap://");
  EXPECT_FALSE(parse_url("imaps://host:99999/", error));
  EXPECT_FALSE(parse_url("imaps://host/INBOX;UID=4", error));
}

TEST(ImapSource, RoundTripsAndQuotes) {
  const SourceKey key{"mail.example.edu", "Course Submissions", 7, 42};
  const auto source = format_source(key);
  EXPECT_EQ(source, "imap://mail.example.edu/Course%20Submissions;UIDVALIDITY=7;UID=42");
  EXPECT_EQ(parse_source(source), key);
  EXPECT_FALSE(parse_source("maildir:/x/y"));
  EXPECT_EQ(quote("Course \"A\""), "\"Course \\\"A\\\"\"");
  EXPECT_FALSE(quote("bad\r\nname"));
  EXPECT_EQ(unquote("a\\\"b\\\\c"), "a\"b\\c");
}

} // namespace
} // namespace mailroom::imap
