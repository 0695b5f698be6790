// Links in text and HTML, each once, labelled by where they point.
#include "message/parse.hpp"
#include "message/text.hpp"

#include <gtest/gtest.h>

namespace mailroom::message {
namespace {

TEST(MessageLinks, KindsOfSubmissionLinks) {
  EXPECT_EQ(classify_link("https://docs.google.com/presentation/d/1x/edit"),
            LinkKind::google_slides);
  EXPECT_EQ(classify_link("https://docs.google.com/document/d/1x/edit?usp=sharing"),
            LinkKind::google_docs);
  EXPECT_EQ(classify_link("https://drive.google.com/file/d/1x/view"), LinkKind::google_drive);
  EXPECT_EQ(classify_link("https://www.github.com/group7/repo"), LinkKind::github);
  EXPECT_EQ(classify_link("https://gist.github.com/x/1"), LinkKind::github);
  EXPECT_EQ(classify_link("https://gitlab.com/g/r"), LinkKind::gitlab);
  EXPECT_EQ(classify_link("https://gitlab.eecs.umich.edu/g/r"), LinkKind::gitlab);
  EXPECT_EQ(classify_link("https://github.com.evil.example/x"), LinkKind::other);
  EXPECT_EQ(classify_link("https://user@docs.google.com:443/presentation/d/1"),
            LinkKind::google_slides);
  EXPECT_EQ(to_string(LinkKind::google_slides), "google-slides");
  EXPECT_EQ(to_string(LinkKind::other), "other");
}

TEST(MessageLinks, UrlsInTextLoseTrailingPunctuation) {
  const auto urls = text_urls("See https://github.com/a/b. Also (https://en.wikipedia.org/wiki/"
                              "A_(b)) and <https://x.example/p?q=1>, done",
                              10);
  ASSERT_EQ(urls.size(), 3u);
  EXPECT_EQ(urls[0], "https://github.com/a/b");
  EXPECT_EQ(urls[1], "https://en.wikipedia.org/wiki/A_(b)");
  EXPECT_EQ(urls[2], "https://x.example/p?q=1");
}

TEST(MessageLinks, HtmlHrefsAndTextOfOneMessageAppearOnce) {
  const std::string raw =
      "From: s@umich.edu\r\nSubject: slides\r\nContent-Type: multipart/alternative; "
      "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
      "Slides: https://docs.google.com/presentation/d/1/edit\r\n--b\r\n"
      "Content-Type: text/html\r\n\r\n<p>Slides: <a href=\"https://docs.google.com/presentation/d/"
      "1/edit\">here</a> and <a "
      "href='https://github.com/g/r?a=1&amp;b=2'>code</a></p>\r\n--b--\r\n";
  const auto facts = parse(raw, "links");
  ASSERT_EQ(facts.links.size(), 2u);
  EXPECT_EQ(facts.links[0].kind, LinkKind::google_slides);
  EXPECT_EQ(facts.links[1].url, "https://github.com/g/r?a=1&b=2");
  EXPECT_EQ(facts.text, "Slides: https://docs.google.com/presentation/d/1/edit");
  EXPECT_FALSE(facts.text_from_html);
}

TEST(MessageText, HtmlOnlyMailGivesItsTextWithEntitiesDecoded) {
  const std::string raw = "From: s@umich.edu\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n"
                          "<html><head><style>p{}</style></head><body><p>Gr&uuml;&szlig;e,</p>"
                          "<!-- hidden --><div>Abgabe&nbsp;&#8211; \xFC</div><script>x()</script>"
                          "</body></html>";
  const auto facts = parse(raw, "html");
  EXPECT_TRUE(facts.text_from_html);
  EXPECT_EQ(facts.text, "Gr\xC3\xBC\xC3\x9F"
                        "e,\n\nAbgabe\xC2\xA0\xE2\x80\x93 \xC3\xBC");
}

} // namespace
} // namespace mailroom::message
