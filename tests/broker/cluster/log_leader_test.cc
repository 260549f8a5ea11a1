// A leader's writes through its partition's log: real RocksDB stores, a real nats-server.
#include "broker/cluster/log_leader.h"

#include <map>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "broker/cluster/log_follower.h"
#include "tests/broker/cluster/store_contents.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_support.h"

namespace omni::cluster {
namespace {

using omni::testing::NatsServers;
using omni::testing::TempDir;
using store::Family;
using testing::Contents;
using testing::OpenStore;


// The broker's write `i`: a conversation's new event and state, as the core writes them.
absl::Status WriteThrough(store::Store& store, int i) {
  rocksdb::WriteBatch batch;
  store.Put(batch, Family::kEvents, absl::StrCat("c", i % 5, "/", i),
            std::string_view(absl::StrCat("event ", i)));
  store.Put(batch, Family::kConversations, absl::StrCat("c", i % 5),
            std::string_view(absl::StrCat("after ", i)));
  if (i % 4 == 3) store.Delete(batch, Family::kEvents, absl::StrCat("c", i % 5, "/", i - 3));
  return store.Write(batch);
}

// Takes the lead with `store` and routes its writes through the leader.
std::unique_ptr<LogLeader> Lead(PartitionLog& log, store::Store& store, const std::string& writer) {
  auto leader = LogLeader::Take(log, store, writer);
  EXPECT_TRUE(leader.ok()) << leader.status();
  if (!leader.ok()) return nullptr;
  store.SetReplication(leader->get());
  return *std::move(leader);
}

class LogLeaderTest : public omni::testing::OneNatsServerTest {
 protected:
  void SetUp() override {
    OneNatsServerTest::SetUp();
    if (HasFatalFailure()) return;
    js_ = Connect();
    auto log = PartitionLog::Open(*js_, 0, {});
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }
  std::unique_ptr<JetStream> Connect() {
    auto js = JetStream::Connect({.servers = servers_.Urls(), .timeout = std::chrono::seconds(1)});
    EXPECT_TRUE(js.ok()) << js.status();
    return js.ok() ? *std::move(js) : nullptr;
  }

  std::unique_ptr<JetStream> js_;
  std::unique_ptr<PartitionLog> log_;
};

TEST_F(LogLeaderTest, AFollowerHoldsExactlyWhatTheLeaderWroteAndFlushed) {
  auto leader_store = OpenStore(dir_.path() / "leader");
  auto leader = Lead(*log_, *leader_store, "b1@7");
  ASSERT_NE(leader, nullptr);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(WriteThrough(*leader_store, i).ok());
    if (i % 10 == 9) ASSERT_TRUE(leader->Flush().ok());
  }
  // The leadership's mark, then ten flushes, ten records: the batches written between two
  // flushes are one record.
  EXPECT_EQ(log_->Read(1)->id, "b1@7/1");
  EXPECT_EQ(leader->appended(), 11u);
  EXPECT_EQ(log_->Bounds()->last, 11u);
  EXPECT_EQ(log_->Read(11)->id, "b1@7/11");

  auto follower_store = OpenStore(dir_.path() / "follower");
  auto follower = LogFollower::Open(*log_, *follower_store);
  EXPECT_EQ(*follower->CatchUp(), 11);
  // The same records and the same position in both.
  EXPECT_EQ(Contents(*follower_store), Contents(*leader_store));
  EXPECT_EQ(StoredPosition(*leader_store)->id(), "b1@7/11");
}

TEST_F(LogLeaderTest, WritesNotYetFlushedAreNotInTheLogAndTheirStoreCannotLead) {
  auto leader_store = OpenStore(dir_.path() / "leader");
  auto leader = Lead(*log_, *leader_store, "b1@1");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(WriteThrough(*leader_store, i).ok());
  ASSERT_TRUE(leader->Flush().ok());
  // Written, never appended: the leader died before its flush.
  for (int i = 5; i < 8; ++i) ASSERT_TRUE(WriteThrough(*leader_store, i).ok());
  leader_store->SetReplication(nullptr);
  leader.reset();
  EXPECT_EQ(log_->Bounds()->last, 2u);  // the mark and the flush
  auto again = LogLeader::Take(*log_, *leader_store, "b1@2");
  EXPECT_TRUE(absl::IsDataLoss(again.status())) << again.status();
  EXPECT_NE(again.status().message().find("rebuilt"), std::string::npos) << again.status();
}

TEST_F(LogLeaderTest, ALeaderRestartedOnItsStoreGoesOnWhereTheLogEnds) {
  const auto dir = dir_.path() / "leader";
  {
    auto store = OpenStore(dir);
    auto leader = Lead(*log_, *store, "b1@1");
    for (int i = 0; i < 6; ++i) {
      ASSERT_TRUE(WriteThrough(*store, i).ok());
      ASSERT_TRUE(leader->Flush().ok());
    }
    store->SetReplication(nullptr);
  }
  auto store = OpenStore(dir);
  auto leader = Lead(*log_, *store, "b1@2");
  ASSERT_NE(leader, nullptr);
  // After its first leadership's mark and six records, its second's mark.
  EXPECT_EQ(leader->appended(), 8u);
  EXPECT_EQ(log_->Read(8)->id, "b1@2/8");
  ASSERT_TRUE(WriteThrough(*store, 6).ok());
  ASSERT_TRUE(leader->Flush().ok());
  EXPECT_EQ(log_->Read(9)->id, "b1@2/9");
  auto follower_store = OpenStore(dir_.path() / "follower");
  ASSERT_TRUE(LogFollower::Open(*log_, *follower_store)->CatchUp().ok());
  EXPECT_EQ(Contents(*follower_store), Contents(*store));
}

TEST_F(LogLeaderTest, AStoreBehindTheLogCatchesUpBeforeItLeads) {
  auto first_store = OpenStore(dir_.path() / "first");
  auto first = Lead(*log_, *first_store, "b1@1");
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(WriteThrough(*first_store, i).ok());
    ASSERT_TRUE(first->Flush().ok());
  }
  auto second_store = OpenStore(dir_.path() / "second");
  auto refused = LogLeader::Take(*log_, *second_store, "b2@2");
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  ASSERT_TRUE(LogFollower::Open(*log_, *second_store)->CatchUp().ok());
  EXPECT_NE(Lead(*log_, *second_store, "b2@2"), nullptr);
}

