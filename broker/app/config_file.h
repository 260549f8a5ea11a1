// The broker's config file (YAML). Its sections are the broker's own settings and, in the proto
// JSON spelling of their messages, the routing policy (omnibroker.v1.RoutingPolicy) and the roster
// (omnibroker.v1.Agent), so the file, Admin and omnictl share one schema:
//
//   data_dir: /var/lib/omnibroker
//   grpc_listen: 127.0.0.1:50051
//   ingest_listen: tcp://127.0.0.1:5570
//   ingest: {curve_secret_key_file: …, allowed_client_keys_file: …}   # see ingest_config.h
//   tenant: acme        # the default tenant: built-in connectors' events, the routing and
//                       # agents below
//   dedupe_window_hours: 192   # how long provider retries are recognised
//   retention: [{tenant: "*", events_days: 730, sensitive_attachment_days: 30}]
//   escalation_roles: {"*": supervisor, acme: acme-team-leads}   # who gets a breach's escalation
//   routing:            # fields given replace the defaults
//     offer_timeout: 30s
//     tiers: [{tier: TIER_VIP, weight: 900, first_response: 60s, senior_pool: true}]
//     calendars: [{name: office, time_zone: Europe/Berlin,      # business hours (docs/routing.md)
//                  weekly: [{days: [mon, tue, wed, thu, fri], hours: ["09:00-18:00"]}]}]
//     queue_hours: [{queue: billing, calendar: office, after_hours: [{action: AFTER_HOURS_AUTO_REPLY,
//                    messages: {en: "We open at 9:00."}}]}]   # errors name the entry's line
//     quality:          # scorecards, review sampling, agents' standing (docs/quality.md)
//       scorecards: [{name: support, criteria: [{name: greeting, weight: 10},
//                     {name: solution, weight: 40, kind: CRITERION_THREE_LEVEL}]}]
//       sampling: {share: 0.05, long_handle: 3600s, short_handle: 30s}
//       thresholds: {last_reviews: 5, off_routing_below: 45, training_below: 76}
//   agents:             # replaces the demo roster
//     - {id: alice, languages: [en], skills: [{name: billing, proficiency: 8}],
//        capacity: [{channel: CHANNEL_CHAT, max_concurrent: 3}], tiers: [TIER_VIP]}
//   tenants:            # the others, each with its own policy (over the defaults) and roster
//     - name: globex    # 1-64 of a-z, 0-9, '_', '-' (base/tenant_name.h)
//       routing: {offer_timeout: 45s}
//       agents: [{id: alice, languages: [en], skills: [{name: support, proficiency: 7}]}]
//   connectors:         # replaces the built-in web chat
//     - {type: webchat, name: webchat, settings: {listen: "127.0.0.1:8080", token_secret_file:
//     /etc/omni/webchat.secret}}
//
// "${data_dir}" in a connector setting stands for the data directory; `<key>_file` in a connector
// setting reads `<key>` from a file (connectors/sdk/connector_list.h). Other settings:
//   admin_listen: 127.0.0.1:9464   # /metrics, /livez, /readyz; "" = off
//   log_format: json               # or text
//   shutdown_grace_seconds: 10     # SIGTERM: stop taking work, drain, flush, exit 0 within this
//   grpc_security:                 # TLS and agent tokens of the gRPC port (README "Security")
//     tls_cert_file: /etc/omni/broker.crt   # with tls_key_file: TLS; nothing = plaintext
//     tls_key_file: /etc/omni/broker.key
//     tls_client_ca_file: /etc/omni/clients-ca.crt   # set: mTLS, client certificates required
//     token_secret_file: /etc/omni/agent-token.secret  # HMAC key, >= 32 bytes; none = dev mode
//     token_leeway_seconds: 60       # clock skew allowed on a token's exp and iat
//     token_max_lifetime_hours: 720  # longer-lived tokens (exp - iat) are refused
//     rate_limit_per_second: 50      # per agent: console requests and history reads; 0 = off
//     rate_limit_burst: 100
//     failed_auth_per_second: 0.1   # per client address, after failed_auth_burst; 0 = off
//     failed_auth_burst: 20
//   cluster:                       # lead the partitions in a cluster (docs/cluster.md); none = alone
//     servers: [nats://nats-0:4222, nats://nats-1:4222]  # or one string, comma-separated
//     broker_id: broker-0          # unique in the cluster; default: the host name
//     replicas: 3                  # copies of each log record and lease (1 to 5)
//     lease_ttl_ms: 5000           # a dead leader's partitions wait this long for another
//     ingest_address: tcp://broker-0.omni:5570  # where connectors and other brokers reach this
//     grpc_address: broker-0.omni:50051         # one; default: the listen address (a wildcard
//                                               # host replaced by the host name)
// Environment variables OMNIBROKER_<PATH> override the file (connectors/sdk/config_environment.h).
// Precedence: embedded defaults < this file < environment < command-line flags.
#pragma once

#include <filesystem>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/app/broker_config.h"
#include "connectors/sdk/config_environment.h"

namespace omni::app {

inline constexpr std::string_view kEnvironmentPrefix = "OMNIBROKER_";

// Applies the YAML document `text`, with the OMNIBROKER_ variables of `env` over it, over
// `config`; errors name the line (or the variable) and the field.
absl::Status ApplyConfigText(std::string_view text, BrokerConfig& config,
                             const connectors::ConfigEnvironment& env = {});
// The same for a file.
absl::Status ApplyConfigFile(const std::filesystem::path& path, BrokerConfig& config,
                             const connectors::ConfigEnvironment& env = {});
// The NATS servers of a cluster written as one string (`--cluster`, OMNIBROKER_CLUSTER__SERVERS):
// nats:// or tls:// URLs with a port, comma-separated; the error names `where`.
absl::StatusOr<std::vector<std::string>> ClusterServers(std::string_view text,
                                                        const std::string& where);

}  // namespace omni::app
