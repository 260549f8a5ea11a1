// Power loss: writers put records through the store and group commit and note each record once
// it is acknowledged as durable; at a random moment the power is cut (the disk keeps only what
// was synced). The store opened from what is left holds every acknowledged record.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
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

TEST(PowerLossTest, AcknowledgedWritesSurviveACutAtAnyMoment) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    TempDir dir;
    auto fs = std::make_shared<PowerLossFileSystem>();
    std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
    // A small memtable: flushes and compactions happen while the writers write.
    auto store = Store::Open({.dir = dir.path() / "store", .write_buffer_bytes = 64 << 10, .env = env.get()});
    ASSERT_TRUE(store.ok()) << store.status();
    GroupCommit commit(**store);
    commit.Start();

    std::mutex mu;
    std::set<std::string> acknowledged;
    std::atomic<bool> stop{false};
    std::mutex write_mu;  // one write at a time, so the in-flight writes below are last
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; !stop; ++i) {
          const std::string key = "w" + std::to_string(w) + "-" + std::to_string(i);
          {
            std::lock_guard lock(write_mu);
            rocksdb::WriteBatch batch;
            (*store)->Put(batch, Family::kEvents, key, std::string(200, 'x') + key);
            if (!(*store)->Write(batch).ok()) return;
          }
          commit.AfterSync([&, key](absl::Status s) {
            if (!s.ok()) return;
            std::lock_guard lock(mu);
            acknowledged.insert(key);
          });
        }
      });
    }
    std::mt19937 rng(round);
    const size_t cut_after = 500 + rng() % 3000;
    ASSERT_TRUE(omni::testing::WaitFor([&] {
      std::lock_guard lock(mu);
      return acknowledged.size() >= cut_after;
    }, std::chrono::seconds(60)));

    // The cut. Acknowledged before it = synced before it; writes after it (the in-flight ones
    // below: applied, never synced before the cut, never acknowledged) may be lost.
    std::set<std::string> durable;
    ASSERT_TRUE((*store)->db()->DisableFileDeletions().ok());
    {
      std::lock_guard lock(mu);
      durable = acknowledged;
    }
    const auto cut = fs->Cut(dir.path() / "store");
    const std::vector<std::string> in_flight = {"in-flight-1", "in-flight-2"};
    {
      std::lock_guard writing(write_mu);
      for (const auto& key : in_flight) {
        rocksdb::WriteBatch batch;
        (*store)->Put(batch, Family::kEvents, key, "never acknowledged");
        ASSERT_TRUE((*store)->Write(batch).ok());
      }
    }
    const int cut_files = PowerLossFileSystem::CopyAfterCut(cut, dir.path() / "store", dir.path() / "after-cut");
    ASSERT_TRUE((*store)->db()->EnableFileDeletions().ok());
    stop = true;
    for (auto& t : writers) t.join();
    commit.Stop();
    store->reset();

    auto after = Store::Open({.dir = dir.path() / "after-cut"});
    ASSERT_TRUE(after.ok()) << after.status();
    size_t missing = 0;
    for (const auto& key : durable) {
      auto value = (*after)->GetRaw(Family::kEvents, key);
      ASSERT_TRUE(value.ok());
      if (!value->has_value() || **value != std::string(200, 'x') + key) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "of " << durable.size() << " acknowledged records";
    // The cut really dropped what was not synced (else this test would prove nothing).
    EXPECT_GT(cut_files, 0);
    for (const auto& key : in_flight) EXPECT_FALSE((*after)->GetRaw(Family::kEvents, key)->has_value()) << key;
  }
}

}  // namespace
}  // namespace omni::store