// Two leaders at once (the first stalled past its lease, the second took over): the log keeps
// only the second's records, and the first stops writing at its first refused append.
TEST_F(LogLeaderTest, ADeposedLeaderIsFencedOffByTheLogAndRefusesWrites) {
  auto a_store = OpenStore(dir_.path() / "a");
  auto a = Lead(*log_, *a_store, "a@1");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(WriteThrough(*a_store, i).ok());
  ASSERT_TRUE(a->Flush().ok());

  auto b_js = Connect();
  auto b_log = PartitionLog::Open(*b_js, 0, {});
  auto b_store = OpenStore(dir_.path() / "b");
  ASSERT_TRUE(LogFollower::Open(**b_log, *b_store)->CatchUp().ok());
  auto b = Lead(**b_log, *b_store, "b@2");
  ASSERT_TRUE(WriteThrough(*b_store, 100).ok());
  ASSERT_TRUE(b->Flush().ok());

  // A still believes it leads: its write is applied locally, its append refused.
  ASSERT_TRUE(WriteThrough(*a_store, 3).ok());
  const absl::Status fenced = a->Flush();
  EXPECT_TRUE(absl::IsFailedPrecondition(fenced)) << fenced;
  EXPECT_TRUE(a->fenced());
  EXPECT_TRUE(absl::IsFailedPrecondition(WriteThrough(*a_store, 4)));
  // The log holds A's mark and first record, B's mark and record, nothing of A's after.
  EXPECT_EQ(log_->Bounds()->last, 4u);
  EXPECT_EQ(log_->Read(3)->id, "b@2/3");
  EXPECT_EQ(log_->Read(4)->id, "b@2/4");
  // A's store holds a record the log does not: it cannot lead (it is behind the log) nor catch
  // up (its record 3 is not the log's) until rebuilt.
  a_store->SetReplication(nullptr);
  EXPECT_TRUE(absl::IsFailedPrecondition(LogLeader::Take(*log_, *a_store, "a@3").status()));
  EXPECT_TRUE(absl::IsDataLoss(LogFollower::Open(*log_, *a_store).status()));
}

// A leader cut off from the engine while its append was on its way, deposed meanwhile: a new
// leader that has not written anything yet still refuses that append, as the mark of its
// leadership is in the log. (Without the mark, the late append would land and fence off the new
// leader at its first write.)
TEST_F(LogLeaderTest, ADeposedLeadersLateAppendIsRefusedBeforeTheNewLeaderWritesAnything) {
  auto a_store = OpenStore(dir_.path() / "a");
  auto a = Lead(*log_, *a_store, "a@1");
  ASSERT_TRUE(WriteThrough(*a_store, 0).ok());
  ASSERT_TRUE(a->Flush().ok());
  ASSERT_TRUE(WriteThrough(*a_store, 1).ok());  // staged; its append comes late

  auto b_js = Connect();
  auto b_log = PartitionLog::Open(*b_js, 0, {});
  auto b_store = OpenStore(dir_.path() / "b");
  ASSERT_TRUE(LogFollower::Open(**b_log, *b_store)->CatchUp().ok());
  auto b = Lead(**b_log, *b_store, "b@2");
  ASSERT_NE(b, nullptr);

  EXPECT_TRUE(absl::IsFailedPrecondition(a->Flush()));
  EXPECT_TRUE(a->fenced());
  EXPECT_EQ(log_->Bounds()->last, 3u);
  EXPECT_EQ(log_->Read(3)->id, "b@2/3");
  ASSERT_TRUE(WriteThrough(*b_store, 100).ok());
  EXPECT_TRUE(b->Flush().ok());
  EXPECT_FALSE(b->fenced());
}

