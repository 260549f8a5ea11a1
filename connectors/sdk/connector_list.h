// The `connectors:` list of a config file, the one schema the broker's file and omni-gateway's
// share, and how a process turns that list into running connectors on its ConnectorHost:
//
//   connectors:
//     - {type: telegram, name: telegram, settings: {listen: "0.0.0.0:8443", secret_token_file: …}}
//
// `name` defaults to the type and must be unique in the process. "${data_dir}" in a setting
// stands for the process's data directory (the broker's, or the gateway's state directory).
// A setting `<key>_file: PATH` is `<key>` read from the file PATH (a trailing newline dropped), so
// tokens and secrets stay out of the config file and the environment.
#pragma once

#include <filesystem>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/sdk/connector.h"
#include "connectors/sdk/connector_host.h"
#include "connectors/sdk/registry.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace omni::connectors {

// Reads a YAML sequence of {type, name, settings}; errors name the entry ("connectors[1].settings").
absl::StatusOr<std::vector<ConnectorConfig>> ParseConnectorList(const YAML::Node& list);

// Replaces each `<key>_file` setting of `config` by `<key>` with the file's content; errors name
// the connector and the setting (a missing or unreadable file, both `<key>` and `<key>_file`).
absl::Status ResolveSecretFiles(ConnectorConfig& config);

// Creates every configured connector from `registry` (with ${data_dir} expanded and secret files
// read) and adds it to
// `host`; fails on an unknown type, a duplicate name or a connector's own configuration error.
absl::Status AddConnectors(const ConnectorRegistry& registry, std::vector<ConnectorConfig> configs,
                           const std::filesystem::path& data_dir, ConnectorHost& host);

}  // namespace omni::connectors
