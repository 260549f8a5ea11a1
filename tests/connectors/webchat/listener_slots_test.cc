#include "connectors/webchat/listener_slots.h"

#include <gtest/gtest.h>

namespace omni::connectors::webchat {
namespace {

TEST(ListenerSlotsTest, BoundsEachVisitorAndTheTotal) {
  ListenerSlots slots(/*max_total=*/3, /*max_per_visitor=*/2);
  auto a1 = slots.TryAcquire("a");
  auto a2 = slots.TryAcquire("a");
  ASSERT_TRUE(a1.ok() && a2.ok());
  auto a3 = slots.TryAcquire("a");
  EXPECT_EQ(a3.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(a3.status().message(), "this visitor already listens on 2 streams or long-polls");
  auto b1 = slots.TryAcquire("b");
  ASSERT_TRUE(b1.ok());
  auto c1 = slots.TryAcquire("c");
  EXPECT_EQ(c1.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(c1.status().message(), "all 3 listening slots of the web chat are taken");
  EXPECT_EQ(slots.held(), 3);
}

TEST(ListenerSlotsTest, ASlotIsFreedWhenItsHolderGoes) {
  ListenerSlots slots(/*max_total=*/1, /*max_per_visitor=*/1);
  {
    auto held = slots.TryAcquire("a");
    ASSERT_TRUE(held.ok());
    EXPECT_FALSE(slots.TryAcquire("b").ok());
  }
  EXPECT_EQ(slots.held(), 0);
  EXPECT_TRUE(slots.TryAcquire("a").ok());
  EXPECT_TRUE(slots.TryAcquire("b").ok());  // the previous holder's slot went with the statement
}

}  // namespace
}  // namespace omni::connectors::webchat
