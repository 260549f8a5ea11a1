// BrokerApp: the broker's components, wired. Opens the store, starts the core, the gRPC server
// (AgentConsole, Admin, health) and the built-in connectors in-process over inproc://. Used by
// main and by integration tests, which start a real broker on free ports.
//
// Lifecycle: Start() once, Stop() once (also on destruction); stop order is the reverse of start.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <zmq.hpp>

#include "absl/status/status.h"
#include "base/clock.h"
#include "broker/admin/admin_service.h"
#include "broker/app/broker_config.h"
#include "broker/console/agent_console_service.h"
#include "broker/core/broker_core.h"
#include "broker/store/store.h"
#include "connectors/sdk/connector_host.h"

namespace omni::app {

class BrokerApp {
 public:
  explicit BrokerApp(BrokerConfig config, const Clock& clock = SystemClock::Get());
  ~BrokerApp();

  absl::Status Start();
  void Stop();

  // "127.0.0.1:<port>" as bound.
  std::string grpc_address() const { return grpc_address_; }
  // The ingest endpoints as bound (inproc and, if configured, tcp with its port).
  const std::vector<std::string>& ingest_endpoints() const { return core_->ingest_endpoints(); }
  connectors::Connector* connector(std::string_view name) const { return host_ ? host_->Find(name) : nullptr; }
  core::BrokerCore& core() { return *core_; }

 private:
  const BrokerConfig config_;
  const Clock& clock_;
  zmq::context_t zmq_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<core::BrokerCore> core_;
  std::unique_ptr<console::AgentConsoleService> console_service_;
  std::unique_ptr<admin::AdminService> admin_service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<connectors::ConnectorHost> host_;
  std::string grpc_address_;
  bool started_ = false;
};

}  // namespace omni::app
