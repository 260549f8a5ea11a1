#include "broker/app/check_config.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "broker/app/broker_config.h"
#include "broker/app/exposure.h"
#include "connectors/sdk/connector_list.h"
#include "connectors/sdk/registry.h"

namespace omni::app {
namespace {

// What loading alone does not check: what the broker checks as it starts, before it binds.
std::vector<std::string> CheckStartup(const BrokerConfig& config) {
  std::vector<std::string> errors;
  if (auto s = routing::Validate(config.routing); !s.ok())
    errors.push_back(absl::StrCat("routing: ", s.message()));
  if (!config.insecure) {
    for (const auto& open : CheckExposure(config).open) {
      errors.push_back(absl::StrCat(open, " (or `insecure: true` to run it open on purpose)"));
    }
  }
  if (auto s = ResolveIngestOptions(config.ingest, config.tenant); !s.ok())
    errors.push_back(std::string(s.status().message()));
  if (auto s = auth::LoadGrpcSecurity(config.grpc_security); !s.ok())
    errors.push_back(std::string(s.status().message()));
  auto registry = connectors::BuiltinConnectors();
  if (!registry.ok()) return {std::string(registry.status().message())};
  std::set<std::string> names;
  for (size_t i = 0; i < config.connectors.size(); ++i) {
    connectors::ConnectorConfig connector = config.connectors[i];
    const std::string at = absl::StrCat("connectors[", i, "] (", connector.name, ")");
    if (registry->Find(connector.type) == nullptr) {
      errors.push_back(absl::StrCat(at, ".type: unknown connector type '", connector.type,
                                    "'; known: ", absl::StrJoin(registry->Names(), ", ")));
    }
    if (!names.insert(connector.name).second)
      errors.push_back(absl::StrCat(at, ".name: appears twice"));
    for (auto& [key, value] : connector.settings) {
      value = absl::StrReplaceAll(value, {{"${data_dir}", config.data_dir.string()}});
    }
    if (auto s = connectors::ResolveSecretFiles(connector); !s.ok())
      errors.push_back(std::string(s.message()));
  }
  return errors;
}

}  // namespace

int RunCheckConfig(const std::vector<std::string>& args, const connectors::ConfigEnvironment& env,
                   std::ostream& out) {
  BrokerConfig config = DefaultConfig();
  std::vector<std::string> errors;
  if (auto s = ApplyFlags(args, config, env); !s.ok()) {
    if (s.code() == absl::StatusCode::kCancelled) {  // --help
      out << s.message();
      return 0;
    }
    std::vector<std::string> lines = absl::StrSplit(std::string(s.message()), '\n');
    errors = std::move(lines);
  } else {
    errors = CheckStartup(config);
  }
  if (!errors.empty()) {
    for (const auto& e : errors) out << "error: " << e << "\n";
    out << errors.size() << (errors.size() == 1 ? " error" : " errors") << "\n";
    return 1;
  }
  const Exposure exposure = CheckExposure(config);
  for (const auto& open : exposure.open) out << "warning: insecure: true: " << open << "\n";
  for (const auto& plain : exposure.plaintext) out << "warning: " << plain << "\n";
  out << "OK: data in " << config.data_dir.string() << ", gRPC on " << config.grpc_listen
      << ", admin HTTP on " << (config.admin_listen.empty() ? "(off)" : config.admin_listen) << ", "
      << config.agents.size() << " agents, " << config.connectors.size() << " connectors, tenant "
      << config.tenant;
  for (const TenantConfig& tenant : config.tenants) {
    out << " and " << tenant.name << " (" << tenant.agents.size() << " agents)";
  }
  out << "\n";
  return 0;
}

}  // namespace omni::app
