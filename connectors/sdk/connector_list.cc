#include "connectors/sdk/connector_list.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/secret_file.h"
#include "base/status_macros.h"
#include "base/tenant_name.h"

namespace omni::connectors {

absl::StatusOr<std::vector<ConnectorConfig>> ParseConnectorList(const YAML::Node& list) {
  if (!list.IsSequence()) {
    return absl::InvalidArgumentError(
        absl::StrCat("connectors (line ", list.Mark().line + 1, "): must be a list"));
  }
  std::vector<ConnectorConfig> configs;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node& c = list[i];
    const std::string at = absl::StrCat("connectors[", i, "]");
    if (!c.IsMap() || !c["type"] || !c["type"].IsScalar()) {
      return absl::InvalidArgumentError(at + ": needs a type (webchat, telegram…)");
    }
    ConnectorConfig config{.type = c["type"].Scalar(),
                           .name = c["name"] ? c["name"].Scalar() : c["type"].Scalar()};
    if (const YAML::Node& tenant = c["tenant"]; tenant) {
      if (!tenant.IsScalar()) return absl::InvalidArgumentError(at + ".tenant: a tenant's name");
      OMNI_RETURN_IF_ERROR(ValidateTenantName(tenant.Scalar(), at + ".tenant"));
      config.tenant = tenant.Scalar();
    }
    if (const YAML::Node& settings = c["settings"]; settings) {
      if (!settings.IsMap()) return absl::InvalidArgumentError(at + ".settings: must be a mapping");
      for (const auto& setting : settings) {
        const std::string key = setting.first.as<std::string>();
        if (!setting.second.IsScalar()) {
          return absl::InvalidArgumentError(
              absl::StrCat(at, ".settings.", key, ": must be a single value"));
        }
        config.settings[key] = setting.second.Scalar();
      }
    }
    configs.push_back(std::move(config));
  }
  return configs;
}

absl::Status ResolveSecretFiles(ConnectorConfig& config) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : config.settings) {
    if (key.size() > 5 && key.ends_with("_file")) keys.push_back(key);
  }
  for (const auto& key : keys) {
    const std::string base = key.substr(0, key.size() - 5);
    const std::string path = config.settings[key];
    if (config.settings.contains(base)) {
      return absl::InvalidArgumentError(
          absl::StrCat("connector '", config.name, "': set ", base, " or ", key, ", not both"));
    }
    auto secret = ReadSecretFile(path);
    if (!secret.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("connector '", config.name, "': ", key, ": ", secret.status().message()));
    }
    config.settings.erase(key);
    config.settings[base] = *std::move(secret);
  }
  return absl::OkStatus();
}

absl::Status AddConnectors(const ConnectorRegistry& registry, std::vector<ConnectorConfig> configs,
                           const std::filesystem::path& data_dir, ConnectorHost& host) {
  std::set<std::string> names;
  for (auto& config : configs) {
    if (!names.insert(config.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("two connectors are named '", config.name, "'"));
    }
    for (auto& [key, value] : config.settings) {
      value = absl::StrReplaceAll(value, {{"${data_dir}", data_dir.string()}});
    }
    if (auto s = ResolveSecretFiles(config); !s.ok()) return s;
    auto connector = registry.Create(config);
    if (!connector.ok()) return connector.status();
    host.Add(config.name, *std::move(connector), config.tenant);
  }
  return absl::OkStatus();
}

}  // namespace omni::connectors
