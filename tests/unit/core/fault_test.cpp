#include "core/fault.hpp"

#include <gtest/gtest.h>

#include <csignal>

using namespace mailroom::core;

TEST(CoreFault, UnarmedPointsDoNothing) {
  ASSERT_TRUE(arm_fault(""));
  for (const auto point : k_fault_points)
    fault_point(point);
}

TEST(CoreFault, AnUnknownPointOrABadCountIsRefused) {
  const auto unknown = arm_fault("after-comit");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().to_string(),
            "MAILROOM_FAULT_KILL_AT: no fault point 'after-comit'; use one of after-fetch, "
            "after-archive, after-record, after-batch-sync, after-commit, before-keyword-store, "
            "after-outbox-claim, "
            "after-smtp-250, "
            "after-outbox-mark");
  for (const char* spec : {"after-commit:0", "after-commit:", "after-commit:2x", "after-commit:-1"})
    EXPECT_FALSE(arm_fault(spec)) << spec;
  ASSERT_TRUE(arm_fault(""));
}

TEST(CoreFaultDeathTest, TheNthTimeTheArmedPointIsReachedKillsTheProcessWithSigkill) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (!arm_fault("after-commit:2"))
          std::_Exit(2);
        fault_point("after-archive");
        fault_point("after-commit");
        fault_point("after-archive");
        fault_point("after-commit");
        std::_Exit(0); // not reached
      },
      testing::KilledBySignal(SIGKILL), "");
  // Never armed in this process: the death test ran in a child.
  fault_point("after-commit");
}

TEST(CoreFault, AnArmedHoldIsCalledAtItsPointOnly) {
  int held = 0;
  ASSERT_TRUE(arm_hold("before-fetch", [&] { ++held; }));
  hold_point("after-fetch");
  hold_point("before-fetch");
  hold_point("before-fetch");
  EXPECT_EQ(held, 2);
  const auto unknown = arm_hold("before-fetchh", [] {});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().to_string(),
            "MAILROOM_FAULT_HOLD_AT: no hold point 'before-fetchh'; use one of before-fetch, "
            "before-send");
  hold_point("before-fetch"); // disarmed by the refusal
  EXPECT_EQ(held, 2);
  ASSERT_TRUE(arm_hold("", {}));
}
