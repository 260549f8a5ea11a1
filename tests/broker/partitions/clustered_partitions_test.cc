// Partitions in a cluster, on a real nats-server: a store that holds writes its log does not is
// rebuilt from the log rather than refused (or, worse, followed).
#include <gtest/gtest.h>

#include "base/clock.h"
#include "broker/partitions/partitions.h"
#include "tests/broker/cluster/store_contents.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_support.h"

namespace omni::partitions {
namespace {

namespace fs = std::filesystem;
using cluster::testing::Contents;
using cluster::testing::OpenStore;

class ClusteredPartitionsTest : public omni::testing::OneNatsServerTest {
 protected:
  absl::StatusOr<std::unique_ptr<Partitions>> Open() {
    PartitionsOptions options{.data_dir = dir_.path() / "b1"};
    options.tenants["default"] = routing::DefaultRoutingPolicy();
    options.cluster = {.servers = servers_.Urls(),
                       .broker_id = "b1",
                       .replicas = 1,
                       .lease_ttl = std::chrono::milliseconds(2000)};
    return Partitions::Open(std::move(options), front_, SystemClock::Get(), metrics_);
  }
  int Index() const { return PartitionMap{}.Of("default"); }

  zmq::context_t zmq_;
  ops::BrokerMetrics metrics_;
  ingest::IngestFront front_{zmq_, metrics_, {}};
};

// The broker died between syncing a write to its WAL and appending it to the log (so nobody was
// told it was stored): its store is one record ahead. Leading again, it sets that store aside and
// rebuilds the partition from the log, which holds everything acknowledged.
TEST_F(ClusteredPartitionsTest, AStoreAheadOfItsLogIsSetAsideAndRebuiltFromTheLog) {
  {
    auto partitions = Open();
    ASSERT_TRUE(partitions.ok()) << partitions.status();
    ASSERT_TRUE((*partitions)->Start().ok());
  }
  const fs::path dir = Partitions::Dir(dir_.path() / "b1", Index());
  {
    auto store = OpenStore(dir);
    auto position = cluster::StoredPosition(*store);
    ASSERT_TRUE(position.ok());
    ASSERT_GT(position->sequence(), 0u) << "the tenant's first writes went through the log";
    rocksdb::WriteBatch unacknowledged;
    store->Put(unacknowledged, store::Family::kConversations, "ghost",
               std::string_view("never in the log"));
    omnibroker::v1::LogPosition ahead;
    ahead.set_sequence(position->sequence() + 1);
    ahead.set_id("b1@1/never-appended");
    store->Put(unacknowledged, store::Family::kMeta, cluster::kLogPositionKey, ahead);
    ASSERT_TRUE(store->Write(unacknowledged).ok());
  }

  auto partitions = Open();
  ASSERT_TRUE(partitions.ok()) << partitions.status();
  ASSERT_EQ((*partitions)->opened().size(), 1u);
  const store::Store& rebuilt = *(*partitions)->opened()[0].store;
  const auto contents = Contents(rebuilt);
  EXPECT_FALSE(contents.contains(absl::StrCat(static_cast<int>(store::Family::kConversations),
                                              "/ghost")));
  EXPECT_TRUE(fs::exists(dir.string() + ".diverged")) << "kept beside for a post-mortem";
  // Exactly the log applied: what a new follower of the log holds.
  auto js = cluster::JetStream::Connect({.servers = servers_.Urls()});
  ASSERT_TRUE(js.ok());
  auto log = cluster::PartitionLog::Open(**js, Index(), {});
  ASSERT_TRUE(log.ok());
  auto follower_store = OpenStore(dir_.path() / "follower");
  auto follower = cluster::LogFollower::Open(**log, *follower_store);
  ASSERT_TRUE(follower.ok());
  ASSERT_TRUE(follower->CatchUp().ok());
  EXPECT_EQ(Contents(rebuilt, false), Contents(*follower_store, false));
  EXPECT_EQ(cluster::StoredPosition(rebuilt)->sequence(), follower->position().sequence());
  // And the broker goes on from there: it opened, leads, and a restart finds nothing to rebuild.
  partitions->reset();
  fs::remove_all(dir.string() + ".diverged");
  ASSERT_TRUE(Open().ok());
  EXPECT_FALSE(fs::exists(dir.string() + ".diverged"));
}

}  // namespace
}  // namespace omni::partitions
