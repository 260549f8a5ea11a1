// A full disk under the store: writes and syncs fail as ENOSPC (the power-loss file system's
// switch). The store then refuses writes, says why, keeps serving reads, and holds back the
// group commit's callbacks; once the disk takes writes again Recover() reopens it, the writes
// applied before the fault are made durable and only then acknowledged, and a power cut after
// that keeps them.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "broker/store/group_commit.h"
#include "broker/store/store.h"
#include "tests/support/power_loss_fs.h"
#include "tests/support/test_support.h"

namespace omni::store {
namespace {

using omni::testing::PowerLossFileSystem;
using omni::testing::TempDir;
using omni::testing::WaitFor;
using namespace std::chrono_literals;

class WriteFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::Open({.dir = dir.path() / "store", .env = env.get(), .write_fault = &fault_gauge});
    ASSERT_TRUE(opened.ok()) << opened.status();
    store = *std::move(opened);
    commit = std::make_unique<GroupCommit>(*store);
    commit->Start();
  }
  void TearDown() override {
    commit.reset();
    store.reset();
  }

  absl::Status Put(const std::string& key) {
    rocksdb::WriteBatch batch;
    store->Put(batch, Family::kEvents, key, "value of " + key);
    return store->Write(batch);
  }
  // Set once the group commit says every write before this call is durable.
  std::shared_ptr<std::atomic<bool>> Acked() {
    auto acked = std::make_shared<std::atomic<bool>>(false);
    commit->AfterSync([acked](absl::Status s) {
      if (s.ok()) *acked = true;
    });
    return acked;
  }
  // What a power cut now would leave, opened as a store.
  std::unique_ptr<Store> AfterPowerCut() {
    EXPECT_TRUE(store->db()->DisableFileDeletions().ok());
    const auto cut = fs->Cut(dir.path() / "store");
    PowerLossFileSystem::CopyAfterCut(cut, dir.path() / "store", dir.path() / "after-cut");
    EXPECT_TRUE(store->db()->EnableFileDeletions().ok());
    auto after = Store::Open({.dir = dir.path() / "after-cut"});
    EXPECT_TRUE(after.ok()) << after.status();
    return after.ok() ? *std::move(after) : nullptr;
  }
  static bool Has(Store& s, const std::string& key) {
    auto value = s.GetRaw(Family::kEvents, key);
    return value.ok() && value->has_value() && **value == "value of " + key;
  }

  TempDir dir;
  std::shared_ptr<PowerLossFileSystem> fs = std::make_shared<PowerLossFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  Gauge fault_gauge;
  std::unique_ptr<Store> store;
  std::unique_ptr<GroupCommit> commit;
};

TEST_F(WriteFaultTest, AWriteAppliedBeforeAFailedSyncIsAcknowledgedOnlyOnceTheStoreRecovered) {
  ASSERT_OK(Put("before"));
  auto before = Acked();
  ASSERT_TRUE(WaitFor([&] { return before->load(); }));

  ASSERT_OK(Put("applied"));
  fs->FailWrites(true);
  auto applied = Acked();  // its sync fails
  ASSERT_TRUE(WaitFor([&] { return !store->WriteFault().ok(); }));
  EXPECT_EQ(store->WriteFault().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(store->WriteFault().message().find("No space left on device"), std::string::npos)
      << store->WriteFault();
  EXPECT_EQ(fault_gauge.value(), 1);

  // Refused with the fault, without reaching RocksDB; reads are served.
  const absl::Status refused = Put("during");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("No space left on device"), std::string::npos) << refused;
  EXPECT_TRUE(Has(*store, "before"));
  // The disk is still full: no recovery, and the store stays open.
  EXPECT_FALSE(store->Recover().ok());
  EXPECT_TRUE(Has(*store, "applied"));
  EXPECT_FALSE(applied->load());

  fs->FailWrites(false);
  ASSERT_OK(store->Recover());
  EXPECT_OK(store->WriteFault());
  EXPECT_EQ(fault_gauge.value(), 0);
  ASSERT_TRUE(WaitFor([&] { return applied->load(); }));
  ASSERT_OK(Put("after"));
  auto after = Acked();
  ASSERT_TRUE(WaitFor([&] { return after->load(); }));

  auto cut = AfterPowerCut();
  ASSERT_NE(cut, nullptr);
  EXPECT_TRUE(Has(*cut, "before"));
  EXPECT_TRUE(Has(*cut, "applied"));
  EXPECT_TRUE(Has(*cut, "after"));
  EXPECT_FALSE(Has(*cut, "during"));
}

