// A follower's store as its partition's log applied: real RocksDB stores, a real nats-server.
#include "broker/cluster/log_follower.h"

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "broker/cluster/log_batch.h"
#include "tests/broker/cluster/store_contents.h"
#include "tests/support/nats_server.h"
#include "tests/support/power_loss_fs.h"
#include "tests/support/test_support.h"

namespace omni::cluster {
namespace {

using omni::testing::NatsServers;
using omni::testing::TempDir;
using store::Family;
using testing::Contents;
using testing::OpenStore;


// What a leader does with each batch: applies it to its store and appends it to the log.
class Leader {
 public:
  Leader(store::Store& store, PartitionLog& log) : store_(store), log_(log) {}

  // Batch `i`: puts in several families, and a delete of what batch i-3 put in one of them.
  void Write(int i) {
    rocksdb::WriteBatch batch;
    store_.Put(batch, Family::kEvents, absl::StrCat("conversation-", i % 7, "/", i),
               std::string_view(absl::StrCat("event ", i)));
    store_.Put(batch, Family::kConversations, absl::StrCat("conversation-", i % 7),
               std::string_view(absl::StrCat("state after ", i)));
    store_.Put(batch, Family::kOutbox, absl::StrCat("delivery-", i), std::string_view("pending"));
    if (i >= 3) store_.Delete(batch, Family::kOutbox, absl::StrCat("delivery-", i - 3));
    auto record = EncodeBatch(store_, batch);
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(store_.Write(batch).ok());
    auto sequence = log_.Append(absl::StrCat("batch-", i), *record, last_);
    ASSERT_TRUE(sequence.ok()) << sequence.status();
    last_ = *sequence;
  }
  uint64_t last() const { return last_; }

 private:
  store::Store& store_;
  PartitionLog& log_;
  uint64_t last_ = 0;
};

class LogFollowerTest : public omni::testing::OneNatsServerTest {
 protected:
  void SetUp() override {
    OneNatsServerTest::SetUp();
    if (HasFatalFailure()) return;
    auto js = JetStream::Connect({.servers = servers_.Urls()});
    ASSERT_TRUE(js.ok()) << js.status();
    js_ = *std::move(js);
    auto log = PartitionLog::Open(*js_, 0, {});
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    leader_store_ = OpenStore(dir_.path() / "leader");
    leader_ = std::make_unique<Leader>(*leader_store_, *log_);
  }

