#include "connectors/gateway/run_command.h"

#include <atomic>
#include <memory>
#include <ostream>
#include <zmq.hpp>

#include "base/admin_http.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "connectors/gateway/gateway_config.h"
#include "connectors/sdk/connector_host.h"
#include "connectors/sdk/connector_list.h"
#include "connectors/sdk/registry.h"

namespace omni::gateway {

int RunGateway(const std::vector<std::string>& args, const sigset_t& stop_signals,
               std::ostream& out, std::ostream& err) {
  GatewayConfig config;
  if (auto s =
          ApplyGatewayArgs(args, config, connectors::ProcessEnvironment(kGatewayEnvironmentPrefix));
      !s.ok()) {
    err << "omni-gateway: " << s.message() << "\n";
    return 2;
  }
  auto registry = connectors::BuiltinConnectors();
  if (!registry.ok()) {
    err << "omni-gateway: " << registry.status() << "\n";
    return 2;
  }
  // Declared in this order so the admin port (which renders the host's series) stops first and
  // the registry goes last.
  MetricsRegistry metrics;
  zmq::context_t zmq;
  connectors::ConnectorHost host(zmq,
                                 {.broker_endpoint = config.broker,
                                  .tenant = config.tenant,
                                  .spool_dir = config.data_dir / "spool",
                                  .ack_timeout = config.ack_timeout,
                                  .curve = config.curve,
                                  .metrics = &metrics},
                                 SystemClock::Get());
  if (auto s = connectors::AddConnectors(*registry, config.connectors, config.data_dir, host);
      !s.ok()) {
    err << "omni-gateway: " << s.message() << "\n";
    return 2;
  }
  // Ready once every connector listens. The broker's reachability is not asked: events wait in
  // the outbox (omni_connector_outbox_events) while it is away, so the gateway still serves.
  std::atomic<bool> started = false;
  std::unique_ptr<AdminHttpServer> admin;
  if (!config.admin_listen.empty()) {
    auto server = AdminHttpServer::Start(config.admin_listen, metrics, [&started] {
      return started ? absl::OkStatus() : absl::UnavailableError("connectors are not started");
    });
    if (!server.ok()) {
      err << "omni-gateway: " << server.status().message() << "\n";
      return server.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
    }
    admin = *std::move(server);
  }
  if (auto s = host.Start(); !s.ok()) {
    err << "omni-gateway: " << s << "\n";
    return 1;
  }
  started = true;
  out << "omni-gateway: hosting";
  for (const auto& c : config.connectors) out << " " << c.name << " (" << c.type << ")";
  out << " for tenant " << config.tenant << ", broker " << config.broker
      << (config.curve.enabled() ? " (CURVE)" : " (no CURVE)") << ", admin HTTP on "
      << (admin ? admin->address() : "(off)") << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  out << "omni-gateway: signal " << signal << ", stopping" << std::endl;
  started = false;
  host.Stop();
  return 0;
}

}  // namespace omni::gateway