// The fault met by a write right after every memtable was flushed: the case DB::Resume() "recovers"
// from while leaving the failed WAL in place (the next write then aborts the process).
TEST_F(WriteFaultTest, AFailedWriteOnAFreshWalRecoversAndTheStoreWritesAgain) {
  ASSERT_OK(Put("flushed"));
  ASSERT_TRUE(store->db()->Flush(rocksdb::FlushOptions(), {store->Handle(Family::kEvents)}).ok());
  fs->FailWrites(true);
  EXPECT_EQ(Put("refused").code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(store->WriteFault().ok());

  fs->FailWrites(false);
  ASSERT_OK(store->Recover());
  ASSERT_OK(Put("after"));
  auto after = Acked();
  ASSERT_TRUE(WaitFor([&] { return after->load(); }));
  EXPECT_TRUE(Has(*store, "flushed"));
  EXPECT_FALSE(Has(*store, "refused"));
  auto cut = AfterPowerCut();
  ASSERT_NE(cut, nullptr);
  EXPECT_TRUE(Has(*cut, "after"));
}

// The disk fills, again and again, while a writer writes as fast as it can and the group commit
// syncs: each time the store refuses writes from the first failed one on, recovers once the disk
// takes writes again, and a power cut after all that keeps every acknowledged write and none of
// the refused ones.
TEST_F(WriteFaultTest, TheDiskFillingUnderLoadLosesNothingAcknowledged) {
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::set<std::string> refused;
  for (int round = 0; round < 20; ++round) {
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      for (int i = 0; !stop; ++i) {
        const std::string key = "r" + std::to_string(round) + "-" + std::to_string(i);
        if (!Put(key).ok()) {
          std::lock_guard lock(mu);
          refused.insert(key);
          continue;
        }
        commit->AfterSync([&, key](absl::Status s) {
          if (!s.ok()) return;
          std::lock_guard lock(mu);
          acknowledged.insert(key);
        });
      }
    });
    ASSERT_TRUE(WaitFor([&] {
      std::lock_guard lock(mu);
      return acknowledged.size() >= static_cast<size_t>(200 * (round + 1));
    }, 30s));
    fs->FailAppends(true);  // the writer meets it first, as on a full tmpfs
    ASSERT_TRUE(WaitFor([&] { return !store->WriteFault().ok(); }));
    stop = true;
    writer.join();
    fs->FailAppends(false);
    ASSERT_OK(store->Recover());
  }
  ASSERT_OK(Put("last"));
  auto last = Acked();
  ASSERT_TRUE(WaitFor([&] { return last->load(); }));

  auto cut = AfterPowerCut();
  ASSERT_NE(cut, nullptr);
  std::lock_guard lock(mu);
  size_t missing = 0;
  for (const auto& key : acknowledged) missing += Has(*cut, key) ? 0 : 1;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  for (const auto& key : refused) EXPECT_FALSE(Has(*cut, key)) << key;
  EXPECT_FALSE(refused.empty());
}

// A caller on the line (Admin) is not held through a fault: told of it as soon as the sync fails,
// and at once while the syncer waits for the store; a held callback still waits for recovery.
TEST_F(WriteFaultTest, ACallbackThatDoesNotWaitIsToldTheFaultAtOnce) {
  ASSERT_OK(Put("applied"));
  fs->FailSyncs(true);
  auto held = Acked();
  auto first = std::make_shared<std::promise<absl::Status>>();
  commit->AfterSync([first](absl::Status s) { first->set_value(s); },
                    GroupCommit::DuringFault::kFail);
  auto told = first->get_future();
  ASSERT_EQ(told.wait_for(10s), std::future_status::ready);
  const absl::Status fault = told.get();
  EXPECT_EQ(fault.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(fault.message().find("No space left on device"), std::string::npos) << fault;

  auto later = std::make_shared<std::promise<absl::Status>>();
  commit->AfterSync([later](absl::Status s) { later->set_value(s); },
                    GroupCommit::DuringFault::kFail);
  auto told_later = later->get_future();
  ASSERT_EQ(told_later.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(told_later.get().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(held->load());

  fs->FailSyncs(false);
  ASSERT_OK(store->Recover());
  ASSERT_TRUE(WaitFor([&] { return held->load(); }));
  auto cut = AfterPowerCut();
  ASSERT_NE(cut, nullptr);
  EXPECT_TRUE(Has(*cut, "applied"));
}

// Stopping during a fault does not wait for the disk: what waits is told it was never durable.
TEST_F(WriteFaultTest, StoppingDuringAFaultAnswersTheWaitingWithTheFault) {
  ASSERT_OK(Put("applied"));
  fs->FailWrites(true);
  auto answer = std::make_shared<std::promise<absl::Status>>();
  commit->AfterSync([answer](absl::Status s) { answer->set_value(s); });
  ASSERT_TRUE(WaitFor([&] { return !store->WriteFault().ok(); }));
  commit->Stop();
  auto future = answer->get_future();
  ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(future.get().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace omni::store
