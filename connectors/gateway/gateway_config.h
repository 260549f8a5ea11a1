// omni-gateway's configuration: which broker to talk to and which connectors to host. A YAML file
// (--config) whose `connectors:` list is the same schema as the broker's config file:
//
//   broker: tcp://broker-0.omnibroker:5570   # the broker's ingest endpoint (ZeroMQ ROUTER); in a
//                                            # cluster any of its brokers, or several
//                                            # comma-separated (docs/cluster.md)
//   tenant: acme                              # the connectors' tenant, unless one names its own
//   data_dir: /var/lib/omni-gateway          # the outbox spool and connector state
//   ack_timeout_ms: 2000                     # resend an unacknowledged event after this
//   broker_public_key: <Z85>                 # CURVE: the broker's key (`omnibroker keygen`)
//   broker_public_key_file: /run/secrets/…   # or the broker's key in a file
//   curve_secret_key_file: /etc/omni-gateway/curve.secret   # this gateway's (or curve_secret_key)
//   admin_listen: 127.0.0.1:9465             # /metrics, /livez, /readyz; "" = off
//   connectors:
//     - {type: telegram, settings: {listen: "0.0.0.0:8443", secret_token: …, bot_token: …}}
//     - {type: webchat, name: webchat-globex, tenant: globex, settings: {listen: "0.0.0.0:8081"}}
//
// Precedence: defaults < file < environment (OMNI_GATEWAY_<PATH>, see
// connectors/sdk/config_environment.h) < flags (--broker, --tenant, --data-dir, --admin-listen).
// Connector settings `<key>_file` are read from files as in the broker.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "base/curve_keys.h"
#include "connectors/sdk/config_environment.h"
#include "connectors/sdk/connector.h"

namespace omni::gateway {

struct GatewayConfig {
  std::string broker = "tcp://127.0.0.1:5570";
  std::string tenant = "default";
  std::filesystem::path data_dir = "gateway-data";
  std::chrono::milliseconds ack_timeout{2000};
  // CURVE: both keys, or neither (a broker without CURVE). The secret key's public half must be
  // one of the broker's ingest.clients (or allowed_client_keys).
  CurveClientKeys curve;
  std::string curve_secret_key_file;   // read into curve.secret_key by ApplyGatewayArgs
  std::string broker_public_key_file;  // read into curve.server_public_key likewise
  // The admin HTTP port (base/admin_http.h), "host:port"; "" = off. On by default on loopback like
  // the broker's (9464), one port above it so both fit on one host.
  std::string admin_listen = "127.0.0.1:9465";
  std::vector<connectors::ConnectorConfig> connectors;
};

inline constexpr std::string_view kGatewayEnvironmentPrefix = "OMNI_GATEWAY_";

// Applies the YAML document `text`, with the OMNI_GATEWAY_ variables of `env` over it, over
// `config`; errors name the line (or the variable) or the field.
absl::Status ApplyGatewayConfigText(std::string_view text, GatewayConfig& config,
                                    const connectors::ConfigEnvironment& env = {});

// Applies `args` (the words after "run"): --config FILE and `env` first, then the flags over them.
absl::Status ApplyGatewayArgs(const std::vector<std::string>& args, GatewayConfig& config,
                              const connectors::ConfigEnvironment& env = {});

}  // namespace omni::gateway
