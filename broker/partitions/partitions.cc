#include "broker/partitions/partitions.h"

#include <algorithm>
#include <future>
#include <mutex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/thread_name.h"
#include "base/status_macros.h"
#include "broker/cluster/log_follower.h"
#include "broker/core/meta_keys.h"
#include "base/tenant_name.h"

namespace omni::partitions {

namespace fs = std::filesystem;
using store::Family;

namespace {

// data_dir/store, written by a broker before partitions: all of it the default tenant's.
absl::Status MigrateSingleStore(const fs::path& data_dir, const fs::path& home) {
  const fs::path legacy = data_dir / "store";
  std::error_code error;
  if (!fs::exists(legacy, error)) return absl::OkStatus();
  if (fs::exists(home, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "both ", legacy.string(), " (a store from before partitions) and ", home.string(),
        " exist; keep the one to serve and move the other away"));
  }
  fs::create_directories(home.parent_path(), error);
  fs::rename(legacy, home, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("moving ", legacy.string(), " to ", home.string(), ": ", error.message()));
  }
  LogInfo("partitions", absl::StrCat("the store from before partitions is now ", home.string(),
                                     ", the default tenant's partition"));
  return absl::OkStatus();
}

// The partitions with a directory under data_dir/partitions.
absl::StatusOr<std::set<int>> PartitionsOnDisk(const fs::path& data_dir, int count) {
  std::set<int> found;
  std::error_code error;
  const fs::path dir = data_dir / "partitions";
  if (!fs::exists(dir, error)) return found;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    int index;
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || !absl::SimpleAtoi(name, &index) || Partitions::Dir(data_dir, index) != entry.path()) {
      continue;  // not a partition's (an operator's file)
    }
    if (index < 0 || index >= count) {
      return absl::FailedPreconditionError(absl::StrCat(
          entry.path().string(), " holds partition ", index, ", but partitions.count is ", count,
          "; the count of a data directory cannot shrink"));
    }
    found.insert(index);
  }
  if (error) return absl::UnavailableError(absl::StrCat("reading ", dir.string(), ": ", error.message()));
  return found;
}

// The tenants whose data is in partition `index`'s store, with how they came to be served there
// (core/meta_keys.h); FAILED_PRECONDITION for one the map now gives another partition.
absl::StatusOr<std::map<std::string, std::string>> ReadHomes(store::Store& store, int index,
                                                             const PartitionMap& map) {
  std::map<std::string, std::string> homes;
  std::string moved;
  OMNI_RETURN_IF_ERROR(store.Scan(Family::kMeta, core::kTenantHomePrefix, false, std::nullopt,
                                  [&](std::string_view key, std::string_view value) {
                                    const auto tenant = key.substr(core::kTenantHomePrefix.size());
                                    if (map.Of(tenant) != index) {
                                      moved = std::string(tenant);
                                      return false;
                                    }
                                    homes.emplace(tenant, value);
                                    return true;
                                  }));
  if (!moved.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tenant '", moved, "' has its data in partition ", index, ", but the partition map now "
        "gives it partition ", map.Of(moved), " (partitions.count or partitions.assign changed); "
        "moving a tenant between partitions is not supported yet: restore the previous setting"));
  }
  return homes;
}

// Whether `store` holds a record beyond its meta family: it served a tenant (a store opened
// empty holds only its schema version).
bool HoldsRecords(const store::Store& store) {
  bool any = false;
  for (int f = 0; f < store::kFamilyCount && !any; ++f) {
    if (static_cast<Family>(f) == Family::kMeta) continue;
    const absl::Status scanned = store.Scan(static_cast<Family>(f), "", false, std::nullopt,
                                            [&](std::string_view, std::string_view) {
                                              any = true;
                                              return false;
                                            });
    if (!scanned.ok()) return true;  // unknown: kept, to be safe
  }
  return any;
}

// Answers per partition gathered into one: `done` with the first error, after the last answer.
struct Gather {
  Gather(int left, std::function<void(absl::Status)> done) : left(left), done(std::move(done)) {}
  void One(absl::Status s) {
    std::unique_lock lock(mu);
    if (!s.ok() && first_error.ok()) first_error = std::move(s);
    if (--left > 0) return;
    const absl::Status result = first_error;
    lock.unlock();
    done(result);
  }

