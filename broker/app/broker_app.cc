#include "broker/app/broker_app.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "connectors/sdk/connector_list.h"
#include "connectors/sdk/registry.h"

namespace omni::app {
namespace {
constexpr char kInprocIngest[] = "inproc://omni-ingest";
}  // namespace

BrokerApp::BrokerApp(BrokerConfig config, const Clock& clock) : config_(std::move(config)), clock_(clock) {}

BrokerApp::~BrokerApp() { Stop(); }

absl::Status BrokerApp::Start() {
  started_ = true;
  OMNI_ASSIGN_OR_RETURN(store_, store::Store::Open({.dir = config_.data_dir / "store",
                                                     .dedupe_window = config_.dedupe_window,
                                                     .clock = &clock_}));

  core::BrokerCoreOptions core_options;
  core_options.ingest_endpoints = {kInprocIngest};
  if (!config_.ingest_listen.empty()) core_options.ingest_endpoints.push_back(config_.ingest_listen);
  OMNI_RETURN_IF_ERROR(routing::Validate(config_.routing));
  core_options.routing = config_.routing;
  core_options.retention = config_.retention;
  core_options.escalation_roles = config_.escalation_roles;
  core_options.join_open_conversation_across_channels = config_.join_open_conversation_across_channels;
  core_ = std::make_unique<core::BrokerCore>(zmq_, *store_, clock_, core_options);
  OMNI_RETURN_IF_ERROR(core_->Start());

  // The configured roster, applied on the core thread like any Admin change.
  std::promise<absl::Status> roster;
  core_->Post([&] {
    absl::Status s;
    for (const auto& agent : config_.agents) {
      if (s = core_->UpsertAgent(agent); !s.ok()) break;
    }
    roster.set_value(s);
  });
  OMNI_RETURN_IF_ERROR(roster.get_future().get());

  console_service_ = std::make_unique<console::AgentConsoleService>(*core_);
  admin_service_ = std::make_unique<admin::AdminService>(*core_);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config_.grpc_listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(console_service_.get());
  builder.RegisterService(admin_service_.get());
  grpc_server_ = builder.BuildAndStart();
  if (!grpc_server_ || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", config_.grpc_listen));
  }
  grpc_address_ = absl::StrCat(config_.grpc_listen.substr(0, config_.grpc_listen.rfind(':')), ":", port);

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
  LogInfo("broker", absl::StrCat("started: gRPC on ", grpc_address_, ", data in ", config_.data_dir.string()));
  return absl::OkStatus();
}

void BrokerApp::Stop() {
  if (!started_) return;
  started_ = false;
  if (host_) host_->Stop();
  if (grpc_server_) grpc_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (core_) core_->Stop();
  host_.reset();
  grpc_server_.reset();
  core_.reset();
  store_.reset();
}

}  // namespace omni::app
