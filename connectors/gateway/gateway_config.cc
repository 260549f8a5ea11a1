#include "connectors/gateway/gateway_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/secret_file.h"
#include "connectors/sdk/config_environment.h"
#include "connectors/sdk/connector_list.h"

namespace omni::gateway {
namespace {

absl::Status Scalar(const YAML::Node& node, const std::string& key, std::string& out) {
  if (!node.IsScalar()) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, " (", connectors::Where(node), "): must be a single value"));
  }
  out = node.Scalar();
  return absl::OkStatus();
}

// Reads the secret key file and checks that the CURVE keys are whole and consistent.
absl::Status ResolveCurve(GatewayConfig& config) {
  CurveClientKeys& curve = config.curve;
  if (!config.broker_public_key_file.empty()) {
    if (!curve.server_public_key.empty()) {
      return absl::InvalidArgumentError("set broker_public_key or broker_public_key_file, not both");
    }
    auto key = ReadSecretFile(config.broker_public_key_file);
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("broker_public_key_file: ", key.status().message()));
    }
    curve.server_public_key = *std::move(key);
  }
  if (!config.curve_secret_key_file.empty()) {
    if (!curve.secret_key.empty()) {
      return absl::InvalidArgumentError("set curve_secret_key or curve_secret_key_file, not both");
    }
    auto secret = ReadSecretFile(config.curve_secret_key_file);
    if (!secret.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("curve_secret_key_file: ", secret.status().message()));
    }
    curve.secret_key = *std::move(secret);
  }
  if (curve.server_public_key.empty() != curve.secret_key.empty()) {
    return absl::InvalidArgumentError(
        "CURVE needs both broker_public_key and curve_secret_key(_file), or neither");
  }
  if (!curve.enabled()) return absl::OkStatus();
  if (auto s = CheckCurveKey("broker_public_key", curve.server_public_key); !s.ok()) return s;
  return CurvePublicKey("curve_secret_key", curve.secret_key).status();
}

}  // namespace

absl::Status ApplyGatewayConfigText(std::string_view text, GatewayConfig& config,
                                    const connectors::ConfigEnvironment& env) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config is not valid YAML: ", e.what()));
  }
  if (!root.IsNull() && !root.IsMap())
    return absl::InvalidArgumentError("config: the top level must be a mapping");
  if (auto s = connectors::ApplyEnvironment(env, kGatewayEnvironmentPrefix, root); !s.ok())
    return s;
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& value = kv.second;
    std::string text_value;
    if (key == "broker") {
      if (auto s = Scalar(value, key, config.broker); !s.ok()) return s;
    } else if (key == "tenant") {
      if (auto s = Scalar(value, key, config.tenant); !s.ok()) return s;
    } else if (key == "data_dir") {
      if (auto s = Scalar(value, key, text_value); !s.ok()) return s;
      config.data_dir = text_value;
    } else if (key == "ack_timeout_ms") {
      int64_t ms = 0;
      if (!value.IsScalar() || !absl::SimpleAtoi(value.Scalar(), &ms) || ms < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(key, " (", connectors::Where(value), "): a whole number, at least 1"));
      }
      config.ack_timeout = std::chrono::milliseconds(ms);
    } else if (key == "broker_public_key") {
      if (auto s = Scalar(value, key, config.curve.server_public_key); !s.ok()) return s;
    } else if (key == "broker_public_key_file") {
      if (auto s = Scalar(value, key, config.broker_public_key_file); !s.ok()) return s;
    } else if (key == "curve_secret_key") {
      if (auto s = Scalar(value, key, config.curve.secret_key); !s.ok()) return s;
    } else if (key == "curve_secret_key_file") {
      if (auto s = Scalar(value, key, config.curve_secret_key_file); !s.ok()) return s;
    } else if (key == "admin_listen") {
      if (auto s = Scalar(value, key, config.admin_listen); !s.ok()) return s;
    } else if (key == "connectors") {
      auto list = connectors::ParseConnectorList(value);
      if (!list.ok()) return list.status();
      config.connectors = *std::move(list);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("config: unknown section '", key, "' (", connectors::Where(kv.first),
                       "); known: broker, tenant, data_dir, ack_timeout_ms, broker_public_key, "
                       "broker_public_key_file, curve_secret_key, curve_secret_key_file, "
                       "admin_listen, connectors"));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyGatewayArgs(const std::vector<std::string>& args, GatewayConfig& config,
                              const connectors::ConfigEnvironment& env) {
  if (args.size() % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("missing value after ", args.back()));
  }
  std::string file;
  for (size_t i = 0; i < args.size(); i += 2) {
    if (args[i] == "--config") file = args[i + 1];
  }
  std::stringstream text;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", file));
    text << in.rdbuf();
  }
  if (auto s = ApplyGatewayConfigText(text.str(), config, env); !s.ok()) {
    return file.empty() ? s : absl::Status(s.code(), absl::StrCat(file, ": ", s.message()));
  }
  for (size_t i = 0; i < args.size(); i += 2) {
    const std::string& flag = args[i];
    const std::string& value = args[i + 1];
    if (flag == "--config") continue;
    if (flag == "--broker") {
      config.broker = value;
    } else if (flag == "--tenant") {
      config.tenant = value;
    } else if (flag == "--data-dir") {
      config.data_dir = value;
    } else if (flag == "--admin-listen") {
      config.admin_listen = value;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", flag,
                       "; known: --config, --broker, --tenant, --data-dir, --admin-listen"));
    }
  }
  if (config.connectors.empty()) {
    return absl::InvalidArgumentError(
        "no connectors configured: give --config with a connectors list");
  }
  return ResolveCurve(config);
}

}  // namespace omni::gateway