  std::mutex mu;
  int left;
  absl::Status first_error;
  const std::function<void(absl::Status)> done;
};

}  // namespace

fs::path Partitions::Dir(const fs::path& data_dir, int index) {
  return data_dir / "partitions" / std::to_string(index);
}

absl::StatusOr<std::unique_ptr<Partitions>> Partitions::Open(PartitionsOptions options,
                                                             ingest::IngestFront& front,
                                                             const Clock& clock,
                                                             ops::BrokerMetrics& metrics) {
  const PartitionMap& map = options.map;
  OMNI_RETURN_IF_ERROR(map.Validate());
  OMNI_RETURN_IF_ERROR(
      MigrateSingleStore(options.data_dir, Dir(options.data_dir, map.Of(options.core.tenant))));
  OMNI_ASSIGN_OR_RETURN(std::set<int> indices, PartitionsOnDisk(options.data_dir, map.count));
  for (const auto& [tenant, policy] : options.tenants) indices.insert(map.Of(tenant));

  std::unique_ptr<Partitions> partitions(
      new Partitions(std::move(options), front, clock, metrics));
  if (const cluster::ClusterOptions& cluster = partitions->options_.cluster; cluster.enabled()) {
    OMNI_ASSIGN_OR_RETURN(partitions->js_, cluster::JetStream::Connect(
                                               {.servers = cluster.servers, .name = cluster.broker_id}));
    OMNI_ASSIGN_OR_RETURN(partitions->leases_,
                          cluster::PartitionLeases::Open(*partitions->js_,
                                                         {.prefix = cluster.prefix,
                                                          .replicas = cluster.replicas,
                                                          .ttl = cluster.lease_ttl}));
    // A partition whose log exists holds data, whatever this broker's disk holds.
    for (int index = 0; index < map.count; ++index) {
      OMNI_ASSIGN_OR_RETURN(const bool exists,
                            cluster::PartitionLog::Exists(*partitions->js_, index,
                                                          {.prefix = cluster.prefix}));
      if (exists) indices.insert(index);
    }
  }
  for (int index : indices) {
    if (partitions->leases_) {
      auto holder = partitions->leases_->Holder(index);
      if (holder.ok() && holder->value.broker() != partitions->options_.cluster.broker_id) {
        LogInfo("partitions", absl::StrCat("partition ", index, " is led by ",
                                           holder->value.broker(), " (epoch ", holder->epoch,
                                           "): standing by"));
        partitions->standby_[index] = holder->value;
        continue;
      }
      if (!holder.ok() && !absl::IsNotFound(holder.status())) return holder.status();
    }
    OMNI_ASSIGN_OR_RETURN(Partition partition, partitions->OpenPartition(index));
    partitions->Insert(std::move(partition));
  }
  return partitions;
}

absl::StatusOr<Partitions::Partition> Partitions::OpenPartition(
    int index, std::unique_ptr<store::Store> warm) const {
  std::unique_ptr<store::Store> store = std::move(warm);
  if (!store) {
    store::StoreOptions store_options = options_.store;
    store_options.dir = Dir(options_.data_dir, index);
    OMNI_ASSIGN_OR_RETURN(store, store::Store::Open(store_options));
  }
  Partition partition{.index = index};
  if (options_.cluster.enabled()) OMNI_RETURN_IF_ERROR(Lead(partition, store));
  OMNI_ASSIGN_OR_RETURN(const auto homes, ReadHomes(*store, index, options_.map));

  // Served here: the config file's tenants of this partition that Admin did not remove, and those
  // Admin added.
  core::BrokerCoreOptions core_options = options_.core;
  core_options.partition = index;
  core_options.tenants.clear();
  std::set<std::string> added_by_admin;
  rocksdb::WriteBatch first_homes;
  for (const auto& [tenant, policy] : options_.tenants) {
    if (options_.map.Of(tenant) != index) continue;
    const auto home = homes.find(tenant);
    if (home == homes.end()) {
      store->Put(first_homes, Family::kMeta, core::TenantHomeKey(tenant), core::kHomeFromConfig);
    } else if (home->second == core::kHomeRemoved) {
      LogWarning("partitions", absl::StrCat("tenant '", tenant, "' is in the config file but was "
                                            "removed through Admin; it is not served until Admin "
                                            "adds it again (omnictl tenant add ", tenant, ")"));
      continue;
    }
    core_options.tenants[tenant] = policy;
  }
  for (const auto& [tenant, how] : homes) {
    if (how != core::kHomeFromAdmin) continue;
    added_by_admin.insert(tenant);
    if (!core_options.tenants.contains(tenant)) {
      core_options.tenants[tenant] = routing::DefaultRoutingPolicy();
    }
  }
  if (first_homes.Count() > 0) {
    OMNI_RETURN_IF_ERROR(store->Write(first_homes));
    OMNI_RETURN_IF_ERROR(store->SyncWal());
  }

  std::vector<std::string> served;
  for (const auto& [tenant, policy] : core_options.tenants) served.push_back(tenant);
  partition.core = std::make_unique<core::BrokerCore>(front_, *store, clock_, metrics_,
                                                      std::move(core_options));
  partition.store = std::move(store);
  partition.served = std::move(served);
  partition.added_by_admin = std::move(added_by_admin);
  return partition;
}

