#include "core/instant.hpp"

#include <gtest/gtest.h>

using namespace mailroom::core;

TEST(CoreInstant, IsoRoundTripsInUtc) {
  const auto instant = parse_iso("2025-11-03T10:30:00-05:00");
  ASSERT_TRUE(instant);
  EXPECT_EQ(to_iso_utc(*instant), "2025-11-03T15:30:00Z");
}

TEST(CoreInstant, RejectsTextThatIsNotAnInstant) {
  EXPECT_FALSE(parse_iso("Nov 3"));
  EXPECT_FALSE(parse_iso("2025-11-03T10:30:00Zjunk"));
}
