// A header field of megabytes (one unfolded line, or the same bytes folded) is cut
// before mimetic reads it, whose cost grows with a field's square: the mail is read,
// the cut is recorded as a problem of that mail, and everything else is intact.
#include "message/header_block.hpp"
#include "message/parse.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mailroom::message {
namespace {

constexpr std::size_t k_megabytes = 4;

std::string one_line(std::size_t bytes) {
  return std::string(bytes, 'x');
}

// The same bytes, folded every 76 characters.
std::string folded(std::size_t bytes) {
  std::string out;
  out.reserve(bytes + bytes / 38);
  for (std::size_t done = 0; done < bytes; done += 76)
    out += (done ? "\r\n " : "") + std::string(std::min<std::size_t>(76, bytes - done), 'x');
  return out;
}

// A mail with `field` among ordinary ones, a text part and a PDF attachment.
std::string mail_with(const std::string& field) {
  return "From: Ada Lovelace <ada@example.edu>\r\n" + field +
         "\r\nTo: staff@example.edu\r\nSubject: Slides for Oct 7\r\nMessage-ID: <long@x>\r\n"
         "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
         "--b\r\nContent-Type: text/plain\r\n\r\nOur slides are attached.\r\n"
         "--b\r\nContent-Type: application/pdf; name=slides.pdf\r\n"
         "Content-Disposition: attachment; filename=slides.pdf\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
}

void expect_everything_else_intact(const MessageFacts& facts) {
  ASSERT_EQ(facts.from.size(), 1u);
  EXPECT_EQ(facts.from[0].address, "ada@example.edu");
  ASSERT_EQ(facts.to.size(), 1u);
  EXPECT_EQ(facts.to[0].address, "staff@example.edu");
  EXPECT_EQ(facts.subject, "Slides for Oct 7");
  EXPECT_EQ(facts.message_id, "<long@x>");
  EXPECT_NE(facts.text.find("Our slides are attached."), std::string::npos) << facts.text;
  ASSERT_EQ(facts.attachments.size(), 1u);
  EXPECT_EQ(facts.attachments[0].filename, "slides.pdf");
  EXPECT_EQ(facts.attachments[0].size, 9u); // "%PDF-1.4\n"
  EXPECT_TRUE(facts.parse_errors.empty());
}

} // namespace

TEST(MessageLongHeader, AnUnfoldedLineOfMegabytesIsCutRecordedAndTheRestRead) {
  const auto raw = mail_with("X-Long: " + one_line(k_megabytes << 20));
  const auto facts = parse(raw, "long");
  EXPECT_EQ(facts.limit_exceeded,
            std::vector<std::string>{"header field X-Long is 4096 KB, limit 256 KB"});
  EXPECT_EQ(facts.size, raw.size()); // the mail as it came, not the cut one
  expect_everything_else_intact(facts);
}

TEST(MessageLongHeader, TheSameBytesFoldedAreCutTheSameWay) {
  const auto facts = parse(mail_with("X-Long: " + folded(k_megabytes << 20)), "folded");
  ASSERT_EQ(facts.limit_exceeded.size(), 1u);
  EXPECT_TRUE(facts.limit_exceeded[0].starts_with("header field X-Long is "))
      << facts.limit_exceeded[0];
  expect_everything_else_intact(facts);
}

TEST(MessageLongHeader, ALineWithoutAColonIsCutWithItsNameShortened) {
  const auto facts = parse(mail_with(one_line(1 << 20)), "no-colon");
  ASSERT_EQ(facts.limit_exceeded.size(), 1u);
  EXPECT_EQ(facts.limit_exceeded[0],
            "header field " + std::string(64, 'x') + "... is 1024 KB, limit 256 KB");
  expect_everything_else_intact(facts);
}

TEST(MessageLongHeader, AFieldJustUnderTheLimitIsKept) {
  const Limits limits;
  const auto facts = parse(mail_with("X-Long: " + one_line(limits.max_header_bytes)), "under");
  EXPECT_TRUE(facts.limit_exceeded.empty());
  expect_everything_else_intact(facts);
}

TEST(MessageLongHeader, AnOversizedFieldInAPartHeaderEndsTheReadableMailThere) {
  const auto raw = "From: Ada Lovelace <ada@example.edu>\r\nSubject: Slides\r\n"
                   "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                   "--b\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
                   "--b\r\nX-Long: " +
                   one_line(1 << 20) + "\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--b--\r\n";
  const auto facts = parse(raw, "part");
  EXPECT_EQ(facts.limit_exceeded,
            std::vector<std::string>{"part 3: header field X-Long is 1024 KB, limit 256 KB"});
  EXPECT_EQ(facts.subject, "Slides");
  EXPECT_NE(facts.text.find("first part"), std::string::npos) << facts.text;
}

TEST(MessageHeaderBlock, FindsTheEndAndTheOversizedFieldsWithEveryLineEnd) {
  Limits limits;
  limits.max_header_bytes = 4;
  for (const std::string end : {"\r\n", "\n", "\r", "\n\r"}) {
    SCOPED_TRACE(::testing::PrintToString(end));
    const std::string raw =
        "A: 1" + end + "B: 12345" + end + " 6" + end + "C: 2" + end + end + "body";
    const auto block = scan_header_block(raw, 0, limits);
    EXPECT_EQ(raw.substr(block.end), "body");
    ASSERT_EQ(block.oversized.size(), 1u);
    EXPECT_EQ(without_oversized_fields(raw, block), "A: 1" + end + "C: 2" + end + end + "body");
  }
}

} // namespace mailroom::message
