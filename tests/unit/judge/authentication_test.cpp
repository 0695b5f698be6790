// docs/reliability-cases.md S1, S2, S8: Authentication-Results count only from the trusted
// authserv-id, only above the trust boundary, and only when aligned with From.

#include "judge/authentication.hpp"
#include "message/parse.hpp"

#include <gtest/gtest.h>

using namespace mailroom;

namespace {

// Our MX received the mail from outside: the trust boundary.
const std::string k_boundary =
    "Received: from mail.evil.example (mail.evil.example [203.0.113.9])\r\n"
    "\tby mx.trusted with ESMTPS id 1; Mon, 15 Dec 2025 13:00:00 -0500\r\n";
// Dovecot's LMTP hop inside our own network: not a boundary.
const std::string k_internal_hop =
    "Received: from mx.umich.edu ([10.0.0.5]) by imap.umich.edu with LMTP id 2;"
    " Mon, 15 Dec 2025 13:00:01 -0500\r\n";

judge::Authentication auth(const std::string& trace, const std::string& from,
                           const std::string& trusted = "mx.trusted") {
  const std::string raw =
      trace + "From: " + from + "\r\nTo: staff@umich.edu\r\nSubject: Slides\r\n\r\nHello.\r\n";
  const auto facts = message::parse(raw, "test");
  return judge::authenticate(judge::trace_fields(raw), facts, trusted);
}

std::string ar(const std::string& value) {
  return "Authentication-Results: " + value + "\r\n";
}

} // namespace

TEST(PipelineAuthentication, S1aTheRealTopmostFailWinsOverAForgedPassBelowTheBoundary) {
  const auto result = auth(ar("mx.trusted; dkim=fail header.d=umich.edu; dmarc=fail") + k_boundary +
                               ar("mx.trusted; dkim=pass header.d=umich.edu; dmarc=pass "
                                  "header.from=umich.edu"),
                           "alice@umich.edu");
  EXPECT_FALSE(result.authenticated);
  EXPECT_EQ(result.why, "mx.trusted: no aligned dkim or dmarc pass for umich.edu");
}

TEST(PipelineAuthentication, S1bAForgeryAloneBelowTheBoundaryCountsForNothing) {
  const auto result =
      auth(k_boundary + ar("mx.trusted; dmarc=pass header.from=umich.edu"), "alice@umich.edu");
  EXPECT_FALSE(result.authenticated);
  EXPECT_EQ(result.why, "no Authentication-Results from mx.trusted above the first outside "
                        "Received");
}

TEST(PipelineAuthentication, S1cAnotherAuthservIdIsIgnored) {
  EXPECT_FALSE(
      auth(ar("mx.other; dmarc=pass header.from=umich.edu") + k_boundary, "alice@umich.edu")
          .authenticated);
}

TEST(PipelineAuthentication, S1dCaseTrailingDotAndCommentsAreNormalisedAboveTheBoundary) {
  EXPECT_TRUE(
      auth(ar("MX.TRUSTED.; dmarc=pass header.from=umich.edu") + k_boundary, "alice@umich.edu")
          .authenticated);
  EXPECT_TRUE(auth(ar("(our mx) mx.trusted 1; dkim=pass header.d=umich.edu") + k_boundary,
                   "alice@umich.edu")
                  .authenticated);
}

TEST(PipelineAuthentication, S1eAnUnparseableAuthservIdNeverFailsOpen) {
  EXPECT_FALSE(
      auth(ar("dmarc=pass header.from=umich.edu") + k_boundary, "alice@umich.edu").authenticated);
  EXPECT_FALSE(auth(ar("(mx.trusted); dmarc=pass") + k_boundary, "alice@umich.edu").authenticated);
}

TEST(PipelineAuthentication, S1fThreeForgedCopiesBelowTheBoundaryAllCountForNothing) {
  const auto forged = ar("mx.trusted; dmarc=pass header.from=umich.edu");
  EXPECT_FALSE(auth(k_boundary + forged + forged + forged, "alice@umich.edu").authenticated);
}

TEST(PipelineAuthentication, AnInternalHopAboveKeepsTheMxResultsTrusted) {
  // The A-R our MX wrote lies below Dovecot's LMTP Received, which came from 10.0.0.5.
  const auto boundary = "Received: from x.evil.example ([203.0.113.9]) by mx.umich.edu; Mon, "
                        "15 Dec 2025 13:00:00 -0500\r\n";
  EXPECT_TRUE(auth(k_internal_hop + ar("mx.umich.edu; dkim=pass header.d=umich.edu") + boundary,
                   "alice@umich.edu", "mx.umich.edu")
                  .authenticated);
  // A sender writing a Received "by imap.umich.edu" from a public address is the boundary.
  EXPECT_FALSE(auth("Received: from x ([203.0.113.9]) by imap.umich.edu; Mon, 15 Dec 2025 "
                    "13:00:01 -0500\r\n" +
                        ar("mx.umich.edu; dkim=pass header.d=umich.edu"),
                    "alice@umich.edu", "mx.umich.edu")
                   .authenticated);
}

TEST(PipelineAuthentication, S2OnlyAnAlignedDkimOrDmarcPassAuthenticates) {
  const auto with = [](const std::string& results) {
    return auth(ar("mx.trusted; " + results) + k_boundary, "alice@umich.edu").authenticated;
  };
  EXPECT_FALSE(with("dkim=pass header.d=evil.example"));
  EXPECT_FALSE(with("spf=pass smtp.mailfrom=evil.example"));
  EXPECT_FALSE(with("spf=pass smtp.mailfrom=umich.edu"));
  EXPECT_TRUE(with("dkim=pass header.d=umich.edu"));
  EXPECT_TRUE(with("dkim=pass header.d=mail.umich.edu"));
  EXPECT_FALSE(with("dmarc=pass header.from=other.edu"));
  EXPECT_TRUE(with("dmarc=pass header.from=umich.edu"));
}

TEST(PipelineAuthentication, S8NothingIsAuthenticatedWithoutATrustedAuthservId) {
  const auto result =
      auth(ar("mx.trusted; dmarc=pass header.from=umich.edu") + k_boundary, "alice@umich.edu", "");
  EXPECT_FALSE(result.authenticated);
  EXPECT_EQ(result.why, "no trusted authserv-id configured: nothing is authenticated");
}

TEST(PipelineAuthentication, TwoFromAddressesAreNeverAuthenticated) {
  EXPECT_FALSE(auth(ar("mx.trusted; dmarc=pass header.from=umich.edu") + k_boundary,
                    "alice@umich.edu, mallory@evil.example")
                   .authenticated);
}
