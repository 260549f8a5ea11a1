// LogFollower: a partition's store kept as its log applied. Each record is applied in one write
// batch together with the log position it brings the store to (meta key `cluster_position`), so
// a store killed at any point restarts exactly after the last record it holds, never applying one
// twice or skipping one.
//
// A follower catches up to the log's end before it may lead; a leader's own writes carry the same
// position (the leader writer is the cluster's next step, docs/cluster.md).
//
// Not thread-safe: one thread applies.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "broker/cluster/partition_log.h"
#include "broker/store/store.h"
#include "omnibroker/v1/cluster.pb.h"

namespace omni::cluster {

// The store's meta key holding its LogPosition.
inline constexpr char kLogPositionKey[] = "cluster_position";

// The store's position in its log: sequence 0 when it never applied a record.
absl::StatusOr<omnibroker::v1::LogPosition> StoredPosition(const store::Store& store);

// DATA_LOSS: a store at `position` holds writes its log does not (`why`): its leader wrote them
// and died, or was deposed, before the log took them. Nothing acknowledged is among them (the
// log holds all of that); the store must be rebuilt from the log (and a snapshot, once trimmed).
absl::Status AheadOfLog(const omnibroker::v1::LogPosition& position, std::string_view why);

class LogFollower {
 public:
  // Reads where `store` stands. DATA_LOSS (AheadOfLog) when the log does not hold the record the
  // store stands at: the store must be rebuilt.
  static absl::StatusOr<LogFollower> Open(PartitionLog& log, store::Store& store);

  // Applies the records after the store's position, up to the log's end as it is now (at most
  // `max_records`), and syncs the store once at the end. How many it applied. FAILED_PRECONDITION
  // when the log no longer holds the next record (trimmed behind a snapshot: the store must be
  // restored from one); DATA_LOSS when a record cannot be applied (the store stays before it).
  absl::StatusOr<int> CatchUp(int max_records = 10'000);

  const omnibroker::v1::LogPosition& position() const { return position_; }

 private:
  LogFollower(PartitionLog& log, store::Store& store, omnibroker::v1::LogPosition position)
      : log_(&log), store_(&store), position_(std::move(position)) {}

  PartitionLog* log_;
  store::Store* store_;
  omnibroker::v1::LogPosition position_;
};

}  // namespace omni::cluster
