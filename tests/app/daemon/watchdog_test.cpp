// The watchdog is fed from a thread that knows the worker is making progress: while a
// mail's steps keep coming, and not once they stop.

#include "daemon/watchdog.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace mailroom;
using daemon::Watchdog;
using namespace std::chrono_literals;

TEST(Watchdog, FedWhileAMailMakesProgressAndNotAfterItsAllowance) {
  Watchdog watchdog(std::nullopt, [] {});
  const auto now = Watchdog::Clock::now();
  EXPECT_FALSE(watchdog.progressing(now)); // between mails the main loop feeds it itself
  watchdog.begin_mail(40u << 20);
  EXPECT_EQ(Watchdog::allowance(40u << 20), 140s);
  EXPECT_TRUE(watchdog.progressing(Watchdog::Clock::now()));
  EXPECT_TRUE(watchdog.progressing(Watchdog::Clock::now() + 139s));
  EXPECT_FALSE(watchdog.progressing(Watchdog::Clock::now() + 141s + 1s));
  watchdog.step();
  EXPECT_TRUE(watchdog.progressing(Watchdog::Clock::now() + 100s));
  watchdog.end_mail();
  EXPECT_FALSE(watchdog.progressing(Watchdog::Clock::now()));
  EXPECT_EQ(Watchdog::allowance(0), 60s);
}

TEST(Watchdog, ItsThreadFeedsWhileAMailIsWorkedOn) {
  std::atomic<int> fed{0};
  Watchdog watchdog(std::chrono::microseconds{1000}, [&] { ++fed; });
  watchdog.begin_mail(1000);
  // Bounded wait for the thread to feed a few times.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (fed < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_GE(fed.load(), 3);
  watchdog.end_mail();
}
