#include "connectors/gateway/run_command.h"

#include <ostream>
#include <zmq.hpp>

#include "base/clock.h"
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
  zmq::context_t zmq;
  connectors::ConnectorHost host(zmq,
                                 {.broker_endpoint = config.broker,
                                  .tenant = config.tenant,
                                  .spool_dir = config.data_dir / "spool",
                                  .ack_timeout = config.ack_timeout,
                                  .curve = config.curve},
                                 SystemClock::Get());
  if (auto s = connectors::AddConnectors(*registry, config.connectors, config.data_dir, host);
      !s.ok()) {
    err << "omni-gateway: " << s.message() << "\n";
    return 2;
  }
  if (auto s = host.Start(); !s.ok()) {
    err << "omni-gateway: " << s << "\n";
    return 1;
  }
  out << "omni-gateway: hosting";
  for (const auto& c : config.connectors) out << " " << c.name << " (" << c.type << ")";
  out << " for tenant " << config.tenant << ", broker " << config.broker
      << (config.curve.enabled() ? " (CURVE)" : " (no CURVE)") << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  out << "omni-gateway: signal " << signal << ", stopping" << std::endl;
  host.Stop();
  return 0;
}

}  // namespace omni::gateway