  std::unique_ptr<JetStream> js_;
  std::unique_ptr<PartitionLog> log_;
  std::unique_ptr<store::Store> leader_store_;
  std::unique_ptr<Leader> leader_;
};

TEST_F(LogFollowerTest, AFollowerHoldsWhatTheLeaderWroteAndResumesAfterARestart) {
  for (int i = 0; i < 200; ++i) leader_->Write(i);
  const auto follower_dir = dir_.path() / "follower";
  {
    auto store = OpenStore(follower_dir);
    auto follower = LogFollower::Open(*log_, *store);
    ASSERT_TRUE(follower.ok()) << follower.status();
    EXPECT_EQ(follower->position().sequence(), 0u);
    auto applied = follower->CatchUp();
    ASSERT_TRUE(applied.ok()) << applied.status();
    EXPECT_EQ(*applied, 200);
    EXPECT_EQ(follower->position().sequence(), 200u);
    EXPECT_EQ(follower->position().id(), "batch-199");
    EXPECT_EQ(Contents(*store, false), Contents(*leader_store_, false));
    EXPECT_EQ(*follower->CatchUp(), 0);  // nothing new
  }
  // Restarted: it resumes after record 200, applying only what came since.
  for (int i = 200; i < 250; ++i) leader_->Write(i);
  auto store = OpenStore(follower_dir);
  auto follower = LogFollower::Open(*log_, *store);
  ASSERT_TRUE(follower.ok());
  EXPECT_EQ(follower->position().sequence(), 200u);
  EXPECT_EQ(*follower->CatchUp(), 50);
  EXPECT_EQ(Contents(*store, false), Contents(*leader_store_, false));
  EXPECT_EQ(StoredPosition(*store)->sequence(), 250u);
}

TEST_F(LogFollowerTest, CatchingUpInStepsStopsAtTheAskedCount) {
  for (int i = 0; i < 30; ++i) leader_->Write(i);
  auto store = OpenStore(dir_.path() / "follower");
  auto follower = LogFollower::Open(*log_, *store);
  EXPECT_EQ(*follower->CatchUp(10), 10);
  EXPECT_EQ(follower->position().sequence(), 10u);
  EXPECT_EQ(*follower->CatchUp(100), 20);
  EXPECT_EQ(Contents(*store, false), Contents(*leader_store_, false));
}

TEST_F(LogFollowerTest, ARecordThatIsNotABatchStopsTheFollowerBeforeIt) {
  for (int i = 0; i < 5; ++i) leader_->Write(i);
  ASSERT_TRUE(log_->Append("garbage", std::string("\xff\xff\xff\x01", 4), leader_->last()).ok());
  auto store = OpenStore(dir_.path() / "follower");
  auto follower = LogFollower::Open(*log_, *store);
  auto applied = follower->CatchUp();
  EXPECT_TRUE(absl::IsDataLoss(applied.status())) << applied.status();
  EXPECT_NE(applied.status().message().find("record 6"), std::string::npos) << applied.status();
  EXPECT_EQ(follower->position().sequence(), 5u);
  EXPECT_EQ(StoredPosition(*store)->sequence(), 5u);
}

TEST_F(LogFollowerTest, ARecordOfAFamilyThisBrokerDoesNotKnowIsRefused) {
  omnibroker::v1::LogBatch newer;
  auto* write = newer.add_writes();
  write->set_family(store::kFamilyCount);  // a family a newer broker added
  write->set_key("k");
  write->set_value("v");
  ASSERT_TRUE(log_->Append("newer", newer.SerializeAsString(), 0).ok());
  auto store = OpenStore(dir_.path() / "follower");
  auto follower = LogFollower::Open(*log_, *store);
  auto applied = follower->CatchUp();
  EXPECT_TRUE(absl::IsDataLoss(applied.status())) << applied.status();
  EXPECT_EQ(follower->position().sequence(), 0u);
}

TEST_F(LogFollowerTest, AStoreBehindATrimmedLogIsToldToRestoreASnapshot) {
  for (int i = 0; i < 10; ++i) leader_->Write(i);
  ASSERT_TRUE(log_->TrimBefore(6).ok());
  auto store = OpenStore(dir_.path() / "follower");
  auto follower = LogFollower::Open(*log_, *store);
  auto applied = follower->CatchUp();
  EXPECT_TRUE(absl::IsFailedPrecondition(applied.status())) << applied.status();
  EXPECT_NE(applied.status().message().find("snapshot"), std::string::npos);
}

// A store that holds a record the log does not (its leader died, or was deposed, before the
// append) must not follow: the log's next records on top of it would make a store no broker
// wrote. Both ways: the log has another record at its position, or ends before it.
TEST_F(LogFollowerTest, AStoreAheadOfTheLogIsRefusedRatherThanFollowed) {
  for (int i = 0; i < 5; ++i) leader_->Write(i);
  auto store = OpenStore(dir_.path() / "follower");
  {
    auto follower = LogFollower::Open(*log_, *store);
    ASSERT_TRUE(follower.ok());
    ASSERT_EQ(*follower->CatchUp(), 5);
  }
  // A write of its own at record 6, which the log never took.
  rocksdb::WriteBatch own;
  store->Put(own, Family::kConversations, "conversation-x", std::string_view("never in the log"));
  omnibroker::v1::LogPosition position;
  position.set_sequence(6);
  position.set_id("deposed/6");
  store->Put(own, Family::kMeta, kLogPositionKey, position);
  ASSERT_TRUE(store->Write(own).ok());

  auto ahead = LogFollower::Open(*log_, *store);
  EXPECT_TRUE(absl::IsDataLoss(ahead.status())) << ahead.status();
  EXPECT_NE(ahead.status().message().find("ends at 5"), std::string::npos) << ahead.status();
  // The new leader appended its own record 6, and more.
  leader_->Write(5);
  leader_->Write(6);
  auto diverged = LogFollower::Open(*log_, *store);
  EXPECT_TRUE(absl::IsDataLoss(diverged.status())) << diverged.status();
  EXPECT_NE(diverged.status().message().find("has batch-5"), std::string::npos)
      << diverged.status();
}

// A power cut while the follower applies: the store comes back at a record's boundary, holding
// exactly the records up to its position, and catches up from there.
TEST_F(LogFollowerTest, APowerCutWhileApplyingLeavesTheStoreExactlyAtItsPosition) {
  for (int i = 0; i < 300; ++i) leader_->Write(i);
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    const auto follower_dir = dir_.path() / absl::StrCat("follower-", round);
    auto fs = std::make_shared<omni::testing::PowerLossFileSystem>();
    std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
    auto opened = store::Store::Open(
        {.dir = follower_dir, .write_buffer_bytes = 64 << 10, .env = env.get()});
    ASSERT_TRUE(opened.ok()) << opened.status();
    auto store = *std::move(opened);
    auto follower = LogFollower::Open(*log_, *store);
    ASSERT_TRUE(follower.ok());
    std::atomic<uint64_t> applied{0};
    std::thread applier([&] {
      while (applied < 300) {
        auto step = follower->CatchUp(7);
        if (!step.ok()) return;
        applied = follower->position().sequence();
      }
    });
    std::mt19937 random(round);
    const uint64_t cut_after = 20 + random() % 250;
    ASSERT_TRUE(omni::testing::WaitFor([&] { return applied >= cut_after; },
                                       std::chrono::seconds(60)));
    ASSERT_TRUE(store->db()->DisableFileDeletions().ok());
    const auto cut = fs->Cut(follower_dir);
    const auto after_cut = dir_.path() / absl::StrCat("after-cut-", round);
    omni::testing::PowerLossFileSystem::CopyAfterCut(cut, follower_dir, after_cut);
    ASSERT_TRUE(store->db()->EnableFileDeletions().ok());
    applier.join();
    store.reset();

    auto restarted = OpenStore(after_cut);
    auto position = StoredPosition(*restarted);
    ASSERT_TRUE(position.ok()) << position.status();
    EXPECT_GE(position->sequence(), cut_after - 7);  // synced at the end of each step before it
    // Exactly the records up to its position: as a store that applied just those.
    auto reference = OpenStore(dir_.path() / absl::StrCat("reference-", round));
    auto up_to = LogFollower::Open(*log_, *reference);
    if (position->sequence() > 0) {
      ASSERT_EQ(*up_to->CatchUp(static_cast<int>(position->sequence())),
                static_cast<int>(position->sequence()));
    }
    EXPECT_EQ(Contents(*restarted, false), Contents(*reference, false));
    // And from there it catches up with the leader.
    auto resumed = LogFollower::Open(*log_, *restarted);
    ASSERT_TRUE(resumed->CatchUp().ok());
    EXPECT_EQ(resumed->position().sequence(), 300u);
    EXPECT_EQ(Contents(*restarted, false), Contents(*leader_store_, false));
  }
}

TEST(LogBatchTest, ARecordThatContradictsItselfIsRefused) {
  omnibroker::v1::LogBatch record;
  auto* write = record.add_writes();
  write->set_family(static_cast<int>(Family::kOutbox));
  write->set_key("delivery-1");
  write->set_deleted(true);
  EXPECT_TRUE(ParseLogBatch(record.SerializeAsString()).ok());
  write->set_value("but a value too");
  auto parsed = ParseLogBatch(record.SerializeAsString());
  EXPECT_TRUE(absl::IsDataLoss(parsed.status())) << parsed.status();
  EXPECT_TRUE(absl::IsDataLoss(ParseLogBatch("\xff\xff").status()));
}

TEST(LogBatchTest, AWriteTheStoreNeverMakesIsRefused) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  rocksdb::WriteBatch batch;
  batch.Merge(store->Handle(Family::kEvents), "k", "v");
  EXPECT_TRUE(absl::IsInvalidArgument(EncodeBatch(*store, batch).status()));
  rocksdb::WriteBatch range;
  range.DeleteRange(store->Handle(Family::kEvents), "a", "b");
  EXPECT_TRUE(absl::IsInvalidArgument(EncodeBatch(*store, range).status()));
}

}  // namespace
}  // namespace omni::cluster
