// The `ingest:` section of the broker's config file: how out-of-process connectors (omni-gateway)
// may reach the ZeroMQ ingest endpoint, and the limits on what they send.
//
//   ingest:
//     curve_secret_key_file: /etc/omnibroker/ingest.secret   # or curve_secret_key (Z85)
//     allowed_client_keys: ["<Z85 public key of a gateway>"]
//     allowed_client_keys_file: /etc/omnibroker/gateways.keys  # "<key> [comment]" a line
//     max_message_bytes: 4194304   # a larger ZeroMQ frame cuts the connection
//     limits: {max_event_bytes: 2097152, max_text_bytes: 262144, max_html_bytes: 1048576,
//              max_attachments: 50, max_attachment_bytes: 26214400}
//
// Without a secret key the endpoint speaks no CURVE (anyone who reaches the port may publish), and
// the broker warns at start: fine on 127.0.0.1 for development, never across a network. Keys
// come from `omnibroker keygen`.
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

struct IngestConfig {
  std::string curve_secret_key;  // Z85
  std::string curve_secret_key_file;
  std::vector<std::string> allowed_client_keys;  // Z85 public keys
  std::string allowed_client_keys_file;
  int64_t max_message_bytes = ingest::IngestOptions{}.max_message_bytes;
  ingest::Limits limits;

  bool curve() const { return !curve_secret_key.empty() || !curve_secret_key_file.empty(); }
};

// Applies the `ingest:` mapping over `config`; errors name the key and its line or variable.
absl::Status ApplyIngestSection(const YAML::Node& section, IngestConfig& config);

// The endpoint's options: key files read, every key checked, the limits consistent. The broker
// starts with these, and check-config runs the same.
absl::StatusOr<ingest::IngestOptions> ResolveIngestOptions(const IngestConfig& config);

}  // namespace omni::app
