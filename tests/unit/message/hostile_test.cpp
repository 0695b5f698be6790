// Hostile MIME (docs/reliability-cases.md section 5, H1-H18 and M1-M11): every case ends
// within its limits, says which limit it hit in plain words, and never crashes.
// The suite runs under ASan/UBSan in CI, which is what catches over-reads. No case here
// times itself (a loaded CI machine makes any bound flaky): a case that went quadratic
// again would take minutes and hit ctest's timeout; the speed itself is measured by
// tests/bench (parse_bench, long_header_bench).
#include "message/parse.hpp"
#include "message/transfer.hpp"
#include "test_data.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <string>

namespace mailroom::message {
namespace {

std::string headers(const std::string& extra = "") {
  return "From: Student <student@umich.edu>\r\nTo: staff@umich.edu\r\nSubject: hw\r\n"
         "Message-ID: <h@x>\r\nMIME-Version: 1.0\r\n" +
         extra;
}

std::string attachment_mail(const std::string& part_headers, const std::string& body) {
  return headers("Content-Type: multipart/mixed; boundary=b\r\n\r\n") +
         "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n" + part_headers +
         "\r\n\r\n" + body + "\r\n--b--\r\n";
}

bool mentions(const std::vector<std::string>& texts, const std::string& needle) {
  for (const auto& text : texts)
    if (text.find(needle) != std::string::npos)
      return true;
  return false;
}

TEST(MessageHostile, TraversalNamesAreDecodedForDisplayNotSanitisedHere) {
  // H1/H2: the archive sanitises; the facts show what the sender wrote, decoded.
  const auto a = parse(attachment_mail("Content-Type: application/octet-stream\r\n"
                                       "Content-Disposition: attachment; "
                                       "filename*=UTF-8''%2e%2e%2f%2e%2e%2fevil.sh",
                                       "eA=="),
                       "h2");
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].filename, "../../evil.sh");
  const auto b = parse(attachment_mail("Content-Type: application/octet-stream; "
                                       "name=\"=?utf-8?B?Li4vLi4vZXZpbC5zaA==?=\"",
                                       "eA=="),
                       "h2b");
  ASSERT_EQ(b.attachments.size(), 1u);
  EXPECT_EQ(b.attachments[0].filename, "../../evil.sh");
}

TEST(MessageHostile, NulAndControlCharactersInNamesDoNotBreakParsing) {
  // H3: a NUL or control byte, encoded or raw, is replaced by U+FFFD and cuts nothing off.
  const auto a = parse(attachment_mail("Content-Type: application/pdf\r\n"
                                       "Content-Disposition: attachment; "
                                       "filename*=utf-8''a.pdf%00.exe",
                                       "eA=="),
                       "h3");
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].filename, "a.pdf\uFFFD.exe");
  std::string raw_nul = attachment_mail("Content-Type: application/pdf\r\n"
                                        "Content-Disposition: attachment; filename=\"a.pdf",
                                        "eA==");
  raw_nul.insert(raw_nul.find("a.pdf") + 5, std::string("\0.exe\x1b[31m\"", 11));
  const auto b = parse(raw_nul, "h3b");
  ASSERT_EQ(b.attachments.size(), 1u);
  EXPECT_EQ(b.attachments[0].filename, "a.pdf\uFFFD.exe\uFFFD[31m");
  EXPECT_EQ(b.attachments[0].size, 4u); // the body ("eA==", 7bit) is kept as it was
}

TEST(MessageHostile, NulInTheSubjectIsReplacedAndTheRestKept) {
  std::string raw = headers("Content-Type: text/plain\r\n\r\nbody\r\n");
  raw.replace(raw.find("Subject: hw"), 11,
              std::string("Subject: Slides") + '\0' + " for Oct 7\x01!");
  const auto facts = parse(raw, "nul-subject");
  EXPECT_EQ(facts.subject, "Slides\uFFFD for Oct 7\uFFFD!");
}

TEST(MessageHostile, Rfc2231ContinuationsAreJoinedDeterministically) {
  // H7: out of order, a gap, a duplicate, a huge index, mixed extended and plain.
  const auto a = parse(attachment_mail("Content-Type: application/pdf\r\n"
                                       "Content-Disposition: attachment;\r\n"
                                       " filename*1=\"b\"; filename*0*=utf-8''%C3%A4;\r\n"
                                       " filename*0=\"dup\"; filename*3=\".pdf\";\r\n"
                                       " filename*99999999=\"x\"",
                                       "eA=="),
                       "h7");
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].filename, "\xC3\xA4"
                                       "b.pdf");
}

