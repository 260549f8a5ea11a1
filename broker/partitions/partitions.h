// Partitions: the broker's live state split by tenant, and the one place that works across
// partitions. A partition has its own RocksDB directory (data_dir/partitions/<n>, so it can later
// move whole between brokers), its own core thread with its tenants' routing engines, its own
// group commit and timers (a core::BrokerCore). A tenant lives whole in the partition the
// PartitionMap gives it. Only partitions that hold a tenant, or data, are opened.
//
// It hands the ingest front's frames to the partition of their tenant (FrameSink), finds the
// core that serves a tenant for the gRPC services, and runs operator work on every partition.
//
// Tenants served: those the config file names, and those Admin added at run time, but not those
// Admin removed (each partition's store keeps how its tenants came: core/meta_keys.h). Adding a
// tenant opens its partition if no tenant held it yet; removing one keeps its data and its
// partition open until the broker stops.
//
// Migration: a data directory written before partitions (one store in data_dir/store, all of it
// the default tenant's) becomes the default tenant's partition at first start, by a rename.
// A tenant's data found in another partition than the map gives it (the count or an assignment
// changed) stops the start with an error that says so: moving a tenant is not supported yet.
//
// In a cluster (options.cluster, docs/cluster.md) each partition opened is led by this broker: it
// takes the partition's lease (renewed while it runs, given up when it stops), brings its store
// up to the end of the partition's log in NATS JetStream (what this broker or another wrote,
// so a broker whose disk was lost starts whole on an empty one), and from then on every write of
// the store is appended to the log and acknowledged only once the quorum holds it. Partitions
// whose log exists are opened too. A partition another broker leads is left to it: this broker
// stands by, and takes the partition over (opens it as above) once its lease is free, because
// its leader stopped or died. While it stands by, its store of the partition follows the log (a
// hot standby, standby.cc), so a takeover has only the last records to apply.
//
// Snapshots (snapshots.cc): a leader copies each partition it leads into the engine every so many
// records (cluster::SnapshotStore) and trims the log behind the snapshot before; a store that is
// new, or fell behind the trim, is restored from the newest snapshot before it follows the log.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/cluster/cluster_options.h"
#include "broker/cluster/jetstream.h"
#include "broker/cluster/log_follower.h"
#include "broker/cluster/log_leader.h"
#include "broker/cluster/partition_leases.h"
#include "broker/cluster/partition_log.h"
#include "broker/cluster/snapshot_store.h"
#include "broker/core/broker_core.h"
#include "broker/ingest/ingest_front.h"
#include "broker/partitions/partition_map.h"
#include "broker/routing/routing_policy.h"
#include "broker/store/store.h"

namespace omni::partitions {

struct PartitionsOptions {
  std::filesystem::path data_dir;
  PartitionMap map;
  // Every store's options but its directory.
  store::StoreOptions store;
  // Every core's options but its partition and tenants.
  core::BrokerCoreOptions core;
  // The tenants served, with their policies (the default one, core.tenant, among them).
  std::map<std::string, routing::RoutingPolicy> tenants;
  // The cluster this broker leads its partitions in; none without servers.
  cluster::ClusterOptions cluster;
  // Called on the renewer thread when this broker no longer leads a partition it led (another
  // took its lease, or the log fenced it off): the partition's store refuses writes from then on,
  // so the broker ends (BrokerApp) to start again as a standby, and its clients go to the new
  // leader. Unset: only logged.
  std::function<void(const std::string& why)> lost_leadership;
};

class Partitions : public ingest::FrameSink {
 public:
  // Migrates and opens the stores and makes the cores (not started).
  static absl::StatusOr<std::unique_ptr<Partitions>> Open(PartitionsOptions options,
                                                          ingest::IngestFront& front,
                                                          const Clock& clock,
                                                          ops::BrokerMetrics& metrics);
  ~Partitions() override;

  // Starts every core (each recovers its state from its store first).
  absl::Status Start();
  void Stop();

  // The core serving `tenant`; null when no partition serves it. Thread-safe.
  core::BrokerCore* ForTenant(std::string_view tenant) const;
  // The partitions opened, in order, with their cores and stores (which live until Stop).
  // Thread-safe: a copy, as Admin may open one meanwhile.
  struct Opened {
    int index;
    store::Store* store;
    core::BrokerCore* core;
  };
  std::vector<Opened> opened() const;

  // Tenants at run time (Admin). Thread-safe; each blocks its caller until the change is durable
  // (one change at a time). The audit record stored with the change.
  absl::StatusOr<omnibroker::v1::AuditRecord> AddTenant(omnibroker::v1::AddTenantRequest request);
  absl::StatusOr<omnibroker::v1::AuditRecord> RemoveTenant(
      omnibroker::v1::RemoveTenantRequest request);
  // Every tenant served, by name. Thread-safe (blocks until every partition answered).
  absl::StatusOr<omnibroker::v1::ListTenantsResponse> ListTenants() const;
  // Each partition this broker leads or stands by for. Thread-safe (asks the engine for each
  // log's end).
  omnibroker::v1::ClusterStatus ClusterStatus();
  // The directory of partition `index` under `data_dir`.
  static std::filesystem::path Dir(const std::filesystem::path& data_dir, int index);

