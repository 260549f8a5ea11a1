#include "connectors/sdk/registry.h"

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "absl/strings/str_join.h"

namespace omni::connectors {

absl::Status ConnectorRegistry::Register(std::unique_ptr<ConnectorFactory> factory) {
  if (Find(factory->Name()) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("two connector factories are named '", ToAbsl(factory->Name()), "'"));
  }
  factories_.push_back(std::move(factory));
  return absl::OkStatus();
}

const ConnectorFactory* ConnectorRegistry::Find(std::string_view name) const {
  for (const auto& f : factories_) {
    if (f->Name() == name) return f.get();
  }
  return nullptr;
}

std::vector<std::string> ConnectorRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& f : factories_) names.emplace_back(f->Name());
  return names;
}

absl::StatusOr<std::unique_ptr<Connector>> ConnectorRegistry::Create(
    const ConnectorConfig& config) const {
  const ConnectorFactory* factory = Find(config.type);
  if (factory == nullptr) {
    return absl::NotFoundError(absl::StrCat("no connector type '", config.type,
                                            "'; built in: ", absl::StrJoin(Names(), ", ")));
  }
  return factory->Create(config);
}

}  // namespace omni::connectors
