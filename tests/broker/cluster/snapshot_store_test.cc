// A partition's snapshots in JetStream: real RocksDB stores copied through a real nats-server,
// in chunks small enough that every file spans several.
#include "broker/cluster/snapshot_store.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/broker/cluster/store_contents.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_support.h"

namespace omni::cluster {
namespace {

namespace fs = std::filesystem;
using store::Family;
using testing::Contents;
using testing::OpenStore;

constexpr size_t kChunk = 4096;

omnibroker::v1::LogPosition At(uint64_t sequence) {
  omnibroker::v1::LogPosition position;
  position.set_sequence(sequence);
  position.set_id(absl::StrCat("b1@3/", sequence));
  return position;
}

class SnapshotStoreTest : public omni::testing::OneNatsServerTest {
 protected:
  void SetUp() override {
    OneNatsServerTest::SetUp();
    if (HasFatalFailure()) return;
    auto js = JetStream::Connect({.servers = servers_.Urls(), .timeout = std::chrono::seconds(2)});
    ASSERT_TRUE(js.ok()) << js.status();
    js_ = *std::move(js);
    auto snapshots = SnapshotStore::Open(*js_, 0, {}, kChunk);
    ASSERT_TRUE(snapshots.ok()) << snapshots.status();
    snapshots_ = *std::move(snapshots);
  }

  // A checkpoint of a store holding `conversations` conversations of 1 KB each, standing at
  // record `sequence` of its log: the directory it is in.
  fs::path Checkpoint(const std::string& name, int conversations, uint64_t sequence) {
    auto store = OpenStore(dir_.path() / name);
    rocksdb::WriteBatch batch;
    for (int i = 0; i < conversations; ++i) {
      store->Put(batch, Family::kConversations, absl::StrCat("c", i),
                 std::string_view(std::string(1024, static_cast<char>('a' + i % 26))));
    }
    store->Put(batch, Family::kMeta, kLogPositionKey, At(sequence));
    EXPECT_TRUE(store->Write(batch).ok());
    EXPECT_TRUE(store->SyncWal().ok());
    const fs::path copy = dir_.path() / (name + ".checkpoint");
    EXPECT_TRUE(store->Checkpoint(copy).ok());
    contents_[name] = Contents(*store);
    return copy;
  }

  // Publishes `data` on the snapshot stream's `subject` ("chunk" or "manifest") as another
  // writer (or a forger) would: its sequence (0 if refused).
  uint64_t PublishRaw(const std::string& subject, const std::string& data) {
    jsPubAck* ack = nullptr;
    if (js_Publish(&ack, js_->context(), absl::StrCat("OMNI.s.0.", subject).c_str(), data.data(),
                   static_cast<int>(data.size()), nullptr, nullptr) != NATS_OK) {
      return 0;
    }
    const uint64_t sequence = ack->Sequence;
    jsPubAck_Destroy(ack);
    return sequence;
  }

  std::unique_ptr<JetStream> js_;
  std::unique_ptr<SnapshotStore> snapshots_;
  std::map<std::string, std::map<std::string, std::string>> contents_;
};

TEST_F(SnapshotStoreTest, ASnapshotIsFetchedWholeAndOpensAsTheStoreItCopied) {
  EXPECT_TRUE(absl::IsNotFound(snapshots_->Latest().status()));
  const fs::path copy = Checkpoint("leader", 300, 41);
  auto put = snapshots_->Put(copy, At(41), "b1@3");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->position().sequence(), 41u);
  EXPECT_GT(put->bytes(), 0u);
  size_t chunks = 0;
  for (const auto& file : put->files()) chunks += file.chunk_sequences_size();
  EXPECT_GT(chunks, put->bytes() / kChunk) << "files span several chunks";

