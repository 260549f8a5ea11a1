// Per-visitor tokens for the web chat: "<visitor id>.<HMAC-SHA256 of it, hex>". A visitor proves
// they own a conversation by presenting the token the connector issued; nothing is stored.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace omni::connectors::webchat {

class VisitorTokens {
 public:
  // `secret` must be at least 16 bytes.
  static absl::StatusOr<VisitorTokens> Create(std::string secret);

  // A new visitor id and its token.
  std::string NewVisitorId() const;
  std::string Issue(std::string_view visitor_id) const;
  // The visitor id the token names, or UNAUTHENTICATED. Constant-time in the MAC comparison.
  absl::StatusOr<std::string> Verify(std::string_view token) const;
  // The same for an HTTP Authorization header value, "Bearer <token>".
  absl::StatusOr<std::string> VerifyBearer(std::string_view authorization) const;

 private:
  explicit VisitorTokens(std::string secret) : secret_(std::move(secret)) {}
  std::string Mac(std::string_view visitor_id) const;

  std::string secret_;
};

// Reads the secret from `path`; it must hold at least 16 bytes.
absl::StatusOr<std::string> ReadSecret(const std::string& path);
// Reads the secret from `path`, creating it with 32 random bytes (hex) when missing.
absl::StatusOr<std::string> LoadOrCreateSecret(const std::string& path);

}  // namespace omni::connectors::webchat
