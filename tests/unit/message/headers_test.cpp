// RFC 2047 words, RFC 2231 parameters, address lists and dates, as mail
// clients write them (examples from the real-mail corpus and mail-stack.md).
#include "message/headers.hpp"

#include <gtest/gtest.h>

namespace mailroom::message {
namespace {

TEST(MessageHeaders, EncodedWordsDecodeToUtf8AndAdjacentWordsJoin) {
  EXPECT_EQ(decode_words("=?utf-8?B?W0NTMTAxXSBodzMg4oCTIEFiZ2FiZQ==?="),
            "[CS101] hw3 \xE2\x80\x93 Abgabe");
  EXPECT_EQ(decode_words("=?iso-8859-1?q?J=FCrgen?= M\xC3\xBCller"), "J\xC3\xBCrgen M\xC3\xBCller");
  EXPECT_EQ(decode_words("=?utf-8?q?a?=  \t =?utf-8?q?b?= c"), "ab c");
  EXPECT_EQ(decode_words("=?windows-1252?Q?=93quoted=94?="), "\xE2\x80\x9Cquoted\xE2\x80\x9D");
  EXPECT_EQ(decode_words("=?ks_c_5601-1987?B?x8/AzA==?="), "\xED\x95\x98\xEC\x9D\xB4");
}

TEST(MessageHeaders, RawEightBitHeaderTextIsUtf8OrWindows1252) {
  EXPECT_EQ(decode_words("Fr\xC3\xB6sche"), "Fr\xC3\xB6sche");
  EXPECT_EQ(decode_words("Fr\xF6sche"), "Fr\xC3\xB6sche");
}

TEST(MessageHeaders, StructuredValuesSplitIntoTokenAndParameters) {
  const auto value =
      parse_structured("Multipart/Mixed; boundary=\"a;b\"; charset=UTF-8 ; name=\"C:\\\\x.pdf\"");
  EXPECT_EQ(value.token, "multipart/mixed");
  ASSERT_EQ(value.params.size(), 3u);
  EXPECT_EQ(value.params[0].value, "a;b");
  EXPECT_EQ(value.params[1].value, "UTF-8");
  EXPECT_EQ(value.params[2].value, "C:\\x.pdf");
}

TEST(MessageHeaders, Rfc2231ValuesAreJoinedAndDecodedInTheirCharset) {
  const auto single = parse_structured(
      "attachment; filename*=utf-8''L%C3%B6sung_hw1%20%E2%80%93%20M%C3%BCller.pdf");
  EXPECT_EQ(param_value(single.params, "filename", ""),
            "L\xC3\xB6sung_hw1 \xE2\x80\x93 M\xC3\xBCller.pdf");
  const auto continued = parse_structured(
      "attachment; filename*0*=utf-8''%C3%9Cbung%203%20; filename*1*=Abgabe%20J%C3%BCrgen.pdf");
  EXPECT_EQ(param_value(continued.params, "filename", ""), "\xC3\x9C"
                                                           "bung 3 Abgabe J\xC3\xBCrgen.pdf");
  const auto latin1 = parse_structured("attachment; filename*=iso-8859-1'de'%FCber.pdf");
  EXPECT_EQ(param_value(latin1.params, "filename", ""), "\xC3\xBC"
                                                        "ber.pdf");
  const auto words =
      parse_structured("application/pdf; name=\"=?utf-8?B?VGhpcyBpcyBhIHRlc3QucGRm?=\"");
  EXPECT_EQ(param_value(words.params, "name", ""), "This is a test.pdf");
  EXPECT_EQ(param_value(words.params, "filename", ""), std::nullopt);
}

TEST(MessageHeaders, AddressListsWithQuotesCommentsAndGroups) {
  const auto list = parse_mailboxes(
      "\"Doe, Jane\" <Jane.Doe@UMich.edu>, bob@umich.edu (Bob Smith), "
      "undisclosed-recipients:;, =?utf-8?q?J=C3=BCrgen?= <j@x.edu>, <@route:r@x.edu>",
      100);
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].name, "Doe, Jane");
  EXPECT_EQ(list[0].address, "Jane.Doe@UMich.edu");
  EXPECT_EQ(list[1].name, "Bob Smith");
  EXPECT_EQ(list[1].address, "bob@umich.edu");
  EXPECT_EQ(list[2].name, "J\xC3\xBCrgen");
  EXPECT_EQ(list[3].address, "r@x.edu");
}

TEST(MessageHeaders, MimeticsAddressBugsDoNotReachUs) {
  // docs/reliability-cases.md section 0: a trailing space after '>' and an escaped quote in a name.
  const auto trailing = parse_mailboxes("<a@x.edu> ", 10);
  ASSERT_EQ(trailing.size(), 1u);
  EXPECT_EQ(trailing[0].address, "a@x.edu");
  const auto escaped = parse_mailboxes("\"\\\"A, B\\\"\" <a@x.edu>", 10);
  ASSERT_EQ(escaped.size(), 1u);
  EXPECT_EQ(escaped[0].name, "\"A, B\"");
}

TEST(MessageHeaders, DeeplyNestedCommentsDoNotRecurse) {
  // gmime #15 / email-parser #10: nesting is counted, never recursed into.
  const auto list = parse_mailboxes(std::string(100000, '(') + "a@x.edu", 10);
  EXPECT_TRUE(list.empty());
}

TEST(MessageHeaders, DatesWithZonesAndObsoleteForms) {
  EXPECT_EQ(core::to_iso_utc(*parse_date("Tue, 04 Nov 2025 10:29:59 -0500")),
            "2025-11-04T15:29:59Z");
  EXPECT_EQ(core::to_iso_utc(*parse_date("4 Nov 25 10:29 EST")), "2025-11-04T15:29:00Z");
  EXPECT_EQ(core::to_iso_utc(*parse_date("Mon, 6 Feb 1993 02:53:47 -0800 (PST)")),
            "1993-02-06T10:53:47Z");
  EXPECT_EQ(parse_date("yesterday"), std::nullopt);
  EXPECT_EQ(parse_date("Tue, 31 Feb 2025 10:00:00 +0000"), std::nullopt);
}

TEST(MessageHeaders, MessageIdsOfReferences) {
  const auto ids = message_ids("<a@x>\r\n <b@y> junk <c@z", 10);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[1], "<b@y>");
}

} // namespace
} // namespace mailroom::message
