// Snapshots (docs/cluster.md): a leader copies each partition it leads into the engine every so
// many records, and trims the log behind the snapshot before the newest (the newest's own record
// is kept: a store restored from it applies that record again); a store that is new, or that the
// log was trimmed past, starts from the newest snapshot.
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "broker/partitions/partitions.h"

namespace omni::partitions {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// How often the snapshot thread looks whether a partition is due.
constexpr auto kSnapshotLook = 1s;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

absl::StatusOr<std::optional<omnibroker::v1::SnapshotManifest>> Partitions::SnapshotToRestore(
    int index, const cluster::PartitionLog& log,
    const omnibroker::v1::LogPosition& position) const {
  const cluster::PartitionLogOptions where{.prefix = options_.cluster.prefix,
                                           .replicas = options_.cluster.replicas};
  if (position.sequence() > 0) {
    OMNI_ASSIGN_OR_RETURN(const cluster::LogBounds bounds, log.Bounds());
    if (bounds.first == 0 || bounds.first <= position.sequence() + 1) return std::nullopt;
  } else if (!position.id().empty()) {
    return std::nullopt;  // restored from a snapshot taken before the log's first record
  }
  OMNI_ASSIGN_OR_RETURN(auto snapshots, cluster::SnapshotStore::Open(*js_, index, where));
  auto latest = snapshots->Latest();
  if (absl::IsNotFound(latest.status())) {
    if (position.sequence() == 0) return std::nullopt;  // the log holds it all
    return absl::FailedPreconditionError(absl::StrCat(
        "cluster: ", log.stream(), " was trimmed past record ", position.sequence() + 1,
        " and ", snapshots->stream(), " holds no snapshot"));
  }
  OMNI_RETURN_IF_ERROR(latest.status());
  return *std::move(latest);
}

absl::Status Partitions::RestoreSnapshot(int index,
                                         const omnibroker::v1::SnapshotManifest& manifest,
                                         std::unique_ptr<store::Store>& store,
                                         bool set_aside) const {
  const auto started = std::chrono::steady_clock::now();
  const fs::path dir = Dir(options_.data_dir, index);
  const fs::path restoring(dir.string() + ".restoring");
  const fs::path aside(dir.string() + ".replaced");
  std::error_code error;
  fs::remove_all(restoring, error);
  OMNI_ASSIGN_OR_RETURN(auto snapshots,
                        cluster::SnapshotStore::Open(*js_, index,
                                                     {.prefix = options_.cluster.prefix,
                                                      .replicas = options_.cluster.replicas}));
  OMNI_RETURN_IF_ERROR(snapshots->Fetch(manifest, restoring));
  // Swapped by renames: a broker killed in between finds no store, or the snapshot's, and
  // restores again.
  store.reset();
  fs::remove_all(aside, error);
  if (set_aside) {
    fs::rename(dir, aside, error);
  } else {
    fs::remove_all(dir, error);
  }
  if (!error) fs::rename(restoring, dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("restoring ", dir.string(), " from ",
                                               snapshots->stream(), ": ", error.message()));
  }
  store::StoreOptions store_options = options_.store;
  store_options.dir = dir;
  OMNI_ASSIGN_OR_RETURN(store, store::Store::Open(store_options));
  LogInfo("partitions",
          absl::StrCat("partition ", index, ": restored from the snapshot at record ",
                       manifest.position().sequence(), " (", manifest.bytes(), " bytes, taken by ",
                       manifest.taken_by(), ") in ", SecondsSince(started), " s",
                       set_aside ? absl::StrCat("; the store it replaced is kept as ", aside.string())
                                 : ""));
  return absl::OkStatus();
}

absl::StatusOr<omnibroker::v1::SnapshotManifest> Partitions::TakeSnapshot(
    int index, store::Store& store, const cluster::LogLeader* leader,
    const std::string& taken_by) const {
  const fs::path copy(Dir(options_.data_dir, index).string() + ".snapshot");
  std::error_code error;
  fs::remove_all(copy, error);
  OMNI_RETURN_IF_ERROR(store.Checkpoint(copy).status());
  // Dropped however this ends.
  struct Remove {
    const fs::path& dir;
    ~Remove() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } remove{copy};
  // Where the copy stands: the record being gathered when it was taken.
  omnibroker::v1::LogPosition position;
  {
    store::StoreOptions copy_options = options_.store;
    copy_options.dir = copy;
    copy_options.write_latency = copy_options.sync_latency = nullptr;
    copy_options.write_fault = nullptr;
    OMNI_ASSIGN_OR_RETURN(auto opened, store::Store::Open(copy_options));
    OMNI_ASSIGN_OR_RETURN(position, cluster::StoredPosition(*opened));
    if (position.sequence() == 0) {
      // Taken before the log's first record (Lead): marked, so that a store restored from it is
      // known to stand before the log's start, not to be a new store waiting for a snapshot.
      position.set_id(absl::StrCat("before the log: ", taken_by));
      rocksdb::WriteBatch mark;
      opened->Put(mark, store::Family::kMeta, cluster::kLogPositionKey, position);
      OMNI_RETURN_IF_ERROR(opened->Write(mark));
      OMNI_RETURN_IF_ERROR(opened->SyncWal());
    }
  }
  // That record must be in the log before the copy is published, or a store restored from it
  // would hold a write the log may never take.
  const auto deadline = std::chrono::steady_clock::now() + options_.cluster.lease_ttl;
  while (leader != nullptr && leader->appended() < position.sequence()) {
    if (leader->fenced()) return absl::AbortedError("cluster: fenced off while snapshotting");
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::UnavailableError(absl::StrCat("cluster: record ", position.sequence(),
                                                 " not in the log in time for a snapshot"));
    }
    std::this_thread::sleep_for(10ms);
  }
  OMNI_ASSIGN_OR_RETURN(auto snapshots,
                        cluster::SnapshotStore::Open(*js_, index,
                                                     {.prefix = options_.cluster.prefix,
                                                      .replicas = options_.cluster.replicas}));
  return snapshots->Put(copy, position, taken_by);
}

