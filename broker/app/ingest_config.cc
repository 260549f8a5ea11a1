#include "broker/app/ingest_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/curve_keys.h"
#include "base/secret_file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "connectors/sdk/config_environment.h"

namespace omni::app {
namespace {

using connectors::Where;

absl::Status Error(const std::string& key, const YAML::Node& node, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("ingest.", key, " (", Where(node), "): ", ToAbsl(problem)));
}

template <typename Int>
absl::Status PositiveInt(const std::string& key, const YAML::Node& node, Int& out) {
  int64_t n = 0;
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &n) || n < 1) {
    return Error(key, node, "a whole number, at least 1");
  }
  out = static_cast<Int>(n);
  return absl::OkStatus();
}

absl::Status ApplyLimits(const YAML::Node& section, ingest::Limits& limits) {
  if (!section.IsMap()) return Error("limits", section, "must be a mapping");
  for (const auto& kv : section) {
    const std::string key = kv.first.as<std::string>();
    const std::string at = "limits." + key;
    absl::Status s;
    if (key == "max_event_bytes") {
      s = PositiveInt(at, kv.second, limits.max_event_bytes);
    } else if (key == "max_text_bytes") {
      s = PositiveInt(at, kv.second, limits.max_text_bytes);
    } else if (key == "max_html_bytes") {
      s = PositiveInt(at, kv.second, limits.max_html_bytes);
    } else if (key == "max_attachments") {
      s = PositiveInt(at, kv.second, limits.max_attachments);
    } else if (key == "max_attachment_bytes") {
      s = PositiveInt(at, kv.second, limits.max_attachment_bytes);
    } else {
      s = Error(at, kv.first,
                "unknown key; known: max_event_bytes, max_text_bytes, max_html_bytes, "
                "max_attachments, max_attachment_bytes");
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status NameList(const std::string& key, const YAML::Node& node,
                      std::vector<std::string>& out) {
  if (!node.IsSequence() || node.size() == 0) return Error(key, node, "a non-empty list of names");
  out.clear();
  for (const auto& item : node) {
    if (!item.IsScalar() || item.Scalar().empty()) return Error(key, item, "a list of names");
    out.push_back(item.Scalar());
  }
  return absl::OkStatus();
}

absl::Status ApplyClient(const std::string& at, const YAML::Node& entry, IngestClient& client) {
  if (!entry.IsMap()) return Error(at, entry, "a mapping (name, public_key, tenants, providers)");
  for (const auto& kv : entry) {
    const std::string key = kv.first.as<std::string>();
    const std::string path = at + "." + key;
    const YAML::Node& value = kv.second;
    std::string* text = key == "name"              ? &client.name
                        : key == "public_key"      ? &client.public_key
                        : key == "public_key_file" ? &client.public_key_file
                                                   : nullptr;
    absl::Status s;
    if (text != nullptr) {
      if (!value.IsScalar() || value.Scalar().empty()) return Error(path, value, "a single value");
      *text = value.Scalar();
    } else if (key == "tenants") {
      s = NameList(path, value, client.tenants);
    } else if (key == "providers") {
      s = NameList(path, value, client.providers);
    } else if (key == "verify_senders") {
      if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false")) {
        return Error(path, value, "true or false");
      }
      client.verify_senders = value.Scalar() == "true";
    } else {
      s = Error(path, kv.first,
                "unknown key; known: name, public_key, public_key_file, tenants, providers, "
                "verify_senders");
    }
    if (!s.ok()) return s;
  }
  if (client.name.empty()) return Error(at + ".name", entry, "required");
  if (client.public_key.empty() == client.public_key_file.empty()) {
    return Error(at, entry, "needs public_key or public_key_file (one of them)");
  }
  if (client.tenants.empty()) {
    return Error(at + ".tenants", entry, "required: the tenants it publishes for (\"*\" = all)");
  }
  if (client.providers.empty()) {
    return Error(at + ".providers", entry,
                 "required: the providers it publishes for and serves (\"*\" = all)");
  }
  return absl::OkStatus();
}

absl::Status ApplyClients(const YAML::Node& node, std::vector<IngestClient>& clients) {
  if (!node.IsSequence()) return Error("clients", node, "a list of connector keys");
  clients.clear();
  for (size_t i = 0; i < node.size(); ++i) {
    IngestClient client;
    OMNI_RETURN_IF_ERROR(ApplyClient(absl::StrCat("clients[", i, "]"), node[i], client));
    clients.push_back(std::move(client));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyIngestSection(const YAML::Node& section, IngestConfig& config) {
  if (!section.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ingest (", Where(section), "): must be a mapping"));
  }
  for (const auto& kv : section) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& value = kv.second;
    std::string* text = key == "curve_secret_key"           ? &config.curve_secret_key
                        : key == "curve_secret_key_file"    ? &config.curve_secret_key_file
                        : key == "allowed_client_keys_file" ? &config.allowed_client_keys_file
                                                            : nullptr;
    absl::Status s;
    if (text != nullptr) {
      if (!value.IsScalar() || value.Scalar().empty()) {
        s = Error(key, value, "a single non-empty value");
      } else {
        *text = value.Scalar();
      }
    } else if (key == "allowed_client_keys") {
      if (!value.IsSequence()) {
        s = Error(key, value, "a list of Z85 public keys");
      } else {
        config.allowed_client_keys.clear();
        for (const auto& item : value) {
          if (!item.IsScalar()) {
            s = Error(key, item, "a list of Z85 public keys");
            break;
          }
          config.allowed_client_keys.push_back(item.Scalar());
        }
      }
    } else if (key == "clients") {
      s = ApplyClients(value, config.clients);
    } else if (key == "max_message_bytes") {
      s = PositiveInt(key, value, config.max_message_bytes);
    } else if (key == "max_client_bytes") {
      s = PositiveInt(key, value, config.max_client_bytes);
    } else if (key == "client_events_per_second") {
      s = PositiveInt(key, value, config.client_events_per_second);
    } else if (key == "limits") {
      s = ApplyLimits(value, config.limits);
    } else {
      s = Error(key, kv.first,
                "unknown key; known: curve_secret_key, curve_secret_key_file, clients, "
                "allowed_client_keys, allowed_client_keys_file, max_message_bytes, "
                "max_client_bytes, client_events_per_second, limits");
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<ingest::IngestOptions> ResolveIngestOptions(const IngestConfig& config,
                                                           const std::string& default_tenant) {
  ingest::IngestOptions options;
  options.max_message_bytes = config.max_message_bytes;
  if (static_cast<size_t>(config.max_message_bytes) <= config.limits.max_event_bytes) {
    // A frame cut by ZeroMQ gets no ack at all; an event merely too big should hear why.
    return absl::InvalidArgumentError(absl::StrCat(
        "ingest.max_message_bytes (", config.max_message_bytes,
        ") must be above ingest.limits.max_event_bytes (", config.limits.max_event_bytes, ")"));
  }
  if (config.max_client_bytes < config.max_message_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ingest.max_client_bytes (", config.max_client_bytes,
        ") must be at least ingest.max_message_bytes (", config.max_message_bytes, ")"));
  }
  options.receive_queue_frames =
      static_cast<int>(std::min<int64_t>(config.max_client_bytes / config.max_message_bytes, 100000));
  options.client_events_per_second = static_cast<double>(config.client_events_per_second);
  if (!config.curve_secret_key.empty() && !config.curve_secret_key_file.empty()) {
    return absl::InvalidArgumentError(
        "ingest: set curve_secret_key or curve_secret_key_file, not both");
  }
  if (!config.curve()) {
    if (!config.allowed_client_keys.empty() || !config.allowed_client_keys_file.empty() ||
        !config.clients.empty()) {
      return absl::InvalidArgumentError(
          "ingest: connector keys (clients, allowed_client_keys) need curve_secret_key_file (the "
          "broker's CURVE key)");
    }
    return options;
  }
  if (!CurveAvailable()) {
    return absl::FailedPreconditionError(
        "ingest: CURVE is configured but this libzmq has no CURVE support (built without "
        "libsodium)");
  }
  options.curve_secret_key = config.curve_secret_key;
  if (!config.curve_secret_key_file.empty()) {
    auto secret = ReadSecretFile(config.curve_secret_key_file);
    if (!secret.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ingest.curve_secret_key_file: ", secret.status().message()));
    }
    options.curve_secret_key = *std::move(secret);
  }
  if (auto s = CurvePublicKey("ingest.curve_secret_key", options.curve_secret_key); !s.ok()) {
    return s.status();
  }
  auto add = [&](const std::string& what, const std::string& key,
                 ingest::ConnectorGrant grant) -> absl::Status {
    OMNI_RETURN_IF_ERROR(CheckCurveKey(what, key));
    if (!options.clients.emplace(key, std::move(grant)).second) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": the key is listed twice"));
    }
    return absl::OkStatus();
  };
  // The short form: the broker's own tenant, every provider, no vouching for identities.
  auto short_form = [&](const std::string& key) {
    return ingest::ConnectorGrant{.name = absl::StrCat("key ", key.substr(0, 8), "…"),
                                  .tenants = {default_tenant},
                                  .providers = {std::string(ingest::kAnyName)}};
  };
  for (size_t i = 0; i < config.allowed_client_keys.size(); ++i) {
    const std::string& key = config.allowed_client_keys[i];
    OMNI_RETURN_IF_ERROR(
        add(absl::StrCat("ingest.allowed_client_keys[", i, "]"), key, short_form(key)));
  }
  if (!config.allowed_client_keys_file.empty()) {
    auto text = ReadSecretFile(config.allowed_client_keys_file);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ingest.allowed_client_keys_file: ", text.status().message()));
    }
    const std::string what =
        absl::StrCat("ingest.allowed_client_keys_file ", config.allowed_client_keys_file);
    auto listed = ParseCurveKeyList(what, *text);
    if (!listed.ok()) return listed.status();
    for (const auto& key : *listed) OMNI_RETURN_IF_ERROR(add(what, key, short_form(key)));
  }
  for (size_t i = 0; i < config.clients.size(); ++i) {
    const IngestClient& client = config.clients[i];
    const std::string at = absl::StrCat("ingest.clients[", i, "] (", client.name, ")");
    std::string key = client.public_key;
    if (!client.public_key_file.empty()) {
      auto read = ReadSecretFile(client.public_key_file);
      if (!read.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".public_key_file: ", read.status().message()));
      }
      key = std::string(absl::StripAsciiWhitespace(*read));
    }
    OMNI_RETURN_IF_ERROR(add(at + ".public_key", key,
                             ingest::ConnectorGrant{
                                 .name = client.name,
                                 .tenants = {client.tenants.begin(), client.tenants.end()},
                                 .providers = {client.providers.begin(), client.providers.end()},
                                 .may_verify_senders = client.verify_senders}));
  }
  if (options.clients.empty()) {
    return absl::InvalidArgumentError(
        "ingest: CURVE is on but no connector key is allowed (clients, allowed_client_keys or "
        "allowed_client_keys_file); every connector would be refused");
  }
  return options;
}

}  // namespace omni::app