absl::Status Partitions::Lead(Partition& partition, std::unique_ptr<store::Store>& store) const {
  const cluster::ClusterOptions& cluster = options_.cluster;
  OMNI_ASSIGN_OR_RETURN(partition.log,
                        cluster::PartitionLog::Open(*js_, partition.index,
                                                    {.prefix = cluster.prefix,
                                                     .replicas = cluster.replicas}));
  // What the log holds that the store does not (this broker's writes before its disk was lost,
  // or another broker's while it led the partition), applied before the lease is taken: a
  // restore or a long catch-up must not spend the lease's ttl.
  OMNI_ASSIGN_OR_RETURN(auto follower, FollowerFor(partition.index, *partition.log, store));
  int caught_up = 0;
  for (int applied = -1; applied != 0; caught_up += applied) {
    OMNI_ASSIGN_OR_RETURN(applied, follower.CatchUp());
  }
  omnibroker::v1::PartitionLease self;
  self.set_broker(cluster.broker_id);
  self.set_grpc_address(cluster.grpc_address);
  self.set_ingest_address(cluster.ingest_address);
  partition.lease_asked_at = std::chrono::steady_clock::now();
  OMNI_ASSIGN_OR_RETURN(partition.lease, leases_->Acquire(partition.index, self));
  // What the last leader appended meanwhile; and a store still new looks again for a snapshot
  // (a leader that died after its first snapshot and before its first record).
  if (follower.position().sequence() == 0) {
    OMNI_ASSIGN_OR_RETURN(follower, FollowerFor(partition.index, *partition.log, store));
  }
  for (int applied = -1; applied != 0; caught_up += applied) {
    OMNI_ASSIGN_OR_RETURN(applied, follower.CatchUp());
  }
  const std::string writer = absl::StrCat(cluster.broker_id, "@", partition.lease->epoch);
  // A log never written: what the store holds (a broker that ran alone joining a cluster) is in
  // no record of it, so a snapshot carries it to the brokers that will follow. It is published
  // before the log's first record, which a new follower waits for before it looks for one.
  OMNI_ASSIGN_OR_RETURN(const cluster::LogBounds bounds, partition.log->Bounds());
  if (bounds.last == 0) {
    OMNI_RETURN_IF_ERROR(TakeSnapshot(partition.index, *store, nullptr, writer).status());
    // The upload spent part of the lease's ttl: renewed before the lease is used.
    partition.lease_asked_at = std::chrono::steady_clock::now();
    OMNI_ASSIGN_OR_RETURN(partition.lease, leases_->Renew(*partition.lease));
  }
  OMNI_ASSIGN_OR_RETURN(partition.leader, cluster::LogLeader::Take(*partition.log, *store, writer));
  store->SetReplication(partition.leader.get());
  LogInfo("partitions",
          absl::StrCat("leads partition ", partition.index, " (epoch ", partition.lease->epoch,
                       ") from record ", partition.leader->appended(), " of ",
                       partition.log->stream(), ", ", caught_up, " applied from the log"));
  return absl::OkStatus();
}

