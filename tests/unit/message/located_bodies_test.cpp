// parse() reads a mail's MIME tree with its bodies located in the raw bytes, not copied
// (read_mime_tree with Bodies::located; issue 21: a deck's base64 was held twice). mimetic's
// own copying parser is the specification: on every text of many thousand, made from the
// pieces MIME is written with (boundaries, line ends of each kind, headers, forwarded
// messages), both must build the same tree, with the same bodies, preambles and epilogues,
// and fail on the same texts.

#include "message/structure.hpp"
#include "test_data.hpp"

#include <gtest/gtest.h>
#include <mimetic/mimetic.h>

#include <array>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace mailroom::message {
namespace {

std::vector<std::pair<std::string, std::string>> fields(const mimetic::MimeEntity& entity) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& field : entity.header())
    out.emplace_back(field.name(), field.value());
  return out;
}

// One entity of each tree, side by side: equal headers, bodies and shape, or what differs.
std::string difference(const MimeTree& copied, const mimetic::MimeEntity& a,
                       const MimeTree& located, const mimetic::MimeEntity& b,
                       const std::string& path) {
  if (fields(a) != fields(b))
    return path + ": header";
  if (copied.body(a) != located.body(b))
    return path + ": body \"" + std::string(copied.body(a)) + "\" against \"" +
           std::string(located.body(b)) + "\"";
  if (a.body().preamble() != b.body().preamble() || a.body().epilogue() != b.body().epilogue())
    return path + ": preamble or epilogue";
  const auto& parts_a = a.body().parts();
  const auto& parts_b = b.body().parts();
  if (parts_a.size() != parts_b.size())
    return path + ": " + std::to_string(parts_a.size()) + " parts against " +
           std::to_string(parts_b.size());
  auto it_b = parts_b.begin();
  int index = 0;
  for (const auto* part : parts_a) {
    auto found = difference(copied, *part, located, **it_b++, path + "." + std::to_string(++index));
    if (!found.empty())
      return found;
  }
  return {};
}

std::string difference(std::string_view text) {
  const auto copied = read_mime_tree(text, Bodies::copied);
  const auto located = read_mime_tree(text, Bodies::located);
  if (copied.unread_body != located.unread_body)
    return "unread: \"" + copied.unread_body + "\" against \"" + located.unread_body + "\"";
  if (!copied.located.empty())
    return "mimetic's tree located a body";
  return difference(copied, *copied.root, located, *located.root, "1");
}

// A message made of the pieces below, at random: a header (often multipart, sometimes
// nested or a forwarded message), then lines of boundaries and text with mixed line ends.
std::string generated_message(std::mt19937& random) {
  static const std::array<std::string, 8> headers = {
      "Content-Type: multipart/mixed; boundary=b\r\n",
      "Content-Type: multipart/mixed; boundary=\"b\"\n",
      "Content-Type: multipart/mixed\r\n",
      "Content-Type: multipart/alternative; boundary=c\r\n",
      "Content-Type: message/rfc822\r\n",
      "Content-Type: text/plain\r\n",
      "Content-Transfer-Encoding: base64\r\n",
      "",
  };
  static const std::array<std::string, 22> pieces = {
      "--b",
      "--b--",
      "--c",
      "--c--",
      "--",
      "\r\n",
      "\n",
      "\r",
      "\n\r",
      "x",
      "text",
      "JVBERi0xLjQK",
      "Content-Type: multipart/mixed; boundary=c\r\n",
      "Content-Type: message/rfc822\r\n",
      "Content-Type: text/plain\r\n",
      "Content-Type: application/pdf; name=a.pdf\r\n",
      "Content-Disposition: attachment; filename=a.pdf\r\n",
      "Subject: inner\r\n",
      "not a field line\r\n",
      "\r\n\r\n",
      " ",
      ":",
  };
  std::uniform_int_distribution<std::size_t> header_pick(0, headers.size() - 1);
  std::uniform_int_distribution<std::size_t> piece_pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> count(0, 40);
  std::string text = "From: a@b.c\r\n" + headers[header_pick(random)];
  if (random() % 4 == 0)
    text += headers[header_pick(random)];
  text += random() % 5 == 0 ? "\n" : "\r\n";
  for (int i = count(random); i > 0; --i)
    text += pieces[piece_pick(random)];
  return text;
}

TEST(MessageLocatedBodies, ReadLikeMimeticsCopiesOnGeneratedMessages) {
  std::mt19937 random(585);
  int differing = 0;
  for (int i = 0; i < 40000; ++i) {
    const auto text = generated_message(random);
    const auto found = difference(text);
    if (!found.empty() && ++differing <= 5)
      ADD_FAILURE() << found << "\nin: " << ::testing::PrintToString(text);
  }
  EXPECT_EQ(differing, 0);
}

TEST(MessageLocatedBodies, ReadLikeMimeticsCopiesOnRealAndHostileMail) {
  for (const auto* name : {"real-mail/082-swiftmailer-docx-pdf-odt.eml",
                           "real-mail/027-outlook-express-mac-reused-boundary.eml",
                           "real-mail/017-outlook2007-empty-multipart.eml",
                           "hostile/h11-multipart-without-boundary.eml"}) {
    const auto text = testing::read_data(name);
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_EQ(difference(text), "") << name;
  }
}

TEST(MessageLocatedBodies, ABodyIsNotCopied) {
  const std::string text = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                           "--b\r\nContent-Type: application/pdf\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
  const auto tree = read_mime_tree(text, Bodies::located);
  ASSERT_EQ(tree.root->body().parts().size(), 1u);
  const auto& part = *tree.root->body().parts().front();
  EXPECT_TRUE(part.body().empty());
  const auto body = tree.body(part);
  EXPECT_EQ(body, "JVBERi0xLjQK");
  EXPECT_EQ(body.data(), text.data() + text.find("JVBER")); // a view into the text
}

} // namespace
} // namespace mailroom::message
