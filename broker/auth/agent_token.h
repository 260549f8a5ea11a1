// Agent tokens: compact JWTs signed with HMAC-SHA256 (header.payload.signature, each base64url
// without padding). The payload names the agent (`sub`), when the token ends (`exp`, seconds since
// the epoch) and, optionally, a `role` (agent, supervisor or admin; agent when absent). Nothing is
// stored: a token is valid because the broker's secret signed it and it has not expired.
// Only alg HS256 is accepted ("none" and every other algorithm are refused before anything else).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"

namespace omni::auth {

// Ordered: each role may do what the ones before it may.
enum class Role { kAgent, kSupervisor, kAdmin };
std::string_view RoleName(Role role);
// "agent", "supervisor" or "admin"; INVALID_ARGUMENT otherwise.
absl::StatusOr<Role> ParseRole(std::string_view name);

struct AgentClaims {
  std::string agent_id;  // sub
  Role role = Role::kAgent;
  TimePoint expires_at;  // exp, whole seconds
};

// Why a token was refused: the label of omni_grpc_auth_failures_total{reason}.
enum class TokenFailure { kMissing, kMalformed, kUnsupportedAlgorithm, kBadSignature, kExpired };
std::string_view TokenFailureName(TokenFailure failure);
inline constexpr TokenFailure kTokenFailures[] = {
    TokenFailure::kMissing, TokenFailure::kMalformed, TokenFailure::kUnsupportedAlgorithm,
    TokenFailure::kBadSignature, TokenFailure::kExpired};

// The claims of `token` when `secret` signed it and it expires after `now` - `leeway` (the
// allowance for clocks that disagree); otherwise UNAUTHENTICATED saying what was wrong, and
// `*failure` (if given) says why in one word.
absl::StatusOr<AgentClaims> VerifyAgentToken(std::string_view token, std::string_view secret,
                                             TimePoint now, std::chrono::seconds leeway,
                                             TokenFailure* failure = nullptr);

// A token for `claims`, signed with `secret`.
std::string MintAgentToken(const AgentClaims& claims, std::string_view secret);

// The token whose header and payload are these JSON texts as given, signed with `secret`: for
// MintAgentToken and for tests that need a well-signed token with a malformed inside.
std::string SignedToken(std::string_view header_json, std::string_view payload_json,
                        std::string_view secret);

}  // namespace omni::auth
