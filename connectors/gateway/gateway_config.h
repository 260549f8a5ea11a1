// omni-gateway's configuration: which broker to talk to and which connectors to host. A YAML file
// (--config) whose `connectors:` list is the same schema as the broker's config file:
//
//   broker: tcp://broker-0.omnibroker:5570   # the broker's ingest endpoint (ZeroMQ ROUTER)
//   tenant: acme
//   data_dir: /var/lib/omni-gateway          # the outbox spool and connector state
//   ack_timeout_ms: 2000                     # resend an unacknowledged event after this
//   connectors:
//     - {type: telegram, settings: {listen: "0.0.0.0:8443", secret_token: …, bot_token: …}}
//
// Precedence: defaults < file < flags (--broker, --tenant, --data-dir).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "connectors/sdk/connector.h"

namespace omni::gateway {

struct GatewayConfig {
  std::string broker = "tcp://127.0.0.1:5570";
  std::string tenant = "default";
  std::filesystem::path data_dir = "gateway-data";
  std::chrono::milliseconds ack_timeout{2000};
  std::vector<connectors::ConnectorConfig> connectors;
};

// Applies the YAML document `text` over `config`; errors name the line or the field.
absl::Status ApplyGatewayConfigText(std::string_view text, GatewayConfig& config);

// Applies `args` (the words after "run"): --config FILE first, then the flags over it.
absl::Status ApplyGatewayArgs(const std::vector<std::string>& args, GatewayConfig& config);

}  // namespace omni::gateway
