// Hot standbys (docs/cluster.md): while another broker leads a partition, this broker keeps its
// own store of the partition as the partition's log applied, on the follower thread, so that when
// it takes the partition over only the records of the last moments are left to apply. And what
// Admin.GetClusterStatus shows of the partitions, led and followed.
#include <chrono>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "broker/partitions/partitions.h"

namespace omni::partitions {
namespace {

using namespace std::chrono_literals;

// How long the follower waits after a round that found nothing new: the lag of a quiet standby.
constexpr auto kFollowIdle = 100ms;
// Records applied to one store per round, so one busy partition does not hold up the others (or
// a takeover waiting for warm_mu_) for long.
constexpr int kRecordsPerRound = 1000;

}  // namespace

void Partitions::FollowStandbys() {
  std::unique_lock lock(renewer_mu_);
  while (!renewer_stopping_) {
    lock.unlock();
    const int applied = FollowOnce();
    lock.lock();
    if (applied == 0) {
      renewer_wake_.wait_for(lock, kFollowIdle, [this] { return renewer_stopping_; });
    }
  }
}

int Partitions::FollowOnce() {
  std::vector<int> standby;
  {
    std::shared_lock lock(mu_);
    for (const auto& [index, leader] : standby_) standby.push_back(index);
  }
  std::lock_guard lock(warm_mu_);
  int applied = 0;
  for (int index : standby) {
    // Tried again next round; a lasting failure is logged once.
    auto failed = [&](const absl::Status& status) {
      std::string& last = follow_problems_[index];
      if (last == status.message()) return;
      last = std::string(status.message());
      LogWarning("partitions", absl::StrCat("partition ", index, " (standing by): cannot follow "
                                            "its log: ", last));
    };
    auto it = warm_.find(index);
    if (it == warm_.end()) {
      auto opened = OpenWarm(index);
      if (!opened.ok()) {
        failed(opened.status());
        continue;
      }
      it = warm_.emplace(index, *std::move(opened)).first;
      LogInfo("partitions", absl::StrCat("partition ", index, ": its store follows the log from "
                                         "record ", it->second.follower->position().sequence(),
                                         " while standing by"));
    }
    // A new store waits for the log's first record before it applies anything: if the leader
    // published a snapshot before it (the log's first leader, which ran alone: Lead), the store
    // starts from the snapshot.
    if (it->second.follower->position().sequence() == 0) {
      auto bounds = it->second.log->Bounds();
      if (!bounds.ok()) {
        failed(bounds.status());
        continue;
      }
      if (bounds->last == 0) continue;
      auto snapshot = SnapshotToRestore(index, *it->second.log, it->second.follower->position());
      if (!snapshot.ok()) {
        failed(snapshot.status());
        continue;
      }
      if (snapshot->has_value()) {
        warm_.erase(it);  // opened again, and restored, next round
        continue;
      }
    }
    auto caught_up = it->second.follower->CatchUp(kRecordsPerRound);
    if (absl::IsFailedPrecondition(caught_up.status())) {
      // The log was trimmed past this store (it stood by slower than the leader snapshots):
      // opened again, from the newest snapshot, next round.
      LogInfo("partitions", absl::StrCat("partition ", index, " (standing by): ",
                                         caught_up.status().message()));
      warm_.erase(it);
      continue;
    }
    if (!caught_up.ok()) {
      failed(caught_up.status());
      continue;
    }
    follow_problems_.erase(index);
    applied += *caught_up;
  }
  return applied;
}

absl::StatusOr<Partitions::WarmStore> Partitions::OpenWarm(int index) const {
  WarmStore warm;
  OMNI_ASSIGN_OR_RETURN(warm.log, cluster::PartitionLog::Open(
                                      *js_, index,
                                      {.prefix = options_.cluster.prefix,
                                       .replicas = options_.cluster.replicas}));
  store::StoreOptions store_options = options_.store;
  store_options.dir = Dir(options_.data_dir, index);
  OMNI_ASSIGN_OR_RETURN(warm.store, store::Store::Open(store_options));
  OMNI_ASSIGN_OR_RETURN(cluster::LogFollower follower,
                        FollowerFor(index, *warm.log, warm.store));
  warm.follower.emplace(std::move(follower));
  return warm;
}

std::unique_ptr<store::Store> Partitions::TakeWarm(int index) {
  auto it = warm_.find(index);
  if (it == warm_.end()) return nullptr;
  it->second.follower.reset();
  std::unique_ptr<store::Store> store = std::move(it->second.store);
  warm_.erase(it);
  return store;
}

omnibroker::v1::ClusterStatus Partitions::ClusterStatus() {
  using omnibroker::v1::PartitionStatus;
  omnibroker::v1::ClusterStatus out;
  out.set_broker_id(options_.cluster.broker_id);
  std::map<int, PartitionStatus> by_index;
  for (const auto& [tenant, policy] : options_.tenants) {
    *by_index[options_.map.Of(tenant)].add_tenants() = tenant;
  }
  // The log's end, or why it cannot be read.
  auto read_log_end = [](PartitionStatus& status, const cluster::PartitionLog& log) {
    if (auto bounds = log.Bounds(); bounds.ok()) {
      status.set_log_last(bounds->last);
    } else {
      status.set_problem(std::string(bounds.status().message()));
    }
  };
  std::set<int> shown;
  // Asked of the engine once mu_ is let go: the front and the gRPC threads take it for every
  // frame and call, and a writer waiting behind a slow answer would stop them all. A partition's
  // log lives until Stop.
  std::map<int, const cluster::PartitionLog*> led_logs;
  {
    std::shared_lock lock(mu_);
    for (const Partition& partition : opened_) {
      PartitionStatus& status = by_index[partition.index];
      shown.insert(partition.index);
      status.set_partition(partition.index);
      if (!options_.cluster.enabled()) {
        status.set_role(PartitionStatus::ROLE_ALONE);
        continue;
      }
      status.set_role(PartitionStatus::ROLE_LEADING);
      status.set_leader(options_.cluster.broker_id);
      status.set_leader_grpc_address(options_.cluster.grpc_address);
      {
        std::lock_guard lease(lease_mu_);
        if (partition.lease) {
          status.set_epoch(partition.lease->epoch);
        } else {
          status.set_problem("its lease was lost: another broker may lead it now");
        }
      }
      status.set_applied(partition.leader->appended());
      led_logs[partition.index] = partition.log.get();
    }
    for (const auto& [index, leader] : standby_) {
      PartitionStatus& status = by_index[index];
      shown.insert(index);
      status.set_partition(index);
      status.set_role(PartitionStatus::ROLE_STANDING_BY);
      status.set_leader(leader.broker());
      status.set_leader_grpc_address(leader.grpc_address());
    }
  }
  for (const auto& [index, log] : led_logs) read_log_end(by_index[index], *log);
  for (auto& [index, status] : by_index) {
    if (status.role() != PartitionStatus::ROLE_STANDING_BY) continue;
    if (auto holder = leases_->Holder(index); holder.ok()) status.set_epoch(holder->epoch);
  }
  {
    std::lock_guard lock(warm_mu_);
    for (auto& [index, warm] : warm_) {
      if (!by_index.contains(index)) continue;
      PartitionStatus& status = by_index[index];
      status.set_applied(warm.follower->position().sequence());
      read_log_end(status, *warm.log);
    }
    for (const auto& [index, problem] : follow_problems_) {
      if (by_index.contains(index)) by_index[index].set_problem(problem);
    }
  }
  for (auto& [index, status] : by_index) {
    if (shown.contains(index)) *out.add_partitions() = std::move(status);
  }
  return out;
}

}  // namespace omni::partitions
