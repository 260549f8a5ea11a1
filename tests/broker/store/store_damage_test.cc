// A damaged data directory is a clear error at start (or at the read that meets the damage),
// never a store that quietly lost acknowledged records. A torn last WAL record, which is what a
// crash leaves of a write nobody was told was durable, is the one damage that is tolerated.
#include <gtest/gtest.h>

#include <fstream>

#include "broker/app/broker_app.h"
#include "broker/partitions/partitions.h"
#include "broker/store/store.h"
#include "tests/support/test_support.h"

namespace omni::store {
namespace {

using omni::testing::TempDir;
namespace fs = std::filesystem;

// A store with records in an SST (flushed) and more in the WAL (synced, not flushed).
void MakeStore(const fs::path& dir) {
  auto store = Store::Open({.dir = dir});
  ASSERT_TRUE(store.ok()) << store.status();
  auto put = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      rocksdb::WriteBatch batch;
      (*store)->Put(batch, Family::kEvents, "key" + std::to_string(1000 + i), std::string(100, 'v'));
      ASSERT_TRUE((*store)->Write(batch).ok());
    }
    ASSERT_TRUE((*store)->SyncWal().ok());
  };
  put(0, 200);
  ASSERT_TRUE((*store)->db()->Flush(rocksdb::FlushOptions(), (*store)->Handle(Family::kEvents)).ok());
  put(200, 400);
}

std::vector<fs::path> Files(const fs::path& dir, std::string_view suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(suffix) != std::string::npos) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The newest WAL, the one holding the unflushed records.
fs::path NewestWal(const fs::path& dir) {
  fs::path newest;
  for (const auto& p : Files(dir, ".log")) {
    if (fs::file_size(p) > 0 && (newest.empty() || p > newest)) newest = p;
  }
  return newest;
}

void FlipByte(const fs::path& file, uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x5a));
}

// Reads every record; the first error, if any.
absl::Status ReadAll(Store& store) {
  absl::Status failed;
  auto s = store.Scan(Family::kEvents, "", false, std::nullopt, [](std::string_view, std::string_view) { return true; });
  return s;
}

TEST(StoreDamageTest, MissingManifestIsAnError) {
  TempDir dir;
  MakeStore(dir.path());
  for (const auto& p : Files(dir.path(), "MANIFEST-")) fs::remove(p);
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("opening the store in"), absl::string_view::npos) << store.status();
}

TEST(StoreDamageTest, MissingTableFileIsAnError) {
  TempDir dir;
  MakeStore(dir.path());
  auto tables = Files(dir.path(), ".sst");
  ASSERT_FALSE(tables.empty());
  fs::remove(tables.back());
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(tables.back().filename().string().substr(0, 6)), absl::string_view::npos)
      << store.status();
}

TEST(StoreDamageTest, TruncatedTableFileIsAnError) {
  TempDir dir;
  MakeStore(dir.path());
  auto tables = Files(dir.path(), ".sst");
  ASSERT_FALSE(tables.empty());
  fs::resize_file(tables.back(), fs::file_size(tables.back()) / 2);
  auto store = Store::Open({.dir = dir.path()});
  if (store.ok()) {
    EXPECT_EQ(ReadAll(**store).code(), absl::StatusCode::kDataLoss) << "opened, but the damage must show on read";
  } else {
    EXPECT_NE(store.status().message().find("opening the store"), absl::string_view::npos) << store.status();
  }
}

TEST(StoreDamageTest, DamagedTableBlockIsDataLossOnRead) {
  TempDir dir;
  MakeStore(dir.path());
  auto tables = Files(dir.path(), ".sst");
  ASSERT_FALSE(tables.empty());
  FlipByte(tables.back(), 100);  // inside the first data block
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(ReadAll(**store).code(), absl::StatusCode::kDataLoss);
}

TEST(StoreDamageTest, DamageInTheMiddleOfTheWalIsAnError) {
  TempDir dir;
  MakeStore(dir.path());
  const fs::path wal = NewestWal(dir.path());
  ASSERT_FALSE(wal.empty());
  FlipByte(wal, fs::file_size(wal) / 3);
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_FALSE(store.ok()) << "records after the damage were acknowledged: replaying up to it would lose them";
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
}

TEST(StoreDamageTest, TornLastWalRecordIsDroppedAndTheRestKept) {
  TempDir dir;
  MakeStore(dir.path());
  const fs::path wal = NewestWal(dir.path());
  ASSERT_FALSE(wal.empty());
  fs::resize_file(wal, fs::file_size(wal) - 20);
  auto store = Store::Open({.dir = dir.path()});
  ASSERT_TRUE(store.ok()) << store.status();
  int count = 0;
  ASSERT_TRUE((*store)->Scan(Family::kEvents, "", false, std::nullopt, [&](std::string_view, std::string_view) {
    ++count;
    return true;
  }).ok());
  EXPECT_EQ(count, 399) << "only the torn record is gone";
}

TEST(StoreDamageTest, TheBrokerRefusesToStartOnADamagedStoreAndSaysWhy) {
  TempDir dir;
  const auto store_dir = partitions::Partitions::Dir(dir.path(), partitions::PartitionMap{}.Of("default"));
  fs::create_directories(store_dir.parent_path());
  MakeStore(store_dir);
  for (const auto& p : Files(store_dir, "MANIFEST-")) fs::remove(p);
  app::BrokerConfig config = app::DefaultConfig();
  config.data_dir = dir.path();
  config.grpc_listen = "127.0.0.1:0";
  config.admin_listen = "127.0.0.1:0";
  config.ingest_listen = "";
  config.connectors.clear();
  app::BrokerApp broker(config);
  const absl::Status s = broker.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(store_dir.string()), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace omni::store