TEST(MessageHostile, TenThousandRfc2231SegmentsAreCapped) {
  // H7 (CVE-2026-27859 style): 10,000 segments; capped and reported.
  std::string disposition = "Content-Type: application/pdf\r\nContent-Disposition: attachment";
  for (int i = 0; i < 10000; ++i)
    disposition += (i % 100 == 0 ? ";\r\n filename*" : "; filename*") + std::to_string(i) + "=a";
  const auto facts = parse(attachment_mail(disposition, "eA=="), "h7b");
  ASSERT_EQ(facts.attachments.size(), 1u);
  EXPECT_EQ(facts.attachments[0].filename, std::string(256, 'a'));
  EXPECT_TRUE(mentions(facts.parse_errors, "RFC 2231 segments"));
}

TEST(MessageHostile, MalformedEncodedWordsAreKeptOrDecodedWithoutOverread) {
  // H8.
  auto subject = [](const std::string& value) {
    return parse("From: a@b.example\r\nSubject: " + value + "\r\n\r\nbody\r\n", "h8").subject;
  };
  EXPECT_EQ(subject("=?GBK?B?"
                    "?="),
            ""); // "?" "?=" avoids a trigraph
  EXPECT_EQ(subject("=?utf-8?Q?A=?="), "A=");
  EXPECT_EQ(subject("=?utf-8?B?x?="), "=?utf-8?B?x?=");
  EXPECT_EQ(subject("=?utf-8?B?w6Q=?= =?utf-8?B?w7Y=?="), "\xC3\xA4\xC3\xB6");
  EXPECT_EQ(subject("=?utf-8?Q?=C3?= =?utf-8?Q?=A4?="), "\xC3\xA4"); // split character
  EXPECT_EQ(subject("=?utf-8*en?Q?a_b?="), "a b");
  EXPECT_EQ(subject("=?x-foo?Q?a?="), "a");
  EXPECT_EQ(subject("=?utf-7?Q?+AOQ-?="), "\xC3\xA4");
}

TEST(MessageHostile, FiveThousandEncodedWordsInOneHeaderStopAtTheAddressLimit) {
  // H8 (corpus 139): 5,000 words in one To header (10,000 would pass the
  // 256 KB field limit, which drops the field and says so).
  std::string to = "To: ";
  for (int i = 0; i < 5000; ++i)
    to += "=?utf-8?Q?J=C3=BCrgen_" + std::to_string(i) + "?= <j" + std::to_string(i) +
          "@x.edu>,\r\n ";
  to += "last@x.edu\r\n";
  const auto facts = parse(to + headers() + "\r\nbody\r\n", "h8b");
  ASSERT_EQ(facts.to.size(), 1000u); // Limits::max_addresses
  EXPECT_EQ(facts.to[1].name, "J\xC3\xBCrgen 1");
}

TEST(MessageHostile, TenThousandDeepMultipartStopsAtTheDepthLimit) {
  // H9: no stack overflow; the reason names the depth and the limit.
  std::string raw = headers();
  const int depth = 10000;
  for (int i = 0; i < depth; ++i)
    raw += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\r\n\r\n--b" +
           std::to_string(i) + "\r\n";
  raw += "Content-Type: text/plain\r\n\r\ndeep\r\n";
  const auto facts = parse(raw, "h9");
  ASSERT_FALSE(facts.limit_exceeded.empty());
  EXPECT_EQ(facts.limit_exceeded.front(), "MIME nesting 10000 deep, limit 32");
}

TEST(MessageHostile, ThousandDeepForwardedMessagesStopAtTheDepthLimit) {
  // H9: message/rfc822 inside message/rfc822, 1,000 deep.
  std::string raw = headers();
  for (int i = 0; i < 1000; ++i)
    raw += "Content-Type: message/rfc822\r\n\r\nSubject: level " + std::to_string(i) + "\r\n";
  raw += "Content-Type: text/plain\r\n\r\nbottom\r\n";
  const auto facts = parse(raw, "h9b");
  EXPECT_TRUE(mentions(facts.limit_exceeded, "MIME nesting 1000 deep, limit 32"));
}

TEST(MessageHostile, TwoHundredThousandTinyPartsStopAtThePartLimit) {
  // H10: 4-byte parts (Email::MIME #66); a 5 MB message.
  std::string raw = headers("Content-Type: multipart/mixed; boundary=a\r\n\r\n");
  raw.reserve(raw.size() + 200000 * 12);
  for (int i = 0; i < 200000; ++i)
    raw += "--a\nx:y\n\nz\n";
  const auto facts = parse(raw, "h10");
  EXPECT_TRUE(mentions(facts.limit_exceeded, "200001 MIME parts, limit 1000"));
}

