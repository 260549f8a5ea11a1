// The broker's configuration: embedded defaults that make one process a whole working system
// (web chat on 127.0.0.1, a demo roster), overridden by the config file, the environment and
// command-line flags, in that order.
#pragma once

#include <rocksdb/env.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/log.h"
#include "broker/app/ingest_config.h"
#include "broker/auth/grpc_security.h"
#include "broker/core/retention_policy.h"
#include "broker/cluster/cluster_options.h"
#include "broker/partitions/partition_map.h"
#include "broker/ops/floor_stats.h"
#include "broker/routing/routing_policy.h"
#include "connectors/sdk/config_environment.h"
#include "connectors/sdk/connector.h"
#include "omnibroker/v1/agent.pb.h"

namespace omni::app {

// A tenant beyond the broker's default one: its own routing policy and roster.
struct TenantConfig {
  std::string name;  // a tenant name (base/tenant_name.h), not the default tenant's
  routing::RoutingPolicy routing = routing::DefaultRoutingPolicy();
  std::vector<omnibroker::v1::Agent> agents;  // upserted into its roster at start
};

struct BrokerConfig {
  std::filesystem::path data_dir = "data";
  std::string grpc_listen = "127.0.0.1:50051";  // port 0 picks a free one
  // TLS, agent tokens and rate limits of the gRPC port; nothing set = plaintext, dev mode.
  auth::GrpcSecurityConfig grpc_security;
  // Connectors outside this process (omni-gateway) connect here; "" = in-process only.
  std::string ingest_listen = "tcp://127.0.0.1:5570";
  // Who may connect there (CURVE keys) and the limits on what they send.
  IngestConfig ingest;
  // Prometheus /metrics, /livez and /readyz; "" = off.
  std::string admin_listen = "127.0.0.1:9464";
  // How long SIGTERM may take: stop taking work, drain, flush, close streams.
  std::chrono::seconds shutdown_grace{10};
  LogFormat log_format = LogFormat::kJson;
  // Lets the broker listen beyond loopback without authentication (no agent tokens on gRPC, no
  // CURVE on ingest): it then only warns. Off, it refuses to start that way (exposure.h).
  bool insecure = false;
  // The default tenant: events from built-in connectors and dev-mode callers naming none are
  // its; its routing policy and roster are `routing` and `agents` below.
  std::string tenant = "default";
  // The other tenants the broker serves, each with its own policy and roster.
  std::vector<TenantConfig> tenants;
  // How many partitions the broker's state is split into, and tenants placed by hand (the rest by
  // a hash of their name). Fixed for a data directory (see broker/partitions).
  partitions::PartitionMap partitions;
  // The cluster the broker leads its partitions in (docs/cluster.md); no servers = none, and
  // the broker runs alone on its WAL.
  cluster::ClusterOptions cluster;
  // How long an accepted event's id is remembered to recognise a provider's retry (WhatsApp
  // retries for up to 7 days).
  std::chrono::hours dedupe_window{24 * 8};
  // Retention by tenant ("*" = the others): events kept for ever, sensitive attachments 30 days.
  std::map<std::string, core::RetentionPolicy> retention = {{"*", core::RetentionPolicy{}}};
  // See BrokerCoreOptions::escalation_roles.
  std::map<std::string, std::string> escalation_roles = {{"*", "supervisor"}};
  // See BrokerCoreOptions::join_open_conversation_across_channels.
  bool join_open_conversation_across_channels = false;
  // The supervisor's view (omnictl stats): its window, answer targets by queue, short abandons.
  ops::FloorStatsOptions floor_stats;
  routing::RoutingPolicy routing = routing::DefaultRoutingPolicy();
  std::vector<connectors::ConnectorConfig> connectors;
  std::vector<omnibroker::v1::Agent> agents;  // upserted into the roster at start
  // The environment the store does its I/O through; null = the real one. Tests pass one whose
  // writes fail on command, or that keeps what a power cut would leave.
  rocksdb::Env* store_env = nullptr;
};

// The embedded defaults: web chat on 127.0.0.1:8080 and three demo agents.
BrokerConfig DefaultConfig();

// Applies the config file (--config), the OMNIBROKER_ variables of `env` and then the flags
// (--name=value or --name value) over `config`; --help yields the usage text as an error of code
// kCancelled.
absl::Status ApplyFlags(const std::vector<std::string>& args, BrokerConfig& config,
                        const connectors::ConfigEnvironment& env = {});

std::string Usage();

}  // namespace omni::app
