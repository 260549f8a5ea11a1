#include "broker/app/ingest_config.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/curve_keys.h"
#include "base/secret_file.h"
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
    } else if (key == "max_message_bytes") {
      s = PositiveInt(key, value, config.max_message_bytes);
    } else if (key == "limits") {
      s = ApplyLimits(value, config.limits);
    } else {
      s = Error(key, kv.first,
                "unknown key; known: curve_secret_key, curve_secret_key_file, "
                "allowed_client_keys, allowed_client_keys_file, max_message_bytes, limits");
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<ingest::IngestOptions> ResolveIngestOptions(const IngestConfig& config) {
  ingest::IngestOptions options;
  options.max_message_bytes = config.max_message_bytes;
  if (static_cast<size_t>(config.max_message_bytes) <= config.limits.max_event_bytes) {
    // A frame cut by ZeroMQ gets no ack at all; an event merely too big should hear why.
    return absl::InvalidArgumentError(absl::StrCat(
        "ingest.max_message_bytes (", config.max_message_bytes,
        ") must be above ingest.limits.max_event_bytes (", config.limits.max_event_bytes, ")"));
  }
  if (!config.curve_secret_key.empty() && !config.curve_secret_key_file.empty()) {
    return absl::InvalidArgumentError(
        "ingest: set curve_secret_key or curve_secret_key_file, not both");
  }
  std::vector<std::string> keys = config.allowed_client_keys;
  if (!config.curve()) {
    if (!keys.empty() || !config.allowed_client_keys_file.empty()) {
      return absl::InvalidArgumentError(
          "ingest: allowed client keys need curve_secret_key_file (the broker's CURVE key)");
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
  for (size_t i = 0; i < keys.size(); ++i) {
    if (auto s = CheckCurveKey(absl::StrCat("ingest.allowed_client_keys[", i, "]"), keys[i]);
        !s.ok()) {
      return s;
    }
  }
  if (!config.allowed_client_keys_file.empty()) {
    auto text = ReadSecretFile(config.allowed_client_keys_file);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ingest.allowed_client_keys_file: ", text.status().message()));
    }
    auto listed = ParseCurveKeyList(
        absl::StrCat("ingest.allowed_client_keys_file ", config.allowed_client_keys_file), *text);
    if (!listed.ok()) return listed.status();
    keys.insert(keys.end(), listed->begin(), listed->end());
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        "ingest: CURVE is on but no connector key is allowed (allowed_client_keys or "
        "allowed_client_keys_file); every connector would be refused");
  }
  options.allowed_client_keys = {keys.begin(), keys.end()};
  return options;
}

}  // namespace omni::app
