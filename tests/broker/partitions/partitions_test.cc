// Partitions: which stores open, and what a data directory laid out by another map refuses.
#include "broker/partitions/partitions.h"

#include <gtest/gtest.h>

#include "base/clock.h"
#include "tests/support/test_support.h"

namespace omni::partitions {
namespace {

namespace fs = std::filesystem;

class PartitionsTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<Partitions>> Open(PartitionMap map,
                                                   std::vector<std::string> tenants) {
    PartitionsOptions options{.data_dir = dir_.path(), .map = std::move(map)};
    for (const auto& tenant : tenants) options.tenants[tenant] = routing::DefaultRoutingPolicy();
    return Partitions::Open(std::move(options), front_, SystemClock::Get(), metrics_);
  }

  testing::TempDir dir_;
  zmq::context_t zmq_;
  ops::BrokerMetrics metrics_;
  ingest::IngestFront front_{zmq_, metrics_, {}};
};

TEST_F(PartitionsTest, OnlyThePartitionsOfTenantsOpenEachInItsOwnDirectory) {
  auto partitions = Open({}, {"default", "globex"});
  ASSERT_TRUE(partitions.ok()) << partitions.status();
  ASSERT_EQ((*partitions)->opened().size(), 2u);
  EXPECT_EQ((*partitions)->opened()[0].index, 10);  // globex
  EXPECT_EQ((*partitions)->opened()[1].index, 15);  // default
  EXPECT_TRUE(fs::exists(Partitions::Dir(dir_.path(), 10)));
  EXPECT_NE((*partitions)->ForTenant("globex"), (*partitions)->ForTenant("default"));
  EXPECT_EQ((*partitions)->ForTenant("initech"), nullptr);
}

TEST_F(PartitionsTest, APartitionWithDataOpensThoughNoTenantIsConfiguredForIt) {
  ASSERT_TRUE(Open({}, {"default", "globex"}).ok());
  auto partitions = Open({}, {"default"});
  ASSERT_TRUE(partitions.ok()) << partitions.status();
  EXPECT_EQ((*partitions)->opened().size(), 2u) << "globex's data waits for it, served by none";
  EXPECT_EQ((*partitions)->ForTenant("globex"), nullptr);
}

TEST_F(PartitionsTest, ATenantAddedOrRemovedAtRunTimeStaysSoWhenOpenedAgain) {
  {
    auto partitions = Open({}, {"default", "globex"});
    ASSERT_TRUE(partitions.ok()) << partitions.status();
    ASSERT_TRUE((*partitions)->Start().ok());
    omnibroker::v1::AddTenantRequest add;
    add.set_name("initech");
    add.set_requested_by("ops");
    add.set_reason("contract signed");
    const auto added = (*partitions)->AddTenant(add);
    ASSERT_TRUE(added.ok()) << added.status();
    EXPECT_NE((*partitions)->ForTenant("initech"), nullptr);
    ASSERT_EQ((*partitions)->opened().size(), 3u) << "initech's partition opened for it";
    EXPECT_EQ((*partitions)->opened()[0].index, 0);
    omnibroker::v1::RemoveTenantRequest remove;
    remove.set_name("globex");
    remove.set_requested_by("ops");
    remove.set_reason("contract ended");
    const auto removed = (*partitions)->RemoveTenant(remove);
    ASSERT_TRUE(removed.ok()) << removed.status();
    EXPECT_EQ((*partitions)->ForTenant("globex"), nullptr);
    EXPECT_EQ((*partitions)->opened().size(), 3u) << "globex's data stays open";
  }
  auto again = Open({}, {"default", "globex"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE((*again)->ForTenant("initech"), nullptr) << "Admin's: though the config names it not";
  EXPECT_EQ((*again)->ForTenant("globex"), nullptr) << "removed: though the config names it";
}

TEST_F(PartitionsTest, ATenantWhoseDataIsInAnotherPartitionStopsTheStart) {
  ASSERT_TRUE(Open({}, {"default", "globex"}).ok());
  PartitionMap moved;
  moved.assigned["globex"] = 3;
  auto partitions = Open(moved, {"default", "globex"});
  EXPECT_EQ(partitions.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(partitions.status().message().find("tenant 'globex' has its data in partition 10"),
            std::string::npos)
      << partitions.status();
}

TEST_F(PartitionsTest, TheCountOfADataDirectoryCannotShrink) {
  ASSERT_TRUE(Open({}, {"default"}).ok());
  auto partitions = Open({.count = 4}, {"default"});
  EXPECT_EQ(partitions.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(partitions.status().message().find("cannot shrink"), std::string::npos)
      << partitions.status();
}

TEST_F(PartitionsTest, AStoreFromBeforePartitionsAndTheDefaultTenantsPartitionBothThereIsRefused) {
  ASSERT_TRUE(Open({}, {"default"}).ok());
  fs::create_directories(dir_.path() / "store");
  auto partitions = Open({}, {"default"});
  EXPECT_EQ(partitions.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(partitions.status().message().find("from before partitions"), std::string::npos)
      << partitions.status();
}

}  // namespace
}  // namespace omni::partitions