absl::StatusOr<cluster::LogFollower> Partitions::FollowerFor(
    int index, cluster::PartitionLog& log, std::unique_ptr<store::Store>& store) const {
  auto follower = cluster::LogFollower::Open(log, *store);
  const bool diverged = absl::IsDataLoss(follower.status());
  if (diverged) {
    OMNI_RETURN_IF_ERROR(RebuildDiverged(index, follower.status(), store));
    follower = cluster::LogFollower::Open(log, *store);
  }
  OMNI_RETURN_IF_ERROR(follower.status());
  OMNI_ASSIGN_OR_RETURN(const auto snapshot, SnapshotToRestore(index, log, follower->position()));
  if (!snapshot) return follower;
  // A store that never applied a record may hold what this broker did alone: kept beside.
  OMNI_RETURN_IF_ERROR(RestoreSnapshot(
      index, *snapshot, store,
      !diverged && follower->position().sequence() == 0 && HoldsRecords(*store)));
  return cluster::LogFollower::Open(log, *store);
}

absl::Status Partitions::RebuildDiverged(int index, const absl::Status& why,
                                         std::unique_ptr<store::Store>& store) const {
  // Nothing acknowledged is lost with it (the log holds all of that): the writes it has beyond
  // the log were never acknowledged. Kept beside, the last one only, for a post-mortem.
  const fs::path dir = Dir(options_.data_dir, index);
  const fs::path aside = fs::path(dir.string() + ".diverged");
  store.reset();
  std::error_code error;
  fs::remove_all(aside, error);
  fs::rename(dir, aside, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("setting aside ", dir.string(), " (",
                                               why.message(), "): ", error.message()));
  }
  LogWarning("partitions", absl::StrCat("partition ", index, ": ", why.message(),
                                        "; set aside as ", aside.string(),
                                        " and rebuilt from the log"));
  store::StoreOptions store_options = options_.store;
  store_options.dir = dir;
  OMNI_ASSIGN_OR_RETURN(store, store::Store::Open(store_options));
  return absl::OkStatus();
}

void Partitions::RenewLeases() {
  const auto every = options_.cluster.lease_ttl / 3;
  auto next_renewal = std::chrono::steady_clock::now() + every;
  std::unique_lock lock(renewer_mu_);
  while (true) {
    renewer_wake_.wait_until(lock, next_renewal,
                             [this] { return renewer_stopping_ || lease_changed_; });
    if (renewer_stopping_) return;
    lease_changed_ = false;
    lock.unlock();
    if (std::chrono::steady_clock::now() >= next_renewal) {
      RenewOwnLeases();
      next_renewal = std::chrono::steady_clock::now() + every;
    }
    TakeOverFreed();
    lock.lock();
  }
}

void Partitions::OnLeaseChanged(int partition, const omnibroker::v1::PartitionLease* holder) {
  if (holder != nullptr) {
    std::shared_lock lock(mu_);
    const auto standby = standby_.find(partition);
    // A renewal, or a lease of this broker's own: nothing to do.
    if (standby == standby_.end() ||
        standby->second.SerializeAsString() == holder->SerializeAsString()) {
      return;
    }
  }
  {
    std::lock_guard lock(renewer_mu_);
    lease_changed_ = true;
  }
  renewer_wake_.notify_all();
}

void Partitions::RenewOwnLeases() {
  std::shared_lock partitions(mu_);
  for (auto& partition : opened_) {
    if (!partition.lease) continue;
    if (partition.leader->fenced()) {
      LostLeadership(absl::StrCat("the log of partition ", partition.index,
                                  " took another leader's records: this broker is fenced off"));
      continue;
    }
    const auto asked_at = std::chrono::steady_clock::now();
    auto renewed = leases_->Renew(*partition.lease);
    if (renewed.ok()) {
      std::lock_guard lease(lease_mu_);
      partition.lease = *std::move(renewed);
      partition.lease_asked_at = asked_at;
    } else if (std::chrono::steady_clock::now() - partition.lease_asked_at >=
               options_.cluster.lease_ttl) {
      // Cut off from the engine, this broker cannot hear that another took the partition over;
      // but its lease has run out by its own clock, so another may have, and it stops now.
      {
        std::lock_guard lease(lease_mu_);
        partition.lease.reset();
      }
      LostLeadership(absl::StrCat("the lease of partition ", partition.index,
                                  " ran out: not renewed for longer than its ttl (",
                                  renewed.status().message(), ")"));
    } else if (absl::IsFailedPrecondition(renewed.status())) {
      // Another broker may lead it now; the log refuses this one's next append if it does, and
      // its store then refuses writes (cluster/log_leader.h).
      {
        std::lock_guard lease(lease_mu_);
        partition.lease.reset();
      }
      LostLeadership(absl::StrCat("lost the lease of partition ", partition.index, ": ",
                                  renewed.status().message()));
    } else {
      LogWarning("partitions", absl::StrCat("renewing the lease of partition ", partition.index,
                                            ": ", renewed.status().message()));
    }
  }
}