TEST(MessageHostile, BrokenBoundariesStillYieldTheParts) {
  // H11: missing final boundary; no boundary parameter; 1-byte preamble and body.
  const auto missing = parse(headers("Content-Type: multipart/mixed; boundary=b\r\n\r\n") +
                                 "--b\r\nContent-Type: application/pdf; name=a.pdf\r\n"
                                 "Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n",
                             "h11");
  ASSERT_EQ(missing.attachments.size(), 1u);
  EXPECT_EQ(missing.attachments[0].size, 4u);
  const auto no_boundary =
      parse(headers("Content-Type: multipart/mixed\r\n\r\n") + "just text\r\n", "h11b");
  EXPECT_TRUE(no_boundary.limit_exceeded.empty());
  const auto tiny = parse(headers("Content-Type: multipart/mixed; boundary=b\r\n\r\n") +
                              "x\r\n--b\r\n\r\ny\r\n--b--\r\n",
                          "h11c");
  EXPECT_EQ(tiny.text, "y");
}

TEST(MessageHostile, ABodyMimeticCannotReadKeepsTheHeaderAndLeaksNoPart) {
  // H11, found by the fuzzer: no boundary, a body of bare "--" lines, on which mimetic throws
  // half-way. The parts it had read must be freed (ASan's leak check fails this test if not),
  // the sender and subject still known, and the error must say what could not be read.
  const auto raw = testing::read_data("hostile/h11-multipart-without-boundary.eml");
  ASSERT_FALSE(raw.empty());
  const auto facts = parse(raw, "h11-multipart-without-boundary.eml");
  ASSERT_EQ(facts.parse_errors.size(), 1u);
  EXPECT_TRUE(mentions(facts.parse_errors, "h11-multipart-without-boundary.eml: the MIME body "
                                           "could not be read, only the header"));
  ASSERT_EQ(facts.from.size(), 1u);
  EXPECT_EQ(facts.from[0].address, "student@umich.edu");
  EXPECT_EQ(facts.subject, "slides");
  EXPECT_TRUE(facts.attachments.empty());
  EXPECT_TRUE(facts.body_unread); // so no automatic reply guesses what it carries

  // Forwarded: mimetic reads message/rfc822 itself, so the whole mail is header-only; a
  // message/global part is read by mailroom, and only that part is lost.
  const auto forward = [&](const std::string& type) {
    return parse(headers("Content-Type: multipart/mixed; boundary=b\r\n\r\n") +
                     "--b\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--b\r\n"
                     "Content-Type: " +
                     type + "\r\n\r\n" + raw + "\r\n--b--\r\n",
                 "fwd");
  };
  const auto rfc822 = forward("message/rfc822");
  EXPECT_TRUE(mentions(rfc822.parse_errors, "fwd: the MIME body could not be read"));
  EXPECT_EQ(rfc822.subject, "hw");
  const auto global = forward("message/global");
  EXPECT_TRUE(mentions(global.parse_errors, "part 2: the forwarded message's body could not"));
  EXPECT_EQ(global.subject, "hw");
  EXPECT_EQ(global.text, "see below");
  EXPECT_FALSE(global.body_unread);
}

TEST(MessageHostile, OverlongBoundaryIsRefused) {
  // H11: a 3,000-character boundary would make the boundary search quadratic.
  const std::string boundary(3000, 'a');
  std::string raw = headers("Content-Type: multipart/mixed; boundary=" + boundary + "\r\n\r\n");
  raw += std::string(1 << 20, 'a');
  const auto facts = parse(raw, "h11d");
  EXPECT_TRUE(mentions(facts.limit_exceeded, "MIME boundary 3000 characters long, limit 200"));
}

TEST(MessageHostile, HugeHeadersAreCapped) {
  // H12: a 300 KB field is dropped and reported; 500,000 To lines stop at the line cap.
  const auto big =
      parse(headers("X-Big: " + std::string(300 << 10, 'x') + "\r\n") + "\r\nhi\r\n", "h12");
  EXPECT_TRUE(mentions(big.limit_exceeded, "header field X-Big is 300 KB, limit 256 KB"));
  EXPECT_EQ(big.subject, "hw");
  std::string many = headers();
  many.reserve(500000 * 16);
  for (int i = 0; i < 500000; ++i)
    many += "To: a@b.example\r\n";
  many += "\r\nbody\r\n";
  const auto facts = parse(many, "h12b");
  EXPECT_TRUE(mentions(facts.limit_exceeded, "header of part 1 has more than 10000 fields"));
}

