#include "broker/app/broker_app.h"

#include <unistd.h>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <functional>
#include <future>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/app/advertised_address.h"
#include "broker/app/exposure.h"
#include "connectors/sdk/connector_list.h"
#include "connectors/sdk/registry.h"

namespace omni::app {
namespace {
constexpr char kInprocIngest[] = "inproc://omni-ingest";
// Queue names come from routing hints; past this many, the rest are counted as "other".
constexpr size_t kMaxQueueLabels = 64;
constexpr auto kCoreAnswer = std::chrono::seconds(1);
}  // namespace

BrokerApp::BrokerApp(BrokerConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

BrokerApp::~BrokerApp() { Stop(); }

absl::Status BrokerApp::Start() {
  started_ = true;
  // Before anything listens: open beyond loopback only when the config says so.
  const Exposure exposure = CheckExposure(config_);
  if (!exposure.open.empty() && !config_.insecure) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to start open to the network: ", absl::StrJoin(exposure.open, "; "),
        ". Or set `insecure: true` to run it open on purpose (see docs/security.md)"));
  }
  for (const auto& open : exposure.open) LogWarning("broker", absl::StrCat("insecure: true: ", open));
  for (const auto& plain : exposure.plaintext) LogWarning("broker", plain);
  // First, so /livez answers (and /readyz says why not yet) while the store is recovered.
  if (!config_.admin_listen.empty()) {
    metrics_.registry().AddCollector(
        "omni_queue_depth", "Conversations waiting or offered, by queue.",
        [this](SampleWriter& out) {
          for (const auto& [queue, stat] : QueueStats())
            out.Write({{"queue", queue}}, static_cast<double>(stat.depth));
        });
    metrics_.registry().AddCollector(
        "omni_queue_oldest_wait_seconds",
        "How long the longest-waiting conversation has waited, by queue.",
        [this](SampleWriter& out) {
          for (const auto& [queue, stat] : QueueStats())
            out.Write({{"queue", queue}}, stat.oldest_wait_seconds);
        });
    if (config_.cluster.enabled()) AddClusterCollectors();
    OMNI_ASSIGN_OR_RETURN(admin_, AdminHttpServer::Start(config_.admin_listen, metrics_.registry(),
                                                         [this] { return Ready(); }));
  }
  ingest::IngestFrontOptions front_options;
  front_options.endpoints = {kInprocIngest};
  if (!config_.ingest_listen.empty()) front_options.endpoints.push_back(config_.ingest_listen);
  OMNI_ASSIGN_OR_RETURN(front_options.ingest, ResolveIngestOptions(config_.ingest, config_.tenant));
  front_options.limits = config_.ingest.limits;
  front_ = std::make_unique<ingest::IngestFront>(zmq_, metrics_, std::move(front_options));

  partitions::PartitionsOptions options{
      .data_dir = config_.data_dir,
      .map = config_.partitions,
      .store = {.env = config_.store_env,
                .dedupe_window = config_.dedupe_window,
                .clock = &clock_,
                .write_latency = &metrics_.store_write,
                .sync_latency = &metrics_.store_sync,
                .write_fault = &metrics_.store_write_fault}};
  options.cluster = config_.cluster;
  if (options.cluster.enabled()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    if (options.cluster.broker_id.empty()) options.cluster.broker_id = host;
    // Its store refuses writes from then on: the broker ends, to start again (its supervisor
    // restarts it) as a standby of the new leader. Nothing acknowledged is lost: the log has it.
    options.lost_leadership = [](const std::string& why) {
      LogError("broker", absl::StrCat("no longer leads a partition (", why, "); exiting with "
                                      "status ", kExitLostLeadership, " to start again as a "
                                      "standby"));
      std::_Exit(kExitLostLeadership);
    };
    if (options.cluster.grpc_address.empty()) {
      options.cluster.grpc_address = AdvertisedAddress(config_.grpc_listen, host);
    }
    if (options.cluster.ingest_address.empty()) {
      options.cluster.ingest_address = AdvertisedAddress(config_.ingest_listen, host);
    }
  }
  OMNI_RETURN_IF_ERROR(routing::Validate(config_.routing));
  options.tenants[config_.tenant] = config_.routing;
  for (const auto& tenant : config_.tenants) {
    OMNI_RETURN_IF_ERROR(routing::Validate(tenant.routing));
    options.tenants[tenant.name] = tenant.routing;
  }
  core::BrokerCoreOptions& core_options = options.core;
  core_options.tenant = config_.tenant;
  core_options.limits = config_.ingest.limits;
  core_options.retention = config_.retention;
  core_options.escalation_roles = config_.escalation_roles;
  core_options.join_open_conversation_across_channels =
      config_.join_open_conversation_across_channels;
  core_options.floor_stats = config_.floor_stats;
  OMNI_ASSIGN_OR_RETURN(partitions_, partitions::Partitions::Open(std::move(options), *front_,
                                                                  clock_, metrics_));
  OMNI_RETURN_IF_ERROR(partitions_->Start());
  OMNI_RETURN_IF_ERROR(front_->Start(*partitions_));

  // Each configured roster, applied on its partition's core thread like any Admin change.
  OMNI_RETURN_IF_ERROR(ApplyConfiguredRoster(config_.tenant, config_.agents));
  for (const auto& tenant : config_.tenants) {
    OMNI_RETURN_IF_ERROR(ApplyConfiguredRoster(tenant.name, tenant.agents));
  }

  OMNI_ASSIGN_OR_RETURN(auth::GrpcSecurity security, auth::LoadGrpcSecurity(config_.grpc_security));
  if (security.auth.token_secret.empty()) {
    LogWarning("broker",
               absl::StrCat("dev mode: no grpc_security.token_secret_file, so agents are who they "
                            "say and Admin is open to anyone who reaches ", config_.grpc_listen));
  }
  security.auth.default_tenant = config_.tenant;
  authenticator_ = std::make_unique<auth::CallAuthenticator>(security.auth, clock_, metrics_);
  // The revocations stored are in force again before the port opens.
  for (const auto& partition : partitions_->opened()) {
    OMNI_ASSIGN_OR_RETURN(const auto stored, OnCore(*partition.core, [&core = *partition.core] {
                            return core.RevocationsInForce();
                          }));
    for (const auto& revocation : stored.revocations()) authenticator_->Revoke(revocation);
  }
  console_service_ = std::make_unique<console::AgentConsoleService>(
      *partitions_, *authenticator_, metrics_.console_streams);
  admin_service_ = std::make_unique<admin::AdminService>(
      *partitions_, *authenticator_, [this] { console_service_->CheckStreams(); });
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config_.grpc_listen, security.credentials, &port);
  // Keepalive both ways. The broker pings a quiet console, so one whose machine vanished is seen
  // gone (its offers then wait out their expiry) within 40 s; and it accepts the consoles' own
  // pings once a second at most, so a console can notice a vanished broker as soon as it wants
  // (gRPC's default would answer a console pinging more often than every 5 min with GOAWAY).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.RegisterService(console_service_.get());
  builder.RegisterService(admin_service_.get());
  grpc_server_ = builder.BuildAndStart();
  if (!grpc_server_ || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", config_.grpc_listen));
  }
  grpc_address_ =
      absl::StrCat(config_.grpc_listen.substr(0, config_.grpc_listen.rfind(':')), ":", port);

  OMNI_ASSIGN_OR_RETURN(auto registry, connectors::BuiltinConnectors());
  host_ = std::make_unique<connectors::ConnectorHost>(
      zmq_,
      connectors::ConnectorHostOptions{.broker_endpoint = kInprocIngest,
                                       .tenant = config_.tenant,
                                       .spool_dir = config_.data_dir / "spool"},
      clock_);
  // Connector state lives with the broker's data unless configured elsewhere.
  OMNI_RETURN_IF_ERROR(
      connectors::AddConnectors(registry, config_.connectors, config_.data_dir, *host_));
  OMNI_RETURN_IF_ERROR(host_->Start());
  // The default health service answers SERVING for "" once the server runs; the broker's own
  // services say so by name.
  for (const char* service : {"omnibroker.v1.AgentConsole", "omnibroker.v1.Admin"}) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(service, true);
  }
  serving_ = true;
  LogInfo("broker",
          absl::StrCat("started: gRPC", security.mutual_tls ? " (mTLS)" : security.tls ? " (TLS)" : "",
                       " on ", grpc_address_, ", data in ", config_.data_dir.string(),
                       admin_ ? absl::StrCat(", admin HTTP on ", admin_->address()) : ""));
  return absl::OkStatus();
}

