#include "broker/cluster/log_follower.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "broker/cluster/log_batch.h"

namespace omni::cluster {

absl::StatusOr<omnibroker::v1::LogPosition> StoredPosition(const store::Store& store) {
  omnibroker::v1::LogPosition position;
  OMNI_ASSIGN_OR_RETURN(const bool found, store.Get(store::Family::kMeta, kLogPositionKey, position));
  if (!found) position.Clear();
  return position;
}

absl::Status AheadOfLog(const omnibroker::v1::LogPosition& position, std::string_view why) {
  return absl::DataLossError(absl::StrCat(
      "cluster: the store holds record ", position.sequence(), " (", position.id(), ") ",
      std::string(why), ": it holds writes the log does not, and must be rebuilt from the log"));
}

absl::StatusOr<LogFollower> LogFollower::Open(PartitionLog& log, store::Store& store) {
  OMNI_ASSIGN_OR_RETURN(auto position, StoredPosition(store));
  // A store written without syncing each record (a leader's, whose durability is the quorum's)
  // may have lost the end of the record it stands at when its machine died: applied once more,
  // the same writes change nothing else. Unless the log was trimmed past it (then CatchUp says).
  // A store whose record is not the log's must not apply the log's next ones on top of it.
  if (position.sequence() > 0) {
    auto record = log.Read(position.sequence());
    if (record.ok()) {
      if (record->id != position.id()) {
        return AheadOfLog(position, absl::StrCat("where ", log.stream(), " has ", record->id));
      }
      rocksdb::WriteBatch again;
      OMNI_RETURN_IF_ERROR(DecodeBatch(store, record->data, again));
      OMNI_RETURN_IF_ERROR(store.Write(again));
    } else if (absl::IsNotFound(record.status())) {
      OMNI_ASSIGN_OR_RETURN(const LogBounds bounds, log.Bounds());
      if (position.sequence() > bounds.last) {
        return AheadOfLog(position, absl::StrCat("and ", log.stream(), " ends at ", bounds.last));
      }
      // Trimmed behind a snapshot: CatchUp says so.
    } else {
      return record.status();
    }
  }
  return LogFollower(log, store, std::move(position));
}

absl::StatusOr<int> LogFollower::CatchUp(int max_records) {
  OMNI_ASSIGN_OR_RETURN(const LogBounds bounds, log_->Bounds());
  const uint64_t next = position_.sequence() + 1;
  if (bounds.last < next) return 0;
  if (bounds.first > next) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cluster: ", log_->stream(), " holds records from ", bounds.first, " on, and this store ",
        "stands at ", position_.sequence(), ": it must be restored from a snapshot"));
  }
  const uint64_t last = std::min<uint64_t>(bounds.last, position_.sequence() + max_records);
  int applied = 0;
  for (uint64_t sequence = next; sequence <= last; ++sequence) {
    OMNI_ASSIGN_OR_RETURN(const LogRecord record, log_->Read(sequence));
    rocksdb::WriteBatch batch;
    if (absl::Status decoded = DecodeBatch(*store_, record.data, batch); !decoded.ok()) {
      return absl::DataLossError(absl::StrCat("cluster: record ", sequence, " of ",
                                              log_->stream(), ": ", decoded.message()));
    }
    omnibroker::v1::LogPosition position;
    position.set_sequence(sequence);
    position.set_id(record.id);
    store_->Put(batch, store::Family::kMeta, kLogPositionKey, position);
    OMNI_RETURN_IF_ERROR(store_->Write(batch));
    position_ = std::move(position);
    ++applied;
  }
  if (applied > 0) OMNI_RETURN_IF_ERROR(store_->SyncWal());
  return applied;
}

}  // namespace omni::cluster
