#include "connectors/sdk/connector.h"

#include "absl/strings/match.h"
#include "base/strings.h"

namespace omni::connectors {

std::string ConnectorConfig::Get(const std::string& key, const std::string& fallback) const {
  auto it = settings.find(key);
  return it == settings.end() ? fallback : it->second;
}

std::string InboundRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(ToAbsl(key), ToAbsl(name))) return value;
  }
  return "";
}

}  // namespace omni::connectors
