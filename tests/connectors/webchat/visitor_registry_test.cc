#include "connectors/webchat/visitor_registry.h"

#include <gtest/gtest.h>

namespace omni::connectors::webchat {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint{} + std::chrono::hours(500000);
constexpr Duration kDay = std::chrono::hours(24);

Visitor Named(const std::string& id, const std::string& name) {
  Visitor visitor;
  visitor.id = id;
  visitor.display_name = name;
  return visitor;
}

TEST(VisitorRegistryTest, AProfileLivesWhileItsVisitorIsActive) {
  VisitorRegistry registry(10, 30 * kDay);
  ASSERT_TRUE(registry.Add(Named("v_ann", "Ann"), kStart).ok());
  auto touched = registry.Touch("v_ann", kStart + 29 * kDay);
  ASSERT_TRUE(touched);
  EXPECT_EQ(touched->display_name, "Ann");
  // 29 days after the last activity, not after registration: still there.
  EXPECT_TRUE(registry.Touch("v_ann", kStart + 58 * kDay));
  EXPECT_FALSE(registry.Touch("v_ann", kStart + 88 * kDay));
  EXPECT_EQ(registry.size(kStart + 88 * kDay), 0u);
}

TEST(VisitorRegistryTest, TheCountIsBoundedAndExpiredProfilesMakeRoom) {
  VisitorRegistry registry(2, 30 * kDay);
  ASSERT_TRUE(registry.Add(Named("v_a", "A"), kStart).ok());
  ASSERT_TRUE(registry.Add(Named("v_b", "B"), kStart + 10 * kDay).ok());
  const absl::Status full = registry.Add(Named("v_c", "C"), kStart + 10 * kDay);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(full.message(), "the web chat holds its maximum of 2 visitors");
  EXPECT_EQ(registry.TouchOrAdd("v_unknown", kStart + 10 * kDay).status().code(),
            absl::StatusCode::kResourceExhausted);
  // v_a has been idle for 30 days: its room goes to v_c.
  EXPECT_TRUE(registry.Add(Named("v_c", "C"), kStart + 30 * kDay).ok());
  EXPECT_FALSE(registry.Touch("v_a", kStart + 30 * kDay));
  EXPECT_TRUE(registry.Touch("v_b", kStart + 30 * kDay));
}

TEST(VisitorRegistryTest, AnUnknownVisitorWithAValidTokenGetsABareProfile) {
  VisitorRegistry registry(10, 30 * kDay);
  auto bare = registry.TouchOrAdd("v_after_restart", kStart);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->id, "v_after_restart");
  EXPECT_EQ(bare->display_name, "");
  ASSERT_TRUE(registry.Add(Named("v_ann", "Ann"), kStart).ok());
  EXPECT_EQ(registry.TouchOrAdd("v_ann", kStart)->display_name, "Ann");
  EXPECT_EQ(registry.size(kStart), 2u);
}

}  // namespace
}  // namespace omni::connectors::webchat