TEST_F(LogLeaderTest, AnAppendThatTimedOutIsRepeatedAndStoredOnce) {
  auto store = OpenStore(dir_.path() / "leader");
  auto leader = Lead(*log_, *store, "b1@1");
  ASSERT_TRUE(WriteThrough(*store, 0).ok());
  ASSERT_TRUE(leader->Flush().ok());
  servers_.Kill(0);
  ASSERT_TRUE(WriteThrough(*store, 1).ok());
  const absl::Status down = leader->Flush();
  EXPECT_TRUE(absl::IsUnavailable(down)) << down;
  EXPECT_FALSE(leader->fenced());
  ASSERT_TRUE(WriteThrough(*store, 2).ok());  // a later write joins the next record
  servers_.Start(0);
  ASSERT_TRUE(servers_.WaitReady());
  ASSERT_TRUE(omni::testing::WaitFor([&] { return leader->Flush().ok(); },
                                     std::chrono::seconds(30)));
  EXPECT_EQ(leader->appended(), 4u);  // the mark, the first flush, the repeated record, the next
  EXPECT_EQ(log_->Bounds()->last, 4u);
  auto follower_store = OpenStore(dir_.path() / "follower");
  EXPECT_EQ(*LogFollower::Open(*log_, *follower_store)->CatchUp(), 4);
  EXPECT_EQ(Contents(*follower_store), Contents(*store));
}

// Through the store, as the broker's group commit uses it: SyncWal flushes the leader; a quorum
// that does not answer is a write fault that Recover ends once it answers again.
TEST_F(LogLeaderTest, ASyncWaitsForTheQuorumAndAnUnreachableOneStopsWritesUntilItReturns) {
  auto store = OpenStore(dir_.path() / "leader");
  auto leader = Lead(*log_, *store, "b1@1");
  ASSERT_TRUE(WriteThrough(*store, 0).ok());
  ASSERT_TRUE(store->SyncWal().ok());
  EXPECT_EQ(log_->Bounds()->last, 2u);  // the mark and the write

  servers_.Kill(0);
  ASSERT_TRUE(WriteThrough(*store, 1).ok());
  const absl::Status sync = store->SyncWal();
  EXPECT_TRUE(absl::IsUnavailable(sync)) << sync;
  // Writes are refused meanwhile, so nothing more piles up unreplicated.
  EXPECT_TRUE(absl::IsUnavailable(WriteThrough(*store, 2)));
  EXPECT_FALSE(store->Recover().ok());  // still down

  servers_.Start(0);
  ASSERT_TRUE(servers_.WaitReady());
  ASSERT_TRUE(omni::testing::WaitFor([&] { return store->Recover().ok(); },
                                     std::chrono::seconds(30)));
  EXPECT_TRUE(store->WriteFault().ok());
  EXPECT_EQ(log_->Bounds()->last, 3u);
  ASSERT_TRUE(WriteThrough(*store, 2).ok());
  ASSERT_TRUE(store->SyncWal().ok());
  auto follower_store = OpenStore(dir_.path() / "follower");
  EXPECT_EQ(*LogFollower::Open(*log_, *follower_store)->CatchUp(), 4);
  EXPECT_EQ(Contents(*follower_store), Contents(*store));
}

TEST_F(LogLeaderTest, AFencedOffLeadersStoreRefusesWritesForGood) {
  auto a_store = OpenStore(dir_.path() / "a");
  auto a = Lead(*log_, *a_store, "a@1");
  ASSERT_TRUE(WriteThrough(*a_store, 0).ok());
  ASSERT_TRUE(a_store->SyncWal().ok());
  // Another writer appends after record 2 (A's mark and write).
  ASSERT_TRUE(log_->Append("b@2/3", omnibroker::v1::LogBatch().SerializeAsString(), 2).ok());
  ASSERT_TRUE(WriteThrough(*a_store, 1).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(a_store->SyncWal()));
  EXPECT_TRUE(absl::IsFailedPrecondition(a_store->Recover()));
  EXPECT_TRUE(absl::IsFailedPrecondition(WriteThrough(*a_store, 2)));
}

}  // namespace
}  // namespace omni::cluster