absl::Status BrokerApp::ApplyConfiguredRoster(const std::string& tenant,
                                              const std::vector<omnibroker::v1::Agent>& agents) {
  core::BrokerCore* core = partitions_->ForTenant(tenant);
  if (core == nullptr) return absl::OkStatus();  // removed through Admin (a warning said so)
  return OnCore(*core, [&] { return core->ApplyConfiguredRoster(tenant, agents); });
}

absl::Status BrokerApp::Ready() {
  if (!serving_) return absl::UnavailableError("not serving: starting or stopping");
  for (const auto& partition : partitions_->opened()) {
    OMNI_RETURN_IF_ERROR(partition.store->WriteFault());
  }
  for (const auto& partition : partitions_->opened()) {
    auto answered = std::make_shared<std::promise<void>>();
    auto future = answered->get_future();
    partition.core->Post([answered] { answered->set_value(); });
    if (future.wait_for(kCoreAnswer) != std::future_status::ready) {
      return absl::UnavailableError(absl::StrCat("the core thread of partition ", partition.index,
                                                 " did not answer within 1 s"));
    }
  }
  return absl::OkStatus();
}

void BrokerApp::AddClusterCollectors() {
  using omnibroker::v1::PartitionStatus;
  // Each from the cluster status at scrape time, as `omnictl cluster` shows it.
  auto each_partition = [this](std::function<std::optional<double>(const PartitionStatus&)> value) {
    return [this, value](SampleWriter& out) {
      if (!serving_) return;
      const auto status = partitions_->ClusterStatus();
      for (const auto& partition : status.partitions()) {
        if (auto v = value(partition)) {
          out.Write({{"partition", std::to_string(partition.partition())}}, *v);
        }
      }
    };
  };
  metrics_.registry().AddCollector(
      "omni_cluster_partition_leading",
      "1 for each partition this broker leads, 0 for each it stands by for.",
      each_partition([](const PartitionStatus& p) -> std::optional<double> {
        return p.role() == PartitionStatus::ROLE_LEADING ? 1 : 0;
      }));
  metrics_.registry().AddCollector(
      "omni_cluster_partition_epoch", "The epoch of each partition's lease (grows with each leader).",
      each_partition([](const PartitionStatus& p) -> std::optional<double> {
        if (p.epoch() == 0) return std::nullopt;  // nobody holds it
        return static_cast<double>(p.epoch());
      }));
  metrics_.registry().AddCollector(
      "omni_cluster_partition_lag_records",
      "Records of each partition's log not yet in this broker's store (a standby's lag; a "
      "leader's is 0 once the quorum answered).",
      each_partition([](const PartitionStatus& p) -> std::optional<double> {
        if (p.log_last() == 0 && !p.problem().empty()) return std::nullopt;  // unknown
        return static_cast<double>(p.log_last() > p.applied() ? p.log_last() - p.applied() : 0);
      }));
}

