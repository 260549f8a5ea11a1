// Per-visitor tokens for the web chat: "<visitor id>.<expiry, Unix seconds>.<HMAC-SHA256 of
// both, hex>". A visitor proves they own a conversation by presenting the token the connector
// issued; nothing is stored. A token lasts `ttl` (24 h by default) and the connector hands out a
// fresh one whenever the visitor talks to it, so an active visitor never sees one expire.
// Tokens of the first format, "<visitor id>.<HMAC>" without an expiry, are refused: they went in
// stream URLs and may sit in logs.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"

namespace omni::connectors::webchat {

// Why a token was refused, for clients: the `reason` of a 401 (the status message says it for
// people). Every refusal is UNAUTHENTICATED and carries its reason as the status payload.
inline constexpr std::string_view kTokenMissing = "token_missing";
inline constexpr std::string_view kTokenMalformed = "token_malformed";
inline constexpr std::string_view kTokenOldFormat = "token_old_format";
inline constexpr std::string_view kTokenInvalid = "token_invalid";
inline constexpr std::string_view kTokenExpired = "token_expired";
// The reason of a refusal made here, "" for any other status.
std::string TokenRefusalReason(const absl::Status& status);

class VisitorTokens {
 public:
  struct Verified {
    std::string visitor_id;
    TimePoint expires_at;
  };

  // `secret` must be at least 16 bytes, `ttl` positive.
  static absl::StatusOr<VisitorTokens> Create(std::string secret, Duration ttl);

  // A new visitor id.
  std::string NewVisitorId() const;
  // A token for `visitor_id` that expires at now + ttl.
  std::string Issue(std::string_view visitor_id, TimePoint now) const;
  // The visitor the token names and when it expires; UNAUTHENTICATED with a reason otherwise.
  // Constant-time in the MAC comparison.
  absl::StatusOr<Verified> Verify(std::string_view token, TimePoint now) const;
  // The same for an HTTP Authorization header value, "Bearer <token>".
  absl::StatusOr<Verified> VerifyBearer(std::string_view authorization, TimePoint now) const;
  // A genuine token of this format, expired or not: an expired one may still be renewed while
  // the connector remembers its visitor (POST /v1/visitors).
  absl::StatusOr<Verified> VerifyIgnoringExpiry(std::string_view token) const;

 private:
  VisitorTokens(std::string secret, Duration ttl) : secret_(std::move(secret)), ttl_(ttl) {}
  std::string Mac(std::string_view visitor_id, std::string_view expiry) const;

  std::string secret_;
  Duration ttl_;
};

// Reads the secret from `path`; it must hold at least 16 bytes.
absl::StatusOr<std::string> ReadSecret(const std::string& path);
// Reads the secret from `path`, creating it with 32 random bytes (hex) when missing.
absl::StatusOr<std::string> LoadOrCreateSecret(const std::string& path);

}  // namespace omni::connectors::webchat
