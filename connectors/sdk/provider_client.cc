#include "connectors/sdk/provider_client.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "connectors/sdk/redact.h"

namespace omni::connectors {

absl::StatusOr<ProviderClient> ProviderClient::Create(ProviderClientOptions options) {
  const std::string& url = options.base_url;
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(
        absl::StrCat("base_url must start with http:// or https://, got '", url, "'"));
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  std::string origin = url.substr(0, path_start);
  std::string prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (origin.size() == scheme_end + 3) {
    return absl::InvalidArgumentError(absl::StrCat("base_url names no host: '", url, "'"));
  }
  return ProviderClient(std::move(options), std::move(origin), std::move(prefix));
}

absl::StatusOr<ProviderResponse> ProviderClient::PostJson(std::string_view path,
                                                          std::string_view json,
                                                          const Headers& extra_headers) const {
  return Send("POST", path, json, extra_headers);
}

absl::StatusOr<ProviderResponse> ProviderClient::GetJson(std::string_view path,
                                                         const Headers& extra_headers) const {
  return Send("GET", path, "", extra_headers);
}

absl::StatusOr<ProviderResponse> ProviderClient::Send(std::string_view method,
                                                      std::string_view path, std::string_view json,
                                                      const Headers& extra_headers) const {
  httplib::Client client(origin_);
  client.set_connection_timeout(options_.connect_timeout);
  client.set_read_timeout(options_.read_timeout);
  client.set_write_timeout(options_.read_timeout);
  httplib::Headers headers;
  for (const auto& [name, value] : options_.headers) headers.emplace(name, value);
  for (const auto& [name, value] : extra_headers) headers.emplace(name, value);
  const std::string target = absl::StrCat(prefix_, ToAbsl(path));
  const bool get = method == "GET";
  if (get) headers.emplace("Accept", "application/json");
  auto result = get ? client.Get(target, headers)
                    : client.Post(target, headers, std::string(json), "application/json");
  if (!result) {
    // The URL may carry the secret (Telegram's /bot<token>/, VK's access_token=).
    return absl::UnavailableError(RedactSecrets(absl::StrCat(
        ToAbsl(method), " ", origin_, target, " failed: ", httplib::to_string(result.error()))));
  }
  return ProviderResponse{result->status, result->body};
}

absl::Status StatusFromHttp(const ProviderResponse& response, std::string_view what) {
  if (response.status >= 200 && response.status < 300) return absl::OkStatus();
  // A provider or proxy may echo the request, secrets and all, in its error body.
  const std::string message = RedactSecrets(absl::StrCat(
      ToAbsl(what), " answered HTTP ", response.status, ": ", response.body.substr(0, 300)));
  if (response.status == 408 || response.status == 429 || response.status >= 500) {
    return absl::UnavailableError(message);
  }
  if (response.status == 401 || response.status == 403) {
    return absl::PermissionDeniedError(message);
  }
  return absl::InvalidArgumentError(message);
}

}  // namespace omni::connectors
