#include "broker/partitions/partition_map.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace omni::partitions {
namespace {

TEST(PartitionMapTest, AHashedTenantHasTheSamePartitionOnEveryMachineAndRelease) {
  // CRC-32 of the name modulo the count: stores laid out by it depend on these staying put.
  const PartitionMap map;
  EXPECT_EQ(map.Of("default"), 15);
  EXPECT_EQ(map.Of("globex"), 10);
  EXPECT_EQ(map.Of("initech"), 0);
  EXPECT_EQ(PartitionMap{.count = 1}.Of("globex"), 0);
}

TEST(PartitionMapTest, AnAssignmentWinsOverTheHash) {
  PartitionMap map;
  map.assigned["globex"] = 3;
  EXPECT_EQ(map.Of("globex"), 3);
  EXPECT_EQ(map.Of("default"), 15);
}

TEST(PartitionMapTest, TenantsSpreadOverEveryPartition) {
  const PartitionMap map;
  std::set<int> used;
  for (int i = 0; i < 1000; ++i) {
    const int p = map.Of("tenant-" + std::to_string(i));
    ASSERT_GE(p, 0);
    ASSERT_LT(p, map.count);
    used.insert(p);
  }
  EXPECT_EQ(used.size(), static_cast<size_t>(map.count));
}

TEST(PartitionMapTest, ACountOrAssignmentOutOfRangeIsRefusedNamingIt) {
  EXPECT_TRUE(PartitionMap{}.Validate().ok());
  EXPECT_EQ(PartitionMap{.count = 0}.Validate().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PartitionMap{.count = kMaxPartitionCount + 1}.Validate().code(),
            absl::StatusCode::kInvalidArgument);
  PartitionMap map{.count = 4};
  map.assigned["globex"] = 4;
  const absl::Status s = map.Validate();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("globex"), std::string::npos) << s;
}

}  // namespace
}  // namespace omni::partitions
