// LogLeader: a partition's writes as its leader makes them: the store's replication
// (Store::SetReplication). Every batch the store writes passes through Stage: its writes join the record being gathered, and that
// record's log position is written with them, in the same batch, to the leader's own store (as a
// follower writes it: cluster/log_follower.h). Flush appends the gathered records in order, each
// expecting the one before it at the log's end, and returns once the quorum holds them all: what
// the broker acknowledges waits for it, as it waits for a WAL sync without a cluster.
//
// A leader whose append is refused because the log moved on (another leader appended:
// FAILED_PRECONDITION) is fenced off: it refuses every write from then on and must stop serving
// the partition; its store holds writes the log does not, and Take refuses it until it is
// rebuilt. An append that timed out (UNAVAILABLE) stays queued and is repeated, with its id, at
// the next Flush: the log stores it once.
//
// Stage runs on the store's writing thread, Flush on one other thread (the group commit's, through
// Store::SyncWal; Store::Recover's after a failed flush).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "broker/cluster/partition_log.h"
#include "broker/store/store.h"
#include "omnibroker/v1/cluster.pb.h"

namespace omni::cluster {

class LogLeader : public store::Replication {
 public:
  // Takes the partition's writing over with `store`, which must stand exactly at the log's end:
  // FAILED_PRECONDITION when it is behind (a follower catches up first: LogFollower), DATA_LOSS
  // when it holds a record the log does not (its leader was fenced off, or died before the
  // append: the store is rebuilt from a snapshot and the log). The log's last record is applied
  // once more (the same writes again change nothing, and a machine that died may have lost the
  // end of it). Then an empty record marks the new leadership in the log, so that a deposed
  // leader's late append is refused from then on. `writer` names this leadership in the records'
  // ids: the broker id and its lease's epoch.
  static absl::StatusOr<std::unique_ptr<LogLeader>> Take(PartitionLog& log, store::Store& store,
                                                         std::string writer);

  // Adds `batch` to the record being gathered and the record's position to `batch`.
  // FAILED_PRECONDITION once the leader is fenced off.
  absl::Status Stage(rocksdb::WriteBatch& batch) override;
  // Appends the records gathered so far (the one being gathered is closed: later batches start
  // the next) and returns once the quorum holds them. FAILED_PRECONDITION: fenced off.
  absl::Status Flush() override;

  // The newest record the quorum holds.
  uint64_t appended() const;
  bool fenced() const;

 private:
  struct Record {
    uint64_t sequence = 0;
    std::string id;
    omnibroker::v1::LogBatch writes;
  };
  LogLeader(PartitionLog& log, const store::Store& store, std::string writer, uint64_t appended)
      : log_(log), store_(store), writer_(std::move(writer)), appended_(appended) {}

  PartitionLog& log_;
  const store::Store& store_;
  const std::string writer_;
  mutable std::mutex mu_;
  std::deque<Record> unacked_;  // in log order; the back one is open while `gathering_`
  bool gathering_ = false;
  uint64_t appended_;
  bool fenced_ = false;
};

}  // namespace omni::cluster
