// The `ingest:` section of the broker's config file: how out-of-process connectors (omni-gateway)
// may reach the ZeroMQ ingest endpoint, and the limits on what they send.
//
//   ingest:
//     curve_secret_key_file: /etc/omnibroker/ingest.secret   # or curve_secret_key (Z85)
//     clients:                     # each connector key and what it may do
//       - name: gateway-eu
//         public_key: "<Z85>"      # or public_key_file
//         tenants: [acme]          # publishes for these tenants only ("*" = every tenant)
//         providers: [webchat, whatsapp]   # publishes for and serves these ("*" = every one)
//         verify_senders: true     # may vouch for a sender's identity (sender.verified)
//     allowed_client_keys: ["<Z85>"]   # short form: the broker's tenant, every provider, no
//     allowed_client_keys_file: /etc/omnibroker/gateways.keys   # vouching; "<key> [name]" a line
//     max_message_bytes: 4194304   # a larger ZeroMQ frame cuts the connection
//     max_client_bytes: 268435456  # frames read ahead per connection, in bytes at most
//     client_events_per_second: 50000   # per connector key; above, answered retry_later
//     limits: {max_event_bytes: 2097152, max_text_bytes: 262144, max_html_bytes: 1048576,
//              max_attachments: 50, max_attachment_bytes: 26214400}
//
// Without a secret key the endpoint speaks no CURVE (anyone who reaches the port may publish):
// the broker allows that only on loopback, or with `insecure: true`. Keys come from
// `omnibroker keygen`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/ingest/ingest_endpoint.h"
#include "broker/ingest/validate.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace omni::app {

// One entry of `clients:`.
struct IngestClient {
  std::string name;
  std::string public_key;       // Z85
  std::string public_key_file;  // or the key in a file
  std::vector<std::string> tenants;
  std::vector<std::string> providers;
  bool verify_senders = false;
};

struct IngestConfig {
  std::string curve_secret_key;  // Z85
  std::string curve_secret_key_file;
  std::vector<std::string> allowed_client_keys;  // Z85 public keys
  std::string allowed_client_keys_file;
  std::vector<IngestClient> clients;
  int64_t max_message_bytes = ingest::IngestOptions{}.max_message_bytes;
  int64_t max_client_bytes = int64_t{256} << 20;
  int64_t client_events_per_second =
      static_cast<int64_t>(ingest::IngestOptions{}.client_events_per_second);
  ingest::Limits limits;

  bool curve() const { return !curve_secret_key.empty() || !curve_secret_key_file.empty(); }
};

// Applies the `ingest:` mapping over `config`; errors name the key and its line or variable.
absl::Status ApplyIngestSection(const YAML::Node& section, IngestConfig& config);

// The endpoint's options: key files read, every key checked, the limits consistent. Keys of the
// short form (allowed_client_keys) publish for `default_tenant`. The broker starts with these,
// and check-config runs the same.
absl::StatusOr<ingest::IngestOptions> ResolveIngestOptions(const IngestConfig& config,
                                                           const std::string& default_tenant);

}  // namespace omni::app