std::map<std::string, BrokerApp::QueueStat> BrokerApp::QueueStats() {
  std::map<std::string, QueueStat> out;
  if (!serving_) return out;
  // Every tenant's queues, counted together by queue name.
  for (const auto& partition : partitions_->opened()) {
    auto snapshot = std::make_shared<std::promise<omnibroker::v1::QueueSnapshot>>();
    auto future = snapshot->get_future();
    partition.core->Post([core = partition.core, snapshot] {
      omnibroker::v1::QueueSnapshot all;
      for (const auto& tenant : core->TenantNames()) {
        auto one = core->QueueSnapshot(tenant);
        if (!one.ok()) continue;
        *all.mutable_taken_at() = one->taken_at();
        for (auto& entry : *one->mutable_entries()) *all.add_entries() = std::move(entry);
      }
      snapshot->set_value(std::move(all));
    });
    if (future.wait_for(kCoreAnswer) != std::future_status::ready) continue;
    const auto taken = future.get();
    const TimePoint now = FromProto(taken.taken_at());
    for (const auto& entry : taken.entries()) {
      std::string queue = entry.queue().empty() ? "default" : entry.queue();
      if (!out.contains(queue) && out.size() >= kMaxQueueLabels) queue = "other";
      QueueStat& stat = out[queue];
      ++stat.depth;
      stat.oldest_wait_seconds =
          std::max(stat.oldest_wait_seconds,
                   std::chrono::duration<double>(now - FromProto(entry.queued_at())).count());
    }
  }
  return out;
}

void BrokerApp::Stop() {
  if (!started_) return;
  started_ = false;
  serving_ = false;
  const auto deadline = std::chrono::system_clock::now() + config_.shutdown_grace;
  if (grpc_server_) grpc_server_->GetHealthCheckService()->Shutdown();
  // Connectors first: they stop taking traffic, and what they already sent is acked meanwhile.
  if (host_) host_->Stop();
  if (console_service_) {
    console_service_->CloseStreams(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "the broker is shutting down"));
  }
  // Half the grace for calls in progress; the core's drain and the store's close need the rest.
  if (grpc_server_)
    grpc_server_->Shutdown(std::chrono::system_clock::now() + config_.shutdown_grace / 2);
  // No new frames; the partitions' acks of what they read still go out through the front.
  if (front_) front_->StopReading();
  if (partitions_) partitions_->Stop();
  if (front_) front_->Stop();
  // Before the cores go: /readyz and the queue collectors post to them.
  if (admin_) admin_->Stop();
  host_.reset();
  grpc_server_.reset();
  partitions_.reset();
  front_.reset();
  if (std::chrono::system_clock::now() > deadline) {
    LogWarning("broker", "stopping took longer than the shutdown grace");
  }
}

}  // namespace omni::app
