// ProviderClient: how a connector calls its provider's API (Telegram sendMessage, WhatsApp
// Cloud /messages, the Send API…, and the reads of polling channels such as Mastodon). The base URL
// is configurable so tests point it at a local fake on 127.0.0.1; timeouts are explicit so Deliver
// never hangs the host's delivery thread. Stateless and safe to use from several threads (each call
// opens its own connection).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace omni::connectors {

struct ProviderClientOptions {
  // "https://api.telegram.org" or "http://127.0.0.1:PORT/prefix"; paths are appended to it.
  std::string base_url;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{15000};
  // Sent with every request (e.g. "Authorization: Bearer <token>").
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ProviderResponse {
  int status = 0;
  std::string body;
};

class ProviderClient {
 public:
  // Fails when base_url is not http(s)://host[:port][/prefix].
  static absl::StatusOr<ProviderClient> Create(ProviderClientOptions options);

  // Headers for one request only (Mastodon's Idempotency-Key), sent after the fixed ones.
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // POSTs `json` to base_url + `path`. Any HTTP answer is returned as is; only a transport failure
  // (refused, timed out) is an UNAVAILABLE error.
  absl::StatusOr<ProviderResponse> PostJson(std::string_view path, std::string_view json,
                                            const Headers& extra_headers = {}) const;
  // GETs base_url + `path` (with its query string) asking for JSON; answers as PostJson.
  absl::StatusOr<ProviderResponse> GetJson(std::string_view path,
                                           const Headers& extra_headers = {}) const;

  const std::string& base_url() const { return options_.base_url; }

 private:
  ProviderClient(ProviderClientOptions options, std::string origin, std::string prefix)
      : options_(std::move(options)), origin_(std::move(origin)), prefix_(std::move(prefix)) {}
  // One request: `method` "GET" or "POST" (with `json`).
  absl::StatusOr<ProviderResponse> Send(std::string_view method, std::string_view path,
                                        std::string_view json, const Headers& extra_headers) const;

  ProviderClientOptions options_;
  std::string origin_;  // scheme://host[:port]
  std::string prefix_;  // path prefix, "" or "/v19.0"
};

// The usual reading of a provider's HTTP answer for `what` (e.g. "telegram sendMessage"):
// 2xx OK; 408, 429 and 5xx UNAVAILABLE (the host retries the delivery); 401/403
// PERMISSION_DENIED (a bad token); other 4xx INVALID_ARGUMENT. The message carries the status
// and the start of the body, secrets redacted (redact.h), as does a transport error's URL. Connectors map their provider's specific error codes before this.
absl::Status StatusFromHttp(const ProviderResponse& response, std::string_view what);

}  // namespace omni::connectors