bool Partitions::Stopping() {
  std::lock_guard lock(renewer_mu_);
  return renewer_stopping_;
}

void Partitions::SnapshotLedPartitions() {
  std::map<int, SnapshotState> states;
  std::unique_lock lock(renewer_mu_);
  while (true) {
    renewer_wake_.wait_for(lock, kSnapshotLook, [this] { return renewer_stopping_; });
    if (renewer_stopping_) return;
    lock.unlock();
    // A partition's store, leader and log live until Stop, which joins this thread first.
    struct Led {
      int index;
      store::Store* store;
      cluster::LogLeader* leader;
      cluster::PartitionLog* log;
      std::string taken_by;
    };
    std::vector<Led> led;
    {
      std::shared_lock partitions(mu_);
      std::lock_guard lease(lease_mu_);
      for (auto& partition : opened_) {
        if (!partition.lease || partition.leader->fenced()) continue;
        led.push_back({partition.index, partition.store.get(), partition.leader.get(),
                       partition.log.get(),
                       absl::StrCat(options_.cluster.broker_id, "@", partition.lease->epoch)});
      }
    }
    for (const Led& partition : led) {
      if (Stopping()) break;
      SnapshotIfDue(partition.index, *partition.store, *partition.leader, *partition.log,
                    partition.taken_by, states[partition.index]);
    }
    lock.lock();
  }
}

void Partitions::SnapshotIfDue(int index, store::Store& store, const cluster::LogLeader& leader,
                               cluster::PartitionLog& log, const std::string& taken_by,
                               SnapshotState& state) {
  auto failed = [index](const absl::Status& status) {
    LogWarning("partitions", absl::StrCat("partition ", index, ": snapshot: ", status.message()));
  };
  std::optional<omnibroker::v1::SnapshotManifest> newest;
  if (!state.snapshots) {
    auto opened = cluster::SnapshotStore::Open(*js_, index,
                                               {.prefix = options_.cluster.prefix,
                                                .replicas = options_.cluster.replicas});
    if (!opened.ok()) return failed(opened.status());
    auto latest = (*opened)->Latest();
    if (!latest.ok() && !absl::IsNotFound(latest.status())) return failed(latest.status());
    state.snapshots = *std::move(opened);
    state.position = latest.ok() ? latest->position().sequence() : 0;
    state.at = std::chrono::steady_clock::now();
  }
  const uint64_t since = leader.appended() > state.position ? leader.appended() - state.position : 0;
  if (since == 0) return;
  if (since < options_.cluster.snapshot_records &&
      std::chrono::steady_clock::now() - state.at < options_.cluster.snapshot_interval) {
    return;
  }
  auto previous = state.snapshots->Latest();
  if (!previous.ok() && !absl::IsNotFound(previous.status())) return failed(previous.status());
  const auto started = std::chrono::steady_clock::now();
  auto taken = TakeSnapshot(index, store, &leader, taken_by);
  if (!taken.ok()) {
    state.at = std::chrono::steady_clock::now();  // tried again after the interval, or records
    return failed(taken.status());
  }
  state.position = taken->position().sequence();
  state.at = std::chrono::steady_clock::now();
  std::string trimmed = "the log is kept whole (no snapshot before it)";
  // Kept: this snapshot and the one before (a broker may be fetching it), and the log from the
  // one before's record on. Dropped: what is older.
  if (previous.ok()) {
    if (auto dropped = state.snapshots->DropBefore(*previous); !dropped.ok()) failed(dropped);
    if (auto cut = log.TrimBefore(previous->position().sequence()); !cut.ok()) {
      failed(cut);
    } else {
      trimmed = absl::StrCat("the log trimmed before record ", previous->position().sequence());
    }
  }
  LogInfo("partitions", absl::StrCat("partition ", index, ": snapshot at record ",
                                     state.position, " (", taken->bytes(), " bytes in ",
                                     taken->files_size(), " files) in ", SecondsSince(started),
                                     " s; ", trimmed));
}

}  // namespace omni::partitions
