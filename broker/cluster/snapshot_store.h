// SnapshotStore: a partition's snapshots in NATS JetStream (docs/cluster.md, Snapshots). A
// snapshot is a copy of the partition's store (a RocksDB checkpoint) standing at a record of its
// log, so the log can be trimmed behind it, and a broker whose store is missing, or fell behind
// the trim, starts from the newest snapshot and the log after it.
//
// One stream per partition, `<prefix>_S<n>`, replicated as its log: each file's bytes as chunk
// messages on `<prefix>.s.<n>.chunk` (at most `chunk_bytes` each), then the manifest on
// `<prefix>.s.<n>.manifest` naming the position and each file's size, SHA-256 and chunks
// (proto/omnibroker/v1/snapshot.proto). A snapshot exists once its manifest does: an upload cut
// short leaves chunks no manifest names, dropped with the snapshots before the one kept. This is
// the layout of JetStream's object store on a plain stream, as Debian's libnats (3.4) has no
// object store API.
//
// Thread-safe, as JetStream is; one writer per partition (its leader) at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "broker/cluster/jetstream.h"
#include "broker/cluster/partition_log.h"
#include "omnibroker/v1/snapshot.pb.h"

namespace omni::cluster {

class SnapshotStore {
 public:
  // Partition `partition`'s snapshots: their stream created if it does not exist, with the
  // prefix and replicas of `options` (the partition's log's).
  static absl::StatusOr<std::unique_ptr<SnapshotStore>> Open(JetStream& js, int partition,
                                                             const PartitionLogOptions& options,
                                                             size_t chunk_bytes = 512 * 1024);

  const std::string& stream() const { return stream_; }

  // Uploads every file of `dir` (a checkpoint of a store standing at `position`), then its
  // manifest, and returns the manifest once the quorum holds all of it.
  absl::StatusOr<omnibroker::v1::SnapshotManifest> Put(const std::filesystem::path& dir,
                                                       const omnibroker::v1::LogPosition& position,
                                                       const std::string& taken_by);
  // The newest snapshot; NOT_FOUND when there is none.
  absl::StatusOr<omnibroker::v1::SnapshotManifest> Latest() const;
  // Writes `manifest`'s files into `dir` (created; it must not exist), each checked against its
  // size and SHA-256: DATA_LOSS on a mismatch, NOT_FOUND when its chunks were dropped meanwhile
  // (a newer snapshot replaced it: fetch that one). On an error `dir` may hold part of it.
  absl::Status Fetch(const omnibroker::v1::SnapshotManifest& manifest,
                     const std::filesystem::path& dir) const;
  // Drops every message of the stream before `kept`'s first chunk: the snapshots before it and
  // the chunks of uploads cut short.
  absl::Status DropBefore(const omnibroker::v1::SnapshotManifest& kept);

 private:
  SnapshotStore(JetStream& js, std::string stream, std::string chunk_subject,
                std::string manifest_subject, size_t chunk_bytes)
      : js_(js),
        stream_(std::move(stream)),
        chunk_subject_(std::move(chunk_subject)),
        manifest_subject_(std::move(manifest_subject)),
        chunk_bytes_(chunk_bytes) {}

  // Publishes `data` on `subject` and returns its sequence once the quorum holds it.
  absl::StatusOr<uint64_t> Publish(const std::string& subject, std::string_view data);

  JetStream& js_;
  const std::string stream_;
  const std::string chunk_subject_;
  const std::string manifest_subject_;
  const size_t chunk_bytes_;
};

}  // namespace omni::cluster
