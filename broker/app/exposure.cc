#include "broker/app/exposure.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::app {

bool IsLoopback(std::string_view address) {
  if (absl::StartsWith(ToAbsl(address), "inproc://") || absl::StartsWith(ToAbsl(address), "ipc://")) {
    return true;
  }
  if (absl::StartsWith(ToAbsl(address), "tcp://")) address.remove_prefix(6);
  std::string_view host = address;
  if (!host.empty() && host.front() == '[') {  // [::1]:50051
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(1, close - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos &&
                                                   host.find(':') == colon) {
    host = host.substr(0, colon);  // host:port (a bare IPv6 address has several colons)
  }
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8, written as four decimal parts
  const std::vector<absl::string_view> parts = absl::StrSplit(ToAbsl(host), '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  return std::all_of(parts.begin(), parts.end(), [](absl::string_view part) {
    return !part.empty() && part.size() <= 3 &&
           std::all_of(part.begin(), part.end(), [](char c) { return absl::ascii_isdigit(c); });
  });
}

Exposure CheckExposure(const BrokerConfig& config) {
  Exposure exposure;
  const auto& grpc = config.grpc_security;
  if (!IsLoopback(config.grpc_listen)) {
    if (grpc.token_secret_file.empty()) {
      exposure.open.push_back(absl::StrCat(
          "grpc_listen ", config.grpc_listen,
          " is beyond loopback without agent tokens: anyone who reaches it could act as any "
          "agent and use Admin; set grpc_security.token_secret_file"));
    } else if (grpc.tls_cert_file.empty()) {
      exposure.plaintext.push_back(absl::StrCat(
          "grpc_listen ", config.grpc_listen,
          " is beyond loopback in plaintext: tokens and customer data cross the network "
          "unencrypted unless something else encrypts it; set grpc_security.tls_cert_file and "
          "tls_key_file"));
    }
  }
  if (!config.ingest_listen.empty() && !IsLoopback(config.ingest_listen) && !config.ingest.curve()) {
    exposure.open.push_back(absl::StrCat(
        "ingest_listen ", config.ingest_listen,
        " is beyond loopback without CURVE: anyone who reaches it could publish any tenant's "
        "events and take replies; set ingest.curve_secret_key_file and ingest.clients"));
  }
  return exposure;
}

}  // namespace omni::app