  // Runs `work` on every partition's core thread, then `done` (on the last one's thread) with the
  // first error, if any.
  void OnEveryCore(std::function<absl::Status(core::BrokerCore&, int index)> work,
                   std::function<void(absl::Status)> done);

  // Runs `done` (on some core's thread) once everything every core wrote so far is durable, with
  // the first store write fault met instead, if any.
  void WhenEveryCoreDurable(std::function<void(absl::Status)> done);

  // ingest::FrameSink
  bool ToTenant(std::string_view tenant, ingest::Admitted frame) override;
  void ToPartition(int partition, ingest::Admitted frame) override;
  int ToAll(const ingest::Admitted& frame) override;
  void Flush() override;
  // A configured tenant of a partition this broker stands by for: its leader's ingest endpoint.
  std::optional<std::string> LedElsewhere(std::string_view tenant) const override;
  // The same for agents' consoles: the lease of the broker leading `tenant`'s partition (empty
  // while its lease is free), if this broker stands by for it.
  std::optional<omnibroker::v1::PartitionLease> LeaderElsewhere(std::string_view tenant) const;

 private:
  struct Partition {
    int index;
    // In a cluster: the partition's log, its lease, and the leader replicating the store's writes
    // through the log. Declared before the store, which points at the leader: destroyed after it.
    std::unique_ptr<cluster::PartitionLog> log;
    std::unique_ptr<cluster::LogLeader> leader;
    std::optional<cluster::Lease> lease;  // renewed by the renewer thread (lease_mu_)
    // When the last renewal that went through was asked for (the renewer's): once the ttl has
    // passed since, the lease has expired whether or not the engine can say so.
    std::chrono::steady_clock::time_point lease_asked_at;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<core::BrokerCore> core;
    std::vector<std::string> served;       // the tenants it serves when opened
    std::set<std::string> added_by_admin;  // of those
  };
  Partitions(PartitionsOptions options, ingest::IngestFront& front, const Clock& clock,
             ops::BrokerMetrics& metrics)
      : options_(std::move(options)), front_(front), clock_(clock), metrics_(metrics) {}

  // Opens partition `index`'s store (or takes `warm`, the store a standby kept) and makes its
  // core (not started), serving the tenants its store and the config file say. In a cluster,
  // leads it first (Lead).
  absl::StatusOr<Partition> OpenPartition(int index,
                                          std::unique_ptr<store::Store> warm = nullptr) const;
  // In a cluster: takes `partition`'s lease, brings `store` to the end of its log, and makes the
  // store's writes go through the log from now on.
  // A store that holds writes the log does not (its leader died or was deposed before the log
  // took them) is rebuilt from the log first (RebuiltStore), so `store` may be replaced.
  absl::Status Lead(Partition& partition, std::unique_ptr<store::Store>& store) const;
  // Opens `store`'s log follower. A store ahead of its log is set aside and a new one opened in
  // its place; a new store (one that never applied a record), or one the log was trimmed past,
  // is replaced by the newest snapshot first (RestoreSnapshot). So `store` may be replaced.
  absl::StatusOr<cluster::LogFollower> FollowerFor(int index, cluster::PartitionLog& log,
                                                   std::unique_ptr<store::Store>& store) const;
  // Sets partition `index`'s store aside (`why` it holds writes its log does not) and opens an
  // empty one in its place.
  absl::Status RebuildDiverged(int index, const absl::Status& why,
                               std::unique_ptr<store::Store>& store) const;

