#include "connectors/sdk/connector.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::connectors {

std::string ConnectorConfig::Get(const std::string& key, const std::string& fallback) const {
  auto it = settings.find(key);
  return it == settings.end() ? fallback : it->second;
}

absl::StatusOr<int64_t> ConnectorConfig::GetInt(const std::string& key, int64_t fallback) const {
  const std::string value = Get(key);
  if (value.empty()) return fallback;
  int64_t out;
  if (!absl::SimpleAtoi(value, &out) || out < 0) {
    return absl::InvalidArgumentError(absl::StrCat("connector '", name, "': ", key,
                                                   " must be a non-negative integer, got '",
                                                   value, "'"));
  }
  return out;
}

absl::Status ConnectorConfig::GetListen(const std::string& key, const std::string& fallback,
                                        std::string& host, int& port) const {
  const std::string listen = Get(key, fallback);
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("connector '", name, "': ", key, " must be host:port, got '", listen, "'"));
  }
  host = listen.substr(0, colon);
  return absl::OkStatus();
}

std::string InboundRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(ToAbsl(key), ToAbsl(name))) return value;
  }
  return "";
}

}  // namespace omni::connectors