  auto latest = snapshots_->Latest();
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->SerializeAsString(), put->SerializeAsString());
  const fs::path restored = dir_.path() / "restored";
  ASSERT_TRUE(snapshots_->Fetch(*latest, restored).ok());
  auto store = OpenStore(restored);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Contents(*store), contents_["leader"]);
  EXPECT_EQ(StoredPosition(*store)->sequence(), 41u);
  // Into a directory that exists: refused, nothing overwritten.
  EXPECT_TRUE(absl::IsAlreadyExists(snapshots_->Fetch(*latest, restored)));
}

// An upload cut short (chunks, no manifest) is no snapshot: the newest is the one before it.
TEST_F(SnapshotStoreTest, AnUploadCutShortIsNoSnapshot) {
  auto first = snapshots_->Put(Checkpoint("first", 10, 5), At(5), "b1@3");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_GT(PublishRaw("chunk", std::string(kChunk, 'x')), 0u);
  ASSERT_GT(PublishRaw("chunk", "the rest never came"), 0u);
  auto latest = snapshots_->Latest();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->position().sequence(), 5u);
  EXPECT_TRUE(snapshots_->Fetch(*latest, dir_.path() / "restored").ok());
}

// A manifest whose chunks do not match it (another message, altered bytes, a name outside the
// directory) is refused as data loss, never restored.
TEST_F(SnapshotStoreTest, AManifestItsChunksDoNotMatchIsDataLoss) {
  auto put = snapshots_->Put(Checkpoint("leader", 50, 9), At(9), "b1@3");
  ASSERT_TRUE(put.ok()) << put.status();
  int attempt = 0;
  auto fetch = [&](const omnibroker::v1::SnapshotManifest& manifest) {
    return snapshots_->Fetch(manifest, dir_.path() / absl::StrCat("attempt-", ++attempt));
  };
  omnibroker::v1::SnapshotManifest altered = *put;
  altered.mutable_files(0)->set_sha256(std::string(32, '\0'));
  EXPECT_TRUE(absl::IsDataLoss(fetch(altered))) << fetch(altered);

  altered = *put;
  altered.mutable_files(0)->set_size(put->files(0).size() + 1);
  EXPECT_TRUE(absl::IsDataLoss(fetch(altered)));

  // A chunk that is another message of the stream (a manifest).
  const uint64_t manifest_message = PublishRaw("manifest", put->SerializeAsString());
  ASSERT_GT(manifest_message, 0u);
  altered = *put;
  altered.mutable_files(0)->set_chunk_sequences(0, manifest_message);
  EXPECT_TRUE(absl::IsDataLoss(fetch(altered)));

  altered = *put;
  altered.mutable_files(0)->set_name("../outside");
  EXPECT_TRUE(absl::IsDataLoss(fetch(altered)));
  EXPECT_FALSE(fs::exists(dir_.path() / "outside"));
}

// Dropping before the newest keeps it whole and drops the older ones, and any chunks of uploads
// cut short between them.
TEST_F(SnapshotStoreTest, DroppingBeforeTheNewestLeavesItWhole) {
  auto older = snapshots_->Put(Checkpoint("older", 20, 10), At(10), "b1@3");
  ASSERT_TRUE(older.ok());
  ASSERT_GT(PublishRaw("chunk", "cut short"), 0u);
  auto newer = snapshots_->Put(Checkpoint("newer", 40, 20), At(20), "b1@3");
  ASSERT_TRUE(newer.ok());
  ASSERT_TRUE(snapshots_->DropBefore(*newer).ok());
  EXPECT_TRUE(absl::IsNotFound(snapshots_->Fetch(*older, dir_.path() / "older-restored")));
  ASSERT_TRUE(snapshots_->Fetch(*newer, dir_.path() / "newer-restored").ok());
  auto store = OpenStore(dir_.path() / "newer-restored");
  EXPECT_EQ(Contents(*store), contents_["newer"]);
  EXPECT_EQ(snapshots_->Latest()->position().sequence(), 20u);
}

}  // namespace
}  // namespace omni::cluster