  // snapshots.cc.
  // The snapshot a store standing at `position` must be restored from before it follows `log`:
  // the newest, when the store is new (it never applied a record, nor came from a snapshot) or
  // the log no longer holds its next record; none else.
  absl::StatusOr<std::optional<omnibroker::v1::SnapshotManifest>> SnapshotToRestore(
      int index, const cluster::PartitionLog& log, const omnibroker::v1::LogPosition& position) const;
  // Replaces partition `index`'s store (closed and dropped, or set aside when `set_aside`) by
  // `manifest`'s snapshot, and reopens it.
  absl::Status RestoreSnapshot(int index, const omnibroker::v1::SnapshotManifest& manifest,
                               std::unique_ptr<store::Store>& store, bool set_aside) const;
  // Copies partition `index`'s `store` (a checkpoint) into its snapshots. `leader`: the writer of
  // the store, whose record the copy stands at must be in the log before the copy is published
  // (null while nothing writes). `taken_by`: the leadership, broker id @ epoch.
  absl::StatusOr<omnibroker::v1::SnapshotManifest> TakeSnapshot(
      int index, store::Store& store, const cluster::LogLeader* leader,
      const std::string& taken_by) const;
  // The snapshot thread: looks at the partitions this broker leads every second, and snapshots
  // each one due (ClusterOptions::snapshot_records, snapshot_interval), until Stop.
  void SnapshotLedPartitions();
  struct SnapshotState {
    std::unique_ptr<cluster::SnapshotStore> snapshots;
    uint64_t position = 0;  // of the newest snapshot
    std::chrono::steady_clock::time_point at;  // when it was taken or first seen
  };
  void SnapshotIfDue(int index, store::Store& store, const cluster::LogLeader& leader,
                     cluster::PartitionLog& log, const std::string& taken_by, SnapshotState& state);
  // Whether the threads of a cluster were told to stop (renewer_mu_).
  bool Stopping();
  // Renews every lease a third of their ttl apart, and takes over standby partitions whose lease
  // is free (looked at as often, and at once when one is given up or changes holder), until Stop.
  void RenewLeases();
  void RenewOwnLeases();
  // The lease watch's callback (a libnats thread): wakes the renewer when `partition`'s lease
  // was given up or taken by another broker.
  void OnLeaseChanged(int partition, const omnibroker::v1::PartitionLease* holder);
  // Opens and starts each standby partition whose lease nobody holds; notes who leads the others.
  void TakeOverFreed();
  // Logs why this broker no longer leads a partition it led, and tells options_.lost_leadership.
  void LostLeadership(const std::string& why);
  // A standby partition's store kept as its log applied (standby.cc).
  struct WarmStore {
    std::unique_ptr<cluster::PartitionLog> log;
    std::unique_ptr<store::Store> store;
    std::optional<cluster::LogFollower> follower;  // points at the two above
  };
  // The follower thread: applies the logs of the standby partitions to their stores until Stop.
  void FollowStandbys();
  // One round of it: opens the stores not warm yet, applies what came. Records applied.
  int FollowOnce();
  absl::StatusOr<WarmStore> OpenWarm(int index) const;
  // Takes partition `index`'s warm store out of warm_ (nullptr when it has none). warm_mu_ held.
  std::unique_ptr<store::Store> TakeWarm(int index);
  // Makes `partition` reachable: its index and tenants mapped. Callers hold mu_ for writing or
  // are alone (Open).
  void Insert(Partition partition);
  // The core of partition `index`, opened (from `warm` if given) and started now if it was not.
  absl::StatusOr<core::BrokerCore*> StartedPartition(int index,
                                                     std::unique_ptr<store::Store> warm = nullptr);

  const PartitionsOptions options_;
  // In a cluster: the connection to its NATS servers, and the partitions' leases.
  std::unique_ptr<cluster::JetStream> js_;
  std::unique_ptr<cluster::PartitionLeases> leases_;
  std::unique_ptr<cluster::LeaseWatch> lease_watch_;  // from Start to Stop
  std::thread renewer_;
  std::thread follower_;
  std::thread snapshotter_;
  std::mutex renewer_mu_;  // guards renewer_stopping_ (which stops the three), lease_changed_
  mutable std::mutex lease_mu_;  // guards each Partition::lease (written by the renewer)
  std::condition_variable renewer_wake_;
  bool renewer_stopping_ = false;
  bool lease_changed_ = false;  // a standby partition's lease was given up or changed holder
  // The standby partitions' stores: the follower thread's, taken by TakeOverFreed; held while
  // either works on them.
  std::mutex warm_mu_;
  std::map<int, WarmStore> warm_;
  std::map<int, std::string> follow_problems_;  // the last one logged per partition (warm_mu_)
  // Partitions another broker leads, each with that broker's lease (where clients reach it; empty
  // while the lease is free): changed by Open and TakeOverFreed (holding changes_mu_, and mu_ for
  // writing), read by the front and the gRPC threads.
  std::map<int, omnibroker::v1::PartitionLease> standby_;
  ingest::IngestFront& front_;
  const Clock& clock_;
  ops::BrokerMetrics& metrics_;
  bool started_ = false;
  std::mutex changes_mu_;  // one tenant change at a time
  // Read for every frame by the front and for every call by the gRPC threads; written only by a
  // tenant change (and Open).
  mutable std::shared_mutex mu_;
  std::vector<Partition> opened_;  // by index
  std::map<int, core::BrokerCore*> by_index_;
  std::map<std::string, core::BrokerCore*, std::less<>> by_tenant_;
  std::set<std::string, std::less<>> added_by_admin_;  // the others served: the config file's
  // Owned by the front's thread: the frames queued for each core since the last Flush(). A core
  // lives until the partitions stop, so its pointer stays valid across tenant changes.
  std::map<core::BrokerCore*, std::vector<ingest::Admitted>> queued_;
};

}  // namespace omni::partitions
