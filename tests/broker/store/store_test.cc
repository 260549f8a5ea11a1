// Store on a real RocksDB in a temp dir.
#include "broker/store/store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "broker/store/group_commit.h"
#include "broker/store/keys.h"
#include "omnibroker/v1/event.pb.h"
#include "omnibroker/v1/ingest.pb.h"
#include "tests/support/test_support.h"

namespace omni::store {
namespace {

using omni::testing::TempDir;

TEST(StoreTest, WritesSurviveReopenAndScanInOrder) {
  TempDir dir;
  {
    auto store = Store::Open({.dir = dir.path()});
    ASSERT_TRUE(store.ok()) << store.status();
    rocksdb::WriteBatch batch;
    for (uint64_t seq : {3, 1, 2, 300}) {
      omnibroker::v1::Event e;
      e.set_id("e" + std::to_string(seq));
      (*store)->Put(batch, Family::kEvents, EventKey("c1", seq), e);
    }
    omnibroker::v1::Event other;
    other.set_id("other");
    (*store)->Put(batch, Family::kEvents, EventKey("c2", 1), other);
    ASSERT_TRUE((*store)->Write(batch).ok());
    ASSERT_TRUE((*store)->SyncWal().ok());
  }
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<uint64_t> seen;
  ASSERT_TRUE((*store)
                  ->Scan(Family::kEvents, EventPrefix("c1"), /*reverse=*/true, std::nullopt,
                         [&](std::string_view key, std::string_view) {
                           seen.push_back(*SequenceOfEventKey(key));
                           return true;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{300, 3, 2, 1}));
}

TEST(StoreTest, RefusesADirectoryThatIsNotAStore) {
  TempDir dir;
  std::ofstream(dir.path() / "precious.txt") << "not a database";
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("holds no omnibroker store"), absl::string_view::npos);
}

TEST(StoreTest, CorruptRecordIsDataLossNotACrash) {
  TempDir dir;
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_TRUE(store.ok());
  rocksdb::WriteBatch batch;
  (*store)->Put(batch, Family::kConversations, "c1", std::string_view("\xff\xff\xff garbage"));
  ASSERT_TRUE((*store)->Write(batch).ok());
  omnibroker::v1::Event out;
  auto got = (*store)->Get(Family::kConversations, "c1", out);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
}

TEST(StoreTest, DedupeRecordsExpireAfterTheWindowAtCompaction) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open({.dir = dir.path(), .dedupe_window = std::chrono::hours(24 * 7), .clock = &clock});
  ASSERT_TRUE(store.ok()) << store.status();
  auto put = [&](const std::string& id, std::chrono::hours age) {
    omnibroker::v1::IngestAck ack;
    ack.set_event_id(id);
    ack.mutable_accepted_at()->set_seconds(
        std::chrono::duration_cast<std::chrono::seconds>((clock.Now() - age).time_since_epoch()).count());
    rocksdb::WriteBatch batch;
    (*store)->Put(batch, Family::kDedupe, DedupeKey("t", id), ack);
    ASSERT_TRUE((*store)->Write(batch).ok());
  };
  put("retried-yesterday", std::chrono::hours(24));
  put("six-days-old", std::chrono::hours(24 * 6 + 23));
  put("eight-days-old", std::chrono::hours(24 * 8));
  ASSERT_TRUE((*store)->CompactFamily(Family::kDedupe).ok());
  auto present = [&](const std::string& id) { return (*store)->GetRaw(Family::kDedupe, DedupeKey("t", id))->has_value(); };
  EXPECT_TRUE(present("retried-yesterday"));
  EXPECT_TRUE(present("six-days-old"));
  EXPECT_FALSE(present("eight-days-old"));
  clock.Advance(std::chrono::hours(2));
  ASSERT_TRUE((*store)->CompactFamily(Family::kDedupe).ok());
  EXPECT_FALSE(present("six-days-old")) << "past the window now";
  EXPECT_TRUE(present("retried-yesterday"));
}

TEST(StoreTest, AVersion1StoreGainsTheCustomerHistoryIndex) {
  TempDir dir;
  {
    auto store = Store::Open({.dir = dir.path()});
    ASSERT_TRUE(store.ok());
    rocksdb::WriteBatch batch;
    for (uint64_t seq : {1, 2}) {
      omnibroker::v1::Event e;
      e.set_id("e" + std::to_string(seq));
      e.set_customer_id("cus_1");
      e.mutable_received_at()->set_seconds(1000 + seq);
      (*store)->Put(batch, Family::kEvents, EventKey("c1", seq), e);
    }
    (*store)->Put(batch, Family::kMeta, "schema_version", "1");  // as a version 1 broker left it
    ASSERT_TRUE((*store)->Write(batch).ok());
    ASSERT_TRUE((*store)->SyncWal().ok());
  }
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::string> indexed;
  ASSERT_TRUE((*store)->Scan(Family::kCustomerEvents, CustomerEventPrefix("cus_1"), false, std::nullopt,
                             [&](std::string_view, std::string_view event_key) {
                               indexed.emplace_back(event_key);
                               return true;
                             }).ok());
  EXPECT_EQ(indexed, (std::vector<std::string>{EventKey("c1", 1), EventKey("c1", 2)}));
  EXPECT_EQ(**(*store)->GetRaw(Family::kMeta, "schema_version"), "2");
}

TEST(GroupCommitTest, EveryCallbackRunsAfterASync) {
  TempDir dir;
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_TRUE(store.ok());
  GroupCommit commit(**store);
  commit.Start();
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) {
    rocksdb::WriteBatch batch;
    (*store)->Put(batch, Family::kMeta, "k" + std::to_string(i), std::string_view("v"));
    ASSERT_TRUE((*store)->Write(batch).ok());
    commit.AfterSync([&](absl::Status s) {
      EXPECT_TRUE(s.ok());
      done++;
    });
  }
  commit.Stop();
  EXPECT_EQ(done.load(), 100);
  EXPECT_GE(commit.syncs(), 1u);
  EXPECT_LE(commit.syncs(), 100u);
}

}  // namespace
}  // namespace omni::store
