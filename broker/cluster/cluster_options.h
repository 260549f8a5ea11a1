// How a broker joins a cluster (docs/cluster.md): the NATS servers with JetStream that hold the
// partitions' logs and leases, the broker's own id, and the settings of the logs and leases.
// No servers: no cluster, and the broker runs alone on its WAL.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace omni::cluster {

struct ClusterOptions {
  std::vector<std::string> servers;  // nats://host:port
  std::string broker_id;             // unique in the cluster; the host name when empty
  int replicas = 3;                  // copies of each log record and lease
  std::chrono::milliseconds lease_ttl{5000};
  std::string prefix = "OMNI";  // names the streams and the lease bucket: one installation's
  // Where clients reach this broker (a partition's lease tells them, and a broker that does not
  // lead a tenant sends its connectors there). Empty: the listen addresses, a wildcard host
  // (0.0.0.0, *, [::]) replaced by the host name.
  std::string grpc_address;
  std::string ingest_address;  // tcp://host:port
  // A leader snapshots a partition it leads (docs/cluster.md, Snapshots) once this many records
  // were appended since the newest snapshot, or once `snapshot_interval` passed with any
  // appended; the log is then trimmed behind the snapshot before it.
  uint64_t snapshot_records = 100'000;
  std::chrono::seconds snapshot_interval{3600};

  bool enabled() const { return !servers.empty(); }
};

}  // namespace omni::cluster
