// How a broker joins a cluster (docs/cluster.md): the NATS servers with JetStream that hold the
// partitions' logs and leases, the broker's own id, and the settings of the logs and leases.
// No servers: no cluster, and the broker runs alone on its WAL.
#pragma once

#include <chrono>
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

  bool enabled() const { return !servers.empty(); }
};

}  // namespace omni::cluster
