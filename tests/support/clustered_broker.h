// The real omnibroker binary in a cluster of real nats-server processes (NatsServers): its config
// file with a cluster section, and what the tests ask it of the cluster.
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"

#include "broker/partitions/partition_map.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_process.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_support.h"

namespace omni::testing {

struct ClusteredBrokerOptions {
  std::string id;  // its broker_id
  int grpc_port = 0;
  int web_port = 0;     // 0: no web chat
  int ingest_port = 0;  // 0: no tcp ingest (only the connectors inside it)
  int admin_port = 0;   // 0: one the broker picks
  int lease_ttl_ms = 2000;
  int replicas = 1;  // of each partition's log and of the leases: 3 on three servers
  uint64_t snapshot_records = 0;  // a leader snapshots every so many records; 0: the default
  // The NATS servers it is given; empty: every server of the cluster (a test may put a proxy
  // between them to cut it off from the engine).
  std::vector<std::string> nats_urls;
};

// A broker of the cluster of `servers`, with its data in `dir` (its output in dir/broker.log).
class ClusteredBroker : public BrokerProcess {
 public:
  ClusteredBroker(const std::filesystem::path& dir, const NatsServers& servers,
                  const ClusteredBrokerOptions& options)
      : BrokerProcess(OMNI_BROKER_BINARY, dir,
                      {"--config=" + WriteConfig(dir, servers, options).string(),
                       "--grpc-listen=127.0.0.1:" + std::to_string(options.grpc_port),
                       options.web_port == 0
                           ? "--no-webchat"
                           : "--webchat-listen=127.0.0.1:" + std::to_string(options.web_port),
                       "--ingest-listen=" + IngestEndpoint(options.ingest_port),
                       "--admin-listen=127.0.0.1:" + std::to_string(options.admin_port)}) {}

  static std::string IngestEndpoint(int port) {
    return port == 0 ? "" : "tcp://127.0.0.1:" + std::to_string(port);
  }

 private:
  static std::filesystem::path WriteConfig(const std::filesystem::path& dir,
                                           const NatsServers& servers,
                                           const ClusteredBrokerOptions& options) {
    std::filesystem::create_directories(dir);
    const auto path = dir.parent_path() / (options.id + ".yaml");
    const auto urls = options.nats_urls.empty() ? servers.Urls() : options.nats_urls;
    std::ofstream(path) << "cluster:\n  servers: [" << absl::StrJoin(urls, ", ")
                        << "]\n  broker_id: " << options.id << "\n  replicas: " << options.replicas
                        << "\n  lease_ttl_ms: " << options.lease_ttl_ms << "\n";
    if (options.snapshot_records > 0) {
      std::ofstream(path, std::ios::app)
          << "  snapshot_records: " << options.snapshot_records << "\n";
    }
    return path;
  }
};

// A broker of the cluster started and stopped again and again on the same data directory, as a
// supervisor would.
struct ClusterMember {
  std::string id;
  std::filesystem::path dir;
  ClusteredBrokerOptions options;
  std::unique_ptr<ClusteredBroker> process;

  void Start(const NatsServers& servers) {
    process = std::make_unique<ClusteredBroker>(dir, servers, options);
  }
  std::string Log() const { return ReadFile(dir / "broker.log"); }
};

// The ingest endpoints of `members`, as a connector given all of them is configured.
inline std::string IngestEndpoints(const std::vector<ClusterMember>& members) {
  std::vector<std::string> endpoints;
  for (const auto& member : members) {
    endpoints.push_back(ClusteredBroker::IngestEndpoint(member.options.ingest_port));
  }
  return absl::StrJoin(endpoints, ",");
}

inline std::unique_ptr<omnibroker::v1::Admin::Stub> AdminOf(int grpc_port) {
  return omnibroker::v1::Admin::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureChannelCredentials()));
}

// What the broker on `grpc_port` says of the default tenant's partition; nullopt when it does not
// answer (killed, or starting).
inline std::optional<omnibroker::v1::PartitionStatus> StatusOfDefault(int grpc_port) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  omnibroker::v1::ClusterStatus status;
  if (!AdminOf(grpc_port)->GetClusterStatus(&context, {}, &status).ok()) return std::nullopt;
  for (const auto& partition : status.partitions()) {
    if (partition.partition() == partitions::PartitionMap{}.Of("default")) return partition;
  }
  return omnibroker::v1::PartitionStatus{};
}

inline bool Leads(int grpc_port) {
  const auto status = StatusOfDefault(grpc_port);
  return status && status->role() == omnibroker::v1::PartitionStatus::ROLE_LEADING;
}

inline bool StandsBy(int grpc_port) {
  const auto status = StatusOfDefault(grpc_port);
  return status && status->role() == omnibroker::v1::PartitionStatus::ROLE_STANDING_BY;
}

inline bool LogHas(const std::filesystem::path& dir, std::string_view text) {
  return ReadFile(dir / "broker.log").find(text) != std::string::npos;
}

}  // namespace omni::testing
