// RFC 3834 and RFC 5230 markers of machine-sent mail (docs/reliability-cases.md A1-A3).
#include "message/parse.hpp"

#include <gtest/gtest.h>

namespace mailroom::message {
namespace {

std::vector<std::string> reasons(const std::string& extra,
                                 const std::string& from = "s@umich.edu") {
  return parse("From: " + from + "\r\nSubject: hw\r\n" + extra + "\r\nbody\r\n", "auto")
      .automated_reasons;
}

TEST(MessageAutomated, AutoSubmittedValuesInAnyCaseAndInstance) {
  EXPECT_EQ(reasons("Auto-Submitted: AUTO-REPLIED\r\n"),
            std::vector<std::string>{"Auto-Submitted: auto-replied"});
  EXPECT_EQ(reasons("Auto-Submitted: auto-generated (failure)\r\n"),
            std::vector<std::string>{"Auto-Submitted: auto-generated (failure)"});
  EXPECT_EQ(reasons("Auto-Submitted: no\r\nAuto-Submitted: auto-replied\r\n"),
            std::vector<std::string>{"Auto-Submitted: auto-replied"});
  // docs/reliability-cases.md section 9, decision 2: "no (comment)" is a person.
  EXPECT_TRUE(reasons("Auto-Submitted: no\r\n").empty());
  EXPECT_TRUE(reasons("Auto-Submitted: no (sent by a person)\r\n").empty());
}

TEST(MessageAutomated, PrecedenceListsAndExchangeSuppression) {
  EXPECT_EQ(reasons("Precedence: List\r\n"), std::vector<std::string>{"Precedence: list"});
  EXPECT_EQ(reasons("List-Id: <cse585.umich.edu>\r\n"), std::vector<std::string>{"List-Id"});
  EXPECT_EQ(reasons("X-Auto-Response-Suppress: DR, OOF\r\n"),
            std::vector<std::string>{"X-Auto-Response-Suppress: DR, OOF"});
  EXPECT_EQ(reasons("X-Auto-Response-Suppress: all\r\n"),
            std::vector<std::string>{"X-Auto-Response-Suppress: all"});
  // RN or DR alone only ask for no read or delivery reports.
  EXPECT_TRUE(reasons("X-Auto-Response-Suppress: RN\r\n").empty());
  EXPECT_TRUE(reasons("X-Auto-Response-Suppress: DR\r\n").empty());
  EXPECT_EQ(reasons("X-Apple-Action: VACATION\r\n"),
            std::vector<std::string>{"X-Apple-Action: vacation"});
}

TEST(MessageAutomated, NullReturnPathAndRobotSenders) {
  EXPECT_EQ(reasons("Return-Path: <>\r\n"), std::vector<std::string>{"Return-Path: <>"});
  for (const std::string from : {"MAILER-DAEMON@x.edu", "owner-cse585@x.edu",
                                 "cse585-request@x.edu", "LISTSERV@x.edu", "no-reply@x.edu"}) {
    const auto got = reasons("", from);
    ASSERT_EQ(got.size(), 1u) << from;
    EXPECT_TRUE(got[0].starts_with("From: ")) << from;
  }
  EXPECT_EQ(reasons("Return-Path: <majordomo@x.edu>\r\n"),
            std::vector<std::string>{"Return-Path: majordomo"});
  EXPECT_TRUE(reasons("Return-Path: <s@umich.edu>\r\n").empty());
}

TEST(MessageAutomated, ReportsAreAutomated) {
  EXPECT_EQ(
      reasons("Content-Type: multipart/report; report-type=Delivery-Status; boundary=x\r\n"),
      std::vector<std::string>{"Content-Type: multipart/report; report-type=delivery-status"});
}

} // namespace
} // namespace mailroom::message