void Partitions::LostLeadership(const std::string& why) {
  LogError("partitions", why);
  if (options_.lost_leadership) options_.lost_leadership(why);
}

void Partitions::TakeOverFreed() {
  std::lock_guard changes(changes_mu_);
  for (auto it = standby_.begin(); it != standby_.end();) {
    const int index = it->first;
    auto holder = leases_->Holder(index);
    if (holder.ok() && holder->value.broker() != options_.cluster.broker_id) {
      if (it->second.SerializeAsString() != holder->value.SerializeAsString()) {
        std::unique_lock lock(mu_);
        it->second = holder->value;
      }
      ++it;  // still led
      continue;
    }
    if (!absl::IsNotFound(holder.status())) {
      ++it;  // the engine does not answer: next time
      continue;
    }
    // The follower thread waits meanwhile: it must not open the store being taken over.
    std::lock_guard warm(warm_mu_);
    auto core = StartedPartition(index, TakeWarm(index));
    if (!core.ok()) {
      LogWarning("partitions", absl::StrCat("taking over partition ", index, ": ",
                                            core.status().message()));
      ++it;
      continue;
    }
    LogInfo("partitions", absl::StrCat("took over partition ", index));
    std::unique_lock lock(mu_);
    it = standby_.erase(it);
  }
}

void Partitions::Insert(Partition partition) {
  by_index_[partition.index] = partition.core.get();
  for (const auto& tenant : partition.served) by_tenant_[tenant] = partition.core.get();
  added_by_admin_.insert(partition.added_by_admin.begin(), partition.added_by_admin.end());
  auto at = std::find_if(opened_.begin(), opened_.end(),
                         [index = partition.index](const Partition& p) { return p.index > index; });
  opened_.insert(at, std::move(partition));
}

Partitions::~Partitions() { Stop(); }

absl::Status Partitions::Start() {
  std::shared_lock lock(mu_);
  for (auto& partition : opened_) OMNI_RETURN_IF_ERROR(partition.core->Start());
  started_ = true;
  if (leases_) {
    // A lease given up (its broker stopping) is taken over at once, not at the next look.
    OMNI_ASSIGN_OR_RETURN(lease_watch_,
                          leases_->Watch([this](int partition, const auto* holder) {
                            OnLeaseChanged(partition, holder);
                          }));
    renewer_ = std::thread([this] {
      NameThisThread("lease-renewer");
      RenewLeases();
    });
    follower_ = std::thread([this] {
      NameThisThread("standby-follow");
      FollowStandbys();
    });
    snapshotter_ = std::thread([this] {
      NameThisThread("snapshots");
      SnapshotLedPartitions();
    });
  }
  return absl::OkStatus();
}

void Partitions::Stop() {
  lease_watch_.reset();  // it wakes the renewer
  // The renewer first: it may open a partition it takes over.
  if (renewer_.joinable()) {
    {
      std::lock_guard lock(renewer_mu_);
      renewer_stopping_ = true;
    }
    renewer_wake_.notify_all();
    renewer_.join();
    follower_.join();
    snapshotter_.join();
  }
  {
    std::lock_guard lock(warm_mu_);
    warm_.clear();
  }
  {
    std::shared_lock lock(mu_);
    for (auto& partition : opened_) partition.core->Stop();
  }
  // Nothing writes any more: the leases go at once, so another broker need not wait for them to
  // expire.
  std::unique_lock lock(mu_);
  for (auto& partition : opened_) {
    if (!partition.lease) continue;
    if (auto released = leases_->Release(*partition.lease); !released.ok()) {
      LogWarning("partitions", absl::StrCat("giving up the lease of partition ", partition.index,
                                            ": ", released.message()));
    }
    partition.lease.reset();
  }
}

