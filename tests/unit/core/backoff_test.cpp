// The outbox's retry schedule (docs/reliability-cases.md E7): exponential from the first wait,
// bounded by the cap, and spread by 20 % either side so rows that failed together do
// not retry together.
#include "core/backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <set>

using namespace mailroom::core;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const Backoff k_backoff{seconds{60}, seconds{3600}};

} // namespace

TEST(CoreBackoff, EachFailureDoublesTheWaitWithinTwentyPercent) {
  // 60 s, 120 s, 240 s, ... each within 20 % either side.
  for (int failures = 1; failures <= 6; ++failures) {
    SCOPED_TRACE(failures);
    const auto nominal = milliseconds{60'000 << (failures - 1)};
    const auto range = wait_range(k_backoff, failures);
    EXPECT_EQ(range.least, nominal * 8 / 10);
    EXPECT_EQ(range.most, nominal * 12 / 10);
  }
  EXPECT_EQ(wait_after(k_backoff, 1, 0.0), seconds{48});
  EXPECT_EQ(wait_after(k_backoff, 1, 0.5), seconds{60});
  EXPECT_EQ(wait_after(k_backoff, 1, 0.999999), seconds{72});
  EXPECT_EQ(wait_after(k_backoff, 3, 0.5), seconds{240});
}

TEST(CoreBackoff, TheCapHoldsForEveryDrawAndEveryCountOfFailures) {
  // 60 s * 2^6 = 3840 s is over the 1 h cap: from the 7th failure on, every wait lies
  // in [0.8 h, 1 h], however long the server stays down.
  for (const int failures : {7, 8, 12, 31, 32, 33, 64, 1000, INT_MAX}) {
    SCOPED_TRACE(failures);
    const auto range = wait_range(k_backoff, failures);
    EXPECT_EQ(range.least, milliseconds{2'880'000});
    EXPECT_EQ(range.most, milliseconds{3'600'000});
    for (const double draw : {0.0, 0.25, 0.5, 0.75, 0.999999, 1.0}) {
      const auto wait = wait_after(k_backoff, failures, draw);
      EXPECT_GE(wait, seconds{2880});
      EXPECT_LE(wait, seconds{3600});
    }
  }
  // Just under the cap, the upper spread is cut at the cap, the lower one is not.
  const auto range = wait_range(k_backoff, 6); // 1920 s nominal
  EXPECT_EQ(range.most, milliseconds{2'304'000});
  const auto capped = wait_range({seconds{60}, seconds{2000}}, 6);
  EXPECT_EQ(capped.least, milliseconds{1'536'000});
  EXPECT_EQ(capped.most, milliseconds{2'000'000});
}

TEST(CoreBackoff, JitterSpreadsTheWaitsEvenlyOverTheRange) {
  // A thousand rows that failed in one pass, fifth failure (960 s nominal): their next
  // tries spread over 768 s to 1152 s, not all in one second.
  std::set<seconds> distinct;
  seconds least{INT_MAX};
  seconds most{0};
  double sum = 0;
  const int rows = 1000;
  for (int i = 0; i < rows; ++i) {
    const auto wait = wait_after(k_backoff, 5, (i + 0.5) / rows);
    distinct.insert(wait);
    least = std::min(least, wait);
    most = std::max(most, wait);
    sum += static_cast<double>(wait.count());
  }
  EXPECT_EQ(least, seconds{768});
  EXPECT_EQ(most, seconds{1152});
  EXPECT_EQ(distinct.size(), 385u); // every whole second of the range
  EXPECT_NEAR(sum / rows, 960.0, 1.0);
}

TEST(CoreBackoff, ShortWaitsAreWholeSecondsOfAtLeastOne) {
  // A test config (retry_after = 1 s, retry_max = 4 s): 1, 2, then 3 to 4 s.
  const Backoff quick{seconds{1}, seconds{4}};
  for (const double draw : {0.0, 0.5, 0.999999}) {
    EXPECT_EQ(wait_after(quick, 1, draw), seconds{1});
    EXPECT_EQ(wait_after(quick, 2, draw), seconds{2});
  }
  EXPECT_EQ(wait_after(quick, 3, 0.0), seconds{3});
  EXPECT_EQ(wait_after(quick, 3, 0.999999), seconds{4});
  EXPECT_EQ(wait_after(quick, 50, 0.999999), seconds{4});
  // No jitter at all: exactly the doubling.
  const Backoff exact{seconds{1}, seconds{3600}, 0.0};
  EXPECT_EQ(wait_after(exact, 4, 0.3), seconds{8});
}

TEST(CoreBackoff, NoFailuresYetCountsAsOneAndACapUnderTheFirstWaitWins) {
  EXPECT_EQ(wait_range(k_backoff, 0).least, wait_range(k_backoff, 1).least);
  EXPECT_EQ(wait_range(k_backoff, -5).most, wait_range(k_backoff, 1).most);
  const Backoff odd{seconds{600}, seconds{60}};
  EXPECT_EQ(wait_range(odd, 1).most, milliseconds{60'000});
  EXPECT_EQ(wait_range(odd, 1).least, milliseconds{48'000});
}