TEST(MessageHostile, OddHeaderLinesDoNotCrash) {
  // H12: NUL in a field name, a line without a colon, an unindented continuation.
  const std::string raw = headers() + std::string("X-A\0b: c\r\n", 10) +
                          "no colon here\r\nContent-Type: text/plain\r\n\r\nx";
  const auto facts = parse(raw, "h12c");
  EXPECT_EQ(facts.subject, "hw");
}

TEST(MessageHostile, PipeInBase64IsIgnoredLikeALenientDecoder) {
  // M5: mimetic 0.9.8's base64 decoder reads past its table on '|'. mailroom
  // decodes base64 itself; the result equals Python's b64decode(validate=False).
  const auto facts = parse(attachment_mail("Content-Type: application/pdf; name=a.pdf\r\n"
                                           "Content-Transfer-Encoding: base64",
                                           "JVB|ER|i0x\r\nLjQ=|||"),
                           "m5");
  ASSERT_EQ(facts.attachments.size(), 1u);
  EXPECT_EQ(facts.attachments[0].size, 8u); // "%PDF-1.4"
  EXPECT_EQ(facts.attachments[0].sha256, sha256_hex("%PDF-1.4"));
}

TEST(MessageHostile, Base64AndQuotedPrintableEdgeCases) {
  // H13, each against what Python's email package decodes.
  auto decode = [](std::string_view text, TransferEncoding encoding) {
    return decode_to_string(text, encoding);
  };
  EXPECT_EQ(decode("YWJj====", TransferEncoding::base64), "abc");
  EXPECT_EQ(decode("Y W\tJ\r\nj", TransferEncoding::base64), "abc");
  EXPECT_EQ(decode("YWJjZA", TransferEncoding::base64), "abcd"); // no padding
  EXPECT_EQ(decode("YWJjZ", TransferEncoding::base64), "YWJjZ"); // one dangling char
  EXPECT_EQ(decode("YQ==YmM=", TransferEncoding::base64), "a");  // stops at padding
  EXPECT_EQ(decode("a=ZZb=4", TransferEncoding::quoted_printable), "a=ZZb=4");
  EXPECT_EQ(decode("a=\r\nb=\nc=", TransferEncoding::quoted_printable), "abc");
  EXPECT_EQ(transfer_encoding(" Quoted-Printable;"), TransferEncoding::quoted_printable);
  EXPECT_EQ(transfer_encoding("x-unknown"), TransferEncoding::identity);
  EXPECT_EQ(decode("begin 644 a\n#86)C\n`\nend\n", TransferEncoding::uuencode), "abc");
  EXPECT_EQ(decode("", TransferEncoding::uuencode), "");
}

TEST(MessageHostile, Base64DeckDecodesEveryByteAcrossManyBlocks) {
  // The fast path writes 3 KiB at a time: a body of many blocks, with every byte value
  // in every place of a group, in 76-character lines, comes back exactly; a stray
  // character deep inside is skipped as Python's lenient decoder skips it.
  std::string bytes;
  for (int round = 0; round < 300; ++round)
    for (int value = 0; value < 256; ++value)
      bytes += static_cast<char>((value * 7 + round) & 0xff);
  std::string encoded;
  std::string line(EVP_ENCODE_LENGTH(57), '\0');
  for (std::size_t at = 0; at < bytes.size(); at += 57) {
    const auto chunk = std::min<std::size_t>(57, bytes.size() - at);
    const int length =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(line.data()),
                        reinterpret_cast<const unsigned char*>(bytes.data() + at), chunk);
    encoded.append(line.data(), static_cast<std::size_t>(length)).append("\r\n");
  }
  EXPECT_EQ(decode_to_string(encoded, TransferEncoding::base64), bytes);
  std::string stray = encoded;
  stray.insert(50'001, "|");
  EXPECT_EQ(decode_to_string(stray, TransferEncoding::base64), bytes);
}

TEST(MessageHostile, UnknownAndMislabelledCharsetsKeepTheText) {
  // H14: UTF-8 labelled us-ascii is kept; a label outside the allowlist gives
  // valid UTF-8 with U+FFFD for what is not.
  const auto mislabelled =
      parse(headers("Content-Type: text/plain; charset=us-ascii\r\n\r\n") + "Gr\xC3\xBC\xC3\x9F"
                                                                            "e",
            "h14");
  EXPECT_EQ(mislabelled.text, "Gr\xC3\xBC\xC3\x9F"
                              "e");
  const auto unknown =
      parse(headers("Content-Type: text/plain; charset=ISO-2022-JP-3\r\n\r\n") + "a\x1b$(Q\xff"
                                                                                 "b",
            "h14b");
  EXPECT_EQ(unknown.text, "a\x1b$(Q\xEF\xBF\xBD"
                          "b");
}