core::BrokerCore* Partitions::ForTenant(std::string_view tenant) const {
  std::shared_lock lock(mu_);
  auto it = by_tenant_.find(tenant);
  return it == by_tenant_.end() ? nullptr : it->second;
}

std::vector<Partitions::Opened> Partitions::opened() const {
  std::shared_lock lock(mu_);
  std::vector<Opened> out;
  for (const auto& p : opened_) out.push_back({p.index, p.store.get(), p.core.get()});
  return out;
}

namespace {

// Runs `work` on `core`'s thread and, once what it wrote is durable, answers with its result.
// Blocks the caller (an Admin call changing tenants: rare, and short).
template <typename T>
absl::StatusOr<T> OnCoreWhenDurable(core::BrokerCore& core,
                                    std::function<absl::StatusOr<T>()> work) {
  auto answer = std::make_shared<std::promise<absl::StatusOr<T>>>();
  auto future = answer->get_future();
  core.Post([&core, work = std::move(work), answer] {
    auto result = work();
    if (!result.ok()) return answer->set_value(std::move(result));
    core.WhenDurable([answer, result](absl::Status durable) {
      answer->set_value(durable.ok() ? result : absl::StatusOr<T>(durable));
    });
  });
  return future.get();
}

template <typename Request>
absl::Status RequireAccountable(const Request& request, const char* what) {
  if (request.requested_by().empty() || request.reason().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("requested_by and reason: ", what, " a tenant must say who asked and why"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<core::BrokerCore*> Partitions::StartedPartition(
    int index, std::unique_ptr<store::Store> warm) {
  {
    std::shared_lock lock(mu_);
    if (auto it = by_index_.find(index); it != by_index_.end()) return it->second;
  }
  // Opened and started outside the lock (a store's open takes a while; ingest goes on meanwhile):
  // only the tenant change holding changes_mu_ opens partitions.
  OMNI_ASSIGN_OR_RETURN(Partition partition, OpenPartition(index, std::move(warm)));
  core::BrokerCore* core = partition.core.get();
  if (started_) OMNI_RETURN_IF_ERROR(core->Start());
  {
    std::unique_lock lock(mu_);
    Insert(std::move(partition));
  }
  LogInfo("partitions", absl::StrCat("partition ", index, " opened (", Dir(options_.data_dir, index).string(), ")"));
  return core;
}

absl::StatusOr<omnibroker::v1::AuditRecord> Partitions::AddTenant(
    omnibroker::v1::AddTenantRequest request) {
  OMNI_RETURN_IF_ERROR(ValidateTenantName(request.name(), "name"));
  OMNI_RETURN_IF_ERROR(RequireAccountable(request, "adding"));
  std::lock_guard changes(changes_mu_);
  if (ForTenant(request.name()) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("name: tenant '", request.name(), "' is served already"));
  }
  OMNI_ASSIGN_OR_RETURN(core::BrokerCore * core, StartedPartition(options_.map.Of(request.name())));
  const auto configured = options_.tenants.find(request.name());
  routing::RoutingPolicy policy = configured == options_.tenants.end()
                                      ? routing::DefaultRoutingPolicy()
                                      : configured->second;
  OMNI_ASSIGN_OR_RETURN(auto audit, OnCoreWhenDurable<omnibroker::v1::AuditRecord>(
                                        *core, [core, &request, &policy] {
                                          return core->AddTenant(request, policy);
                                        }));
  std::unique_lock lock(mu_);
  by_tenant_[request.name()] = core;
  added_by_admin_.insert(request.name());
  return audit;
}

absl::StatusOr<omnibroker::v1::AuditRecord> Partitions::RemoveTenant(
    omnibroker::v1::RemoveTenantRequest request) {
  OMNI_RETURN_IF_ERROR(RequireAccountable(request, "removing"));
  std::lock_guard changes(changes_mu_);
  core::BrokerCore* core = ForTenant(request.name());
  if (core == nullptr) {
    return absl::NotFoundError(absl::StrCat("name: tenant '", request.name(), "' is not served"));
  }
  if (request.name() == options_.core.tenant) {
    return absl::FailedPreconditionError(absl::StrCat(
        "name: '", request.name(), "' is the broker's default tenant (the config file's "
        "`tenant`), which dev-mode calls and old records belong to; name another one there first"));
  }
  // Unmapped first: no frame or call reaches it from now on.
  {
    std::unique_lock lock(mu_);
    by_tenant_.erase(request.name());
  }
  auto audit = OnCoreWhenDurable<omnibroker::v1::AuditRecord>(
      *core, [core, &request] { return core->RemoveTenant(request); });
  std::unique_lock lock(mu_);
  if (!audit.ok() && !absl::IsUnavailable(audit.status())) {
    by_tenant_[request.name()] = core;  // nothing changed
    return audit;
  }
  added_by_admin_.erase(request.name());
  return audit;
}

absl::StatusOr<omnibroker::v1::ListTenantsResponse> Partitions::ListTenants() const {
  omnibroker::v1::ListTenantsResponse out;
  std::map<std::string, omnibroker::v1::TenantSummary> by_name;
  for (const auto& partition : opened()) {
    auto answer = std::make_shared<std::promise<std::vector<omnibroker::v1::TenantSummary>>>();
    auto future = answer->get_future();
    partition.core->Post([core = partition.core, answer] { answer->set_value(core->TenantSummaries()); });
    for (auto& summary : future.get()) {
      summary.set_partition(partition.index);
      by_name[summary.name()] = std::move(summary);
    }
  }
  std::shared_lock lock(mu_);
  for (auto& [name, summary] : by_name) {
    summary.set_added_by(added_by_admin_.contains(name) ? "admin" : "config");
    *out.add_tenants() = std::move(summary);
  }
  return out;
}

void Partitions::OnEveryCore(std::function<absl::Status(core::BrokerCore&, int index)> work,
                             std::function<void(absl::Status)> done) {
  const auto partitions = opened();
  auto gather = std::make_shared<Gather>(static_cast<int>(partitions.size()), std::move(done));
  if (partitions.empty()) return gather->done(absl::OkStatus());
  for (const auto& partition : partitions) {
    core::BrokerCore* core = partition.core;
    core->Post([core, index = partition.index, work, gather] { gather->One(work(*core, index)); });
  }
}

void Partitions::WhenEveryCoreDurable(std::function<void(absl::Status)> done) {
  const auto partitions = opened();
  auto gather = std::make_shared<Gather>(static_cast<int>(partitions.size()), std::move(done));
  if (partitions.empty()) return gather->done(absl::OkStatus());
  for (const auto& partition : partitions) {
    core::BrokerCore* core = partition.core;
    core->Post([core, gather] { core->WhenDurable([gather](absl::Status s) { gather->One(s); }); });
  }
}

bool Partitions::ToTenant(std::string_view tenant, ingest::Admitted frame) {
  core::BrokerCore* core = ForTenant(tenant);
  if (core == nullptr) return false;
  queued_[core].push_back(std::move(frame));
  return true;
}

void Partitions::ToPartition(int partition, ingest::Admitted frame) {
  std::shared_lock lock(mu_);
  auto it = by_index_.find(partition);
  if (it == by_index_.end()) return front_.Handled(1);
  queued_[it->second].push_back(std::move(frame));
}

int Partitions::ToAll(const ingest::Admitted& frame) {
  std::shared_lock lock(mu_);
  for (auto& partition : opened_) queued_[partition.core.get()].push_back(frame);
  return static_cast<int>(opened_.size());
}

std::optional<std::string> Partitions::LedElsewhere(std::string_view tenant) const {
  auto leader = LeaderElsewhere(tenant);
  if (!leader) return std::nullopt;
  return leader->ingest_address();
}

std::optional<omnibroker::v1::PartitionLease> Partitions::LeaderElsewhere(
    std::string_view tenant) const {
  std::shared_lock lock(mu_);
  if (!options_.tenants.contains(std::string(tenant))) return std::nullopt;
  const auto standby = standby_.find(options_.map.Of(tenant));
  if (standby == standby_.end()) return std::nullopt;
  return standby->second;
}

void Partitions::Flush() {
  for (auto& [core, frames] : queued_) {
    if (!frames.empty()) core->Receive(std::exchange(frames, {}));
  }
}

}  // namespace omni::partitions
