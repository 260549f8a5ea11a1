#include "broker/cluster/log_leader.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "broker/cluster/log_batch.h"
#include "broker/cluster/log_follower.h"

namespace omni::cluster {

absl::StatusOr<std::unique_ptr<LogLeader>> LogLeader::Take(PartitionLog& log, store::Store& store,
                                                           std::string writer) {
  OMNI_ASSIGN_OR_RETURN(omnibroker::v1::LogPosition position, StoredPosition(store));
  OMNI_ASSIGN_OR_RETURN(const LogBounds bounds, log.Bounds());
  if (position.sequence() < bounds.last) {
    return absl::FailedPreconditionError(
        absl::StrCat("cluster: the store stands at ", position.sequence(), " and ", log.stream(),
                     " ends at ", bounds.last, ": catch up before leading"));
  }
  if (position.sequence() > bounds.last) {
    return AheadOfLog(position, absl::StrCat("and ", log.stream(), " ends at ", bounds.last));
  }
  if (position.sequence() > 0) {
    OMNI_ASSIGN_OR_RETURN(const LogRecord last, log.Read(position.sequence()));
    if (last.id != position.id()) {
      return AheadOfLog(position, absl::StrCat("where ", log.stream(), " has ", last.id));
    }
    rocksdb::WriteBatch again;
    OMNI_RETURN_IF_ERROR(DecodeBatch(store, last.data, again));
    OMNI_RETURN_IF_ERROR(store.Write(again));
  }
  // The leadership's first record, appended before anything is written: a deposed leader's append
  // still on its way (its process cut off from the engine, its retry coming later) expects the
  // log to end where it was, and is refused from now on, rather than landing first and fencing
  // this leader off at its first write.
  const std::string mark_id = absl::StrCat(writer, "/", position.sequence() + 1);
  OMNI_ASSIGN_OR_RETURN(const uint64_t mark,
                        log.Append(mark_id, omnibroker::v1::LogBatch().SerializeAsString(),
                                   position.sequence()));
  position.set_sequence(mark);
  position.set_id(mark_id);
  rocksdb::WriteBatch marked;
  store.Put(marked, store::Family::kMeta, kLogPositionKey, position);
  OMNI_RETURN_IF_ERROR(store.Write(marked));
  return std::unique_ptr<LogLeader>(
      new LogLeader(log, store, std::move(writer), position.sequence()));
}

absl::Status LogLeader::Stage(rocksdb::WriteBatch& batch) {
  omnibroker::v1::LogBatch writes;
  OMNI_RETURN_IF_ERROR(AddToRecord(store_, batch, writes));
  std::lock_guard lock(mu_);
  if (fenced_) {
    return absl::FailedPreconditionError(
        absl::StrCat("cluster: ", writer_, " no longer leads ", log_.stream()));
  }
  if (!gathering_) {
    const uint64_t sequence = (unacked_.empty() ? appended_ : unacked_.back().sequence) + 1;
    unacked_.push_back({.sequence = sequence, .id = absl::StrCat(writer_, "/", sequence)});
    gathering_ = true;
  }
  Record& record = unacked_.back();
  record.writes.MergeFrom(writes);
  omnibroker::v1::LogPosition position;
  position.set_sequence(record.sequence);
  position.set_id(record.id);
  store_.Put(batch, store::Family::kMeta, kLogPositionKey, position);
  return absl::OkStatus();
}

absl::Status LogLeader::Flush() {
  std::deque<Record> to_append;
  {
    std::lock_guard lock(mu_);
    gathering_ = false;
    // Copies: Stage may add the next records meanwhile; these leave the queue once appended.
    to_append = unacked_;
  }
  for (const Record& record : to_append) {
    auto sequence = log_.Append(record.id, record.writes.SerializeAsString(), record.sequence - 1);
    if (absl::IsFailedPrecondition(sequence.status())) {
      std::lock_guard lock(mu_);
      fenced_ = true;
      return absl::FailedPreconditionError(
          absl::StrCat("cluster: ", writer_, " is fenced off: ", sequence.status().message()));
    }
    OMNI_RETURN_IF_ERROR(sequence.status());
    if (*sequence != record.sequence) {
      return absl::InternalError(absl::StrCat("cluster: record ", record.id, " was appended at ",
                                              *sequence, ", not ", record.sequence));
    }
    std::lock_guard lock(mu_);
    unacked_.pop_front();
    appended_ = record.sequence;
  }
  return absl::OkStatus();
}

uint64_t LogLeader::appended() const {
  std::lock_guard lock(mu_);
  return appended_;
}

bool LogLeader::fenced() const {
  std::lock_guard lock(mu_);
  return fenced_;
}

}  // namespace omni::cluster