TEST(MessageHostile, TnefIsFlaggedAndForwardedAttachmentsAreFound) {
  // H15: winmail.dat is named and flagged; an attachment inside a forward is found.
  const auto tnef = parse(attachment_mail("Content-Type: application/ms-tnef; name=winmail.dat\r\n"
                                          "Content-Transfer-Encoding: base64",
                                          "eJ8+IgAA"),
                          "h15");
  ASSERT_EQ(tnef.attachments.size(), 1u);
  EXPECT_TRUE(tnef.attachments[0].winmail_dat);
  const auto forward =
      parse(attachment_mail("Content-Type: message/rfc822",
                            "Subject: inner\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
                            "--i\r\nContent-Type: application/pdf; name=inner.pdf\r\n\r\n%PDF\r\n"
                            "--i--"),
            "h15b");
  ASSERT_EQ(forward.attachments.size(), 1u);
  EXPECT_EQ(forward.attachments[0].filename, "inner.pdf");
  EXPECT_EQ(forward.attachments[0].part_path, "2.1");
}

TEST(MessageHostile, MboxLineEmptyBodyBareCrAndZeroLengthAttachment) {
  // H18.
  const auto mbox =
      parse("From someone Sat Jan  1 00:00:00 2000\n" + headers() + "\r\nhi\r\n", "h18");
  EXPECT_EQ(mbox.subject, "hw");
  const auto no_body = parse(headers(), "h18b");
  EXPECT_EQ(no_body.subject, "hw");
  EXPECT_TRUE(no_body.text.empty());
  const auto bare_cr = parse("From: a@b\rSubject: cr\r\rtext\r", "h18c");
  EXPECT_EQ(bare_cr.subject, "cr");
  const auto empty =
      parse(attachment_mail("Content-Type: application/pdf; name=e.pdf", ""), "h18d");
  ASSERT_EQ(empty.attachments.size(), 1u);
  EXPECT_EQ(empty.attachments[0].size, 0u);
  EXPECT_EQ(empty.attachments[0].sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(MessageHostile, OversizeMessageIsReportedInMegabytes) {
  // H18: 30 MB against a 25 MB limit; the hash is still of all the bytes.
  ParseOptions options;
  options.limits.max_message_bytes = 25u << 20;
  const std::string raw = headers() + "\r\n" + std::string(30u << 20, 'x');
  const auto facts = parse(raw, "h18e", options);
  EXPECT_TRUE(mentions(facts.limit_exceeded, "message 30 MB, limit 25 MB"));
  EXPECT_EQ(facts.size, raw.size());
  EXPECT_EQ(facts.subject, "hw");
}

TEST(MessageHostile, GmailStyleHeaderWithMoreThanAHundredFieldsParses) {
  // M11: Poco's MessageHeader refuses more than 100 fields; mailroom never uses it on mail.
  std::string raw;
  for (int i = 0; i < 120; ++i)
    raw += "Received: from hop" + std::to_string(i) + " by mx; Tue, 4 Nov 2025 10:00:00 -0500\r\n";
  std::string references = "References:";
  for (int i = 0; i < 400; ++i)
    references += " <ref" + std::to_string(i) + "@mail.gmail.com>";
  raw += references + "\r\n" + headers() + "\r\nbody\r\n";
  const auto facts = parse(raw, "m11");
  EXPECT_EQ(facts.received.size(), 120u);
  EXPECT_EQ(facts.references.size(), 400u);
  EXPECT_TRUE(facts.limit_exceeded.empty());
  EXPECT_EQ(facts.text, "body\n");
}

TEST(MessageHostile, HostileFilesUnderTestDataParseWithoutCrashing) {
  // The seeds the fuzzer starts from; each must parse and report, never throw.
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::data_dir() / "hostile")) {
    const auto raw = testing::read_data(std::filesystem::path("hostile") / entry.path().filename());
    const auto facts = parse(raw, entry.path().filename().string());
    EXPECT_EQ(facts.size, raw.size()) << entry.path();
    ++parsed;
  }
  // An empty or missing folder is a failure, not a pass (18 files today).
  EXPECT_GE(parsed, 18) << testing::data_dir() / "hostile";
}

} // namespace
} // namespace mailroom::message
