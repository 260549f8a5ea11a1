// Agent tokens: compact JWTs signed with HMAC-SHA256 (header.payload.signature, each base64url
// without padding). The payload names the agent (`sub`), the tenant it works for (`tenant`, a
// tenant name; "*" for a platform operator, who works for every tenant), the token itself (`jti`,
// random and unique, so that it can be revoked alone), when it was issued (`iat`) and when it ends
// (`exp`), both in seconds since the epoch, and, optionally, a `role` (agent, quality, supervisor,
// admin or operator; agent when absent). A token is valid because the broker's secret signed it, it has not
// expired and it lives (exp - iat) no longer than the broker allows; nothing is stored about it
// unless it is revoked (call_auth.h). Only alg HS256 is accepted ("none" and every other algorithm
// are refused before anything else).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"

namespace omni::auth {

// Ordered: each role may do what the ones before it may, but what one role does alone (scoring a
// review is quality's: CallAuthenticator::RequireExactly). A quality reviewer reads the review
// queue and the conversations in it (docs/quality.md); a supervisor reads everything of their
// tenant; an admin administers its own tenant; an operator runs the platform and may do what an
// admin may, for any tenant.
enum class Role { kAgent, kQuality, kSupervisor, kAdmin, kOperator };
std::string_view RoleName(Role role);
// "agent", "quality", "supervisor", "admin" or "operator"; INVALID_ARGUMENT otherwise.
absl::StatusOr<Role> ParseRole(std::string_view name);

struct AgentClaims {
  std::string agent_id;  // sub
  std::string tenant;    // a tenant name; "*" (kAnyTenant) for role operator, and only for it
  std::string token_id;  // jti
  Role role = Role::kAgent;
  TimePoint issued_at;   // iat, whole seconds
  TimePoint expires_at;  // exp, whole seconds
};

// The claims of a new token for `agent_id` of `tenant`: a fresh random id, issued at `now` (whole
// seconds), ending `ttl` later.
AgentClaims NewAgentClaims(const std::string& agent_id, const std::string& tenant, Role role,
                           TimePoint now, std::chrono::seconds ttl);

// The longest a token may live (exp - iat) unless the broker is configured otherwise
// (grpc_security.token_max_lifetime_hours). A revocation is kept this long at most.
inline constexpr std::chrono::hours kDefaultMaxTokenLifetime{24 * 30};

// Why a token was refused: the label of omni_grpc_auth_failures_total{reason}. kRevoked is
// call_auth.h's (VerifyAgentToken knows nothing of revocations).
enum class TokenFailure {
  kMissing,
  kMalformed,
  kUnsupportedAlgorithm,
  kBadSignature,
  kExpired,
  kRevoked
};
std::string_view TokenFailureName(TokenFailure failure);
inline constexpr TokenFailure kTokenFailures[] = {
    TokenFailure::kMissing,      TokenFailure::kMalformed, TokenFailure::kUnsupportedAlgorithm,
    TokenFailure::kBadSignature, TokenFailure::kExpired,   TokenFailure::kRevoked};

// The claims of `token` when `secret` signed it, it expires after `now` - `leeway` (the allowance
// for clocks that disagree), it was issued before `now` + `leeway` and it lives at most
// `max_lifetime`, and it names its tenant (a tenant name, or "*" with role operator); otherwise
// UNAUTHENTICATED saying what was wrong, and `*failure` (if given) says why in one word.
absl::StatusOr<AgentClaims> VerifyAgentToken(std::string_view token, std::string_view secret,
                                             TimePoint now, std::chrono::seconds leeway,
                                             std::chrono::seconds max_lifetime,
                                             TokenFailure* failure = nullptr);

// A token for `claims`, signed with `secret`.
std::string MintAgentToken(const AgentClaims& claims, std::string_view secret);

// The token whose header and payload are these JSON texts as given, signed with `secret`: for
// MintAgentToken and for tests that need a well-signed token with a malformed inside.
std::string SignedToken(std::string_view header_json, std::string_view payload_json,
                        std::string_view secret);

}  // namespace omni::auth
