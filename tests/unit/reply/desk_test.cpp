// The desk has one address; everything a reply says about where to write derives from it.
#include "reply/desk.hpp"

#include <gtest/gtest.h>

namespace mailroom::reply {
namespace {

TEST(ReplyDesk, AFromWithADisplayNameGivesTheBareAddressAndIdsUnderItsDomain) {
  const auto desk = desk_of("CSE 585 Staff <CSE585-Staff@UMich.edu>", "cse585-f25");
  EXPECT_EQ(desk.from, "CSE 585 Staff <CSE585-Staff@UMich.edu>");
  EXPECT_EQ(desk.address, "CSE585-Staff@UMich.edu");
  EXPECT_EQ(desk.message_id_domain, "mailroom.cse585-f25.umich.edu");
}

TEST(ReplyDesk, OnlyOneWholeAddressIsADeskAddress) {
  EXPECT_EQ(bare_address("staff@example.edu"), "staff@example.edu");
  EXPECT_FALSE(bare_address("staff"));
  EXPECT_FALSE(bare_address("a@example.edu, b@example.edu"));
  EXPECT_FALSE(bare_address("@example.edu"));
  EXPECT_FALSE(bare_address(""));
}

} // namespace
} // namespace mailroom::reply
