// PartitionLeases: who leads each partition, as leases in a JetStream key-value bucket
// (`<prefix>_LEASES`, key `p<n>`, replicated like the logs; `nats kv` shows it). A lease lasts
// `ttl` after its last renewal: the bucket's entries expire then, and any broker may take it.
// Taking, renewing and giving up are compare-and-set on the key's revision, so of two brokers
// racing for a free lease one wins, and a holder that missed its renewal learns at the next one
// that it lost the lease.
//
// A lease only decides who *tries* to lead. A holder stalled past its ttl (a paused process, a cut
// network) may believe for a moment that it still leads; what keeps two leaders from both writing
// is the log's expected-last-sequence check (partition_log.h).
//
// Thread-safe, as JetStream is.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "broker/cluster/jetstream.h"
#include "omnibroker/v1/cluster.pb.h"

namespace omni::cluster {

struct PartitionLeasesOptions {
  std::string prefix = "OMNI";  // names the bucket: one installation's
  int replicas = 1;             // 3 in production, as the logs
  // How long a lease lasts without renewal: a dead leader's partitions wait this long for a new
  // one. Renew well within it (a third).
  std::chrono::milliseconds ttl{5000};
};

struct Lease {
  int partition = 0;
  uint64_t revision = 0;  // the key's revision: the next renewal must name it
  // Grows with each new holder: the revision at which the holder took the lease.
  uint64_t epoch = 0;
  omnibroker::v1::PartitionLease value;  // holder and addresses
};

// Told of a lease's change: its new holder, or null when it was given up.
using LeaseChanged =
    std::function<void(int partition, const omnibroker::v1::PartitionLease* holder)>;

// A watch on every lease's changes (PartitionLeases::Watch); stops when destroyed.
class LeaseWatch {
 public:
  ~LeaseWatch();
  LeaseWatch(const LeaseWatch&) = delete;
  LeaseWatch& operator=(const LeaseWatch&) = delete;

 private:
  friend class PartitionLeases;
  explicit LeaseWatch(LeaseChanged changed) : changed_(std::move(changed)) {}
  static void OnMessage(natsConnection*, natsSubscription*, natsMsg* message, void* self);

  const LeaseChanged changed_;
  natsSubscription* subscription_ = nullptr;
  // Set by libnats once the subscription is closed and its last callback has returned.
  std::promise<void> completed_;
  bool completes_ = false;  // whether it will (the callback was set)
};

class PartitionLeases {
 public:
  // The bucket, created if it does not exist.
  static absl::StatusOr<std::unique_ptr<PartitionLeases>> Open(
      JetStream& js, const PartitionLeasesOptions& options);

  // The lease of `partition`; NOT_FOUND when nobody holds it (never taken, expired, given up).
  absl::StatusOr<Lease> Holder(int partition) const;
  // Takes the lease of `partition` for `self` (its broker id and addresses; the epoch is set
  // here). FAILED_PRECONDITION naming the holder when another broker holds it, or when another
  // took it meanwhile. A broker that finds its own id holding it (it restarted within the ttl)
  // takes it as a new holder, with a new epoch.
  absl::StatusOr<Lease> Acquire(int partition, const omnibroker::v1::PartitionLease& self);
  // Renews `lease`, which starts its ttl again; the returned lease names the new revision.
  // FAILED_PRECONDITION when it was lost (it expired, and may have been taken).
  absl::StatusOr<Lease> Renew(const Lease& lease);
  // Gives `lease` up at once (a broker stopping hands its partitions over): the next Acquire
  // need not wait for the ttl. FAILED_PRECONDITION when it was lost already.
  absl::Status Release(const Lease& lease);
  // Calls `changed` (on a libnats thread; it must not block for long) each time a lease is
  // taken, renewed or given up, until the watch is destroyed. A lease that expires changes
  // nothing in the bucket, so it is not seen: who waits for a dead holder's lease asks Holder()
  // as well, a third of the ttl apart.
  absl::StatusOr<std::unique_ptr<LeaseWatch>> Watch(LeaseChanged changed);

 private:
  // The key's newest entry: its revision (0 when none) and the lease, if it is one (a give-up
  // leaves a delete marker, which has a revision and no lease).
  struct Last {
    uint64_t revision = 0;
    std::optional<Lease> lease;
  };
  PartitionLeases(JetStream& js, std::string bucket, std::chrono::milliseconds call_timeout)
      : js_(js), bucket_(std::move(bucket)), call_timeout_(call_timeout) {}
  absl::StatusOr<Last> LastOf(int partition) const;
  std::string Subject(int partition) const;
  // Writes `value` (or, when null, a delete marker) on `partition`'s key if its newest revision
  // is `expected` (0: none); the new revision.
  absl::StatusOr<uint64_t> Write(int partition, const omnibroker::v1::PartitionLease* value,
                                 uint64_t expected);

  JetStream& js_;
  const std::string bucket_;
  // How long one call waits: at most a third of the ttl, so that a renewal lost on its way (a
  // server gone, a stream electing its leader) leaves time for another before the lease runs out.
  const std::chrono::milliseconds call_timeout_;
};

}  // namespace omni::cluster
