// Environment overrides for a YAML config file, the one mapping the broker and omni-gateway share
// (flags > environment > file > defaults). A variable PREFIX + PATH sets the value at PATH, where
// PATH is the keys in upper case joined by "__" (a key's own "_" stays):
//
//   OMNIBROKER_GRPC_LISTEN=0.0.0.0:50051           grpc_listen: 0.0.0.0:50051
//   OMNIBROKER_ROUTING__OFFER_TIMEOUT=30s          routing: {offer_timeout: 30s}
//   OMNIBROKER_CONNECTORS__WEBCHAT__SETTINGS__LISTEN=0.0.0.0:8080
//                                                   the connector named webchat in the file
//   OMNI_GATEWAY_CONNECTORS__0__SETTINGS__BOT_TOKEN_FILE=/run/secrets/bot
//
// A list element is named by its index or by its `name` (connectors) or `id` (agents); lists are
// not created from the environment. The value is one scalar, read as the file would read it
// unquoted. A value set this way remembers its variable, so an error about it names the variable
// instead of a line (Where()).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace omni::connectors {

// Variable name -> value.
using ConfigEnvironment = std::map<std::string, std::string>;

// The variables of this process that start with `prefix`.
ConfigEnvironment ProcessEnvironment(std::string_view prefix);

// Sets every variable of `env` that starts with `prefix` into `root` (a mapping, or null for no
// file). Errors name the variable and what is wrong with its path.
absl::Status ApplyEnvironment(const ConfigEnvironment& env, std::string_view prefix,
                              YAML::Node& root);

// Where a value came from, for error messages: "line 7", or "environment OMNIBROKER_TENANT".
std::string Where(const YAML::Node& node);

}  // namespace omni::connectors
