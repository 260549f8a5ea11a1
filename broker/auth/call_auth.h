// Who is calling: every AgentConsole and Admin call is authenticated here, from its metadata
// (`authorization: Bearer <agent token>`), checked against the broker's token secret with a
// leeway for clock skew, counted by failure reason. Without a secret (dev mode: the embedded
// defaults) callers are trusted as today: the agent id comes from the x-omni-agent-id metadata
// or Login, and Admin is open; the broker warns about it at start.
//
// Failed authentications are limited per client address (PeerAddress): once an address has
// failed `failed_auth_limit.burst` times faster than `per_second` refills, its calls are refused
// with RESOURCE_EXHAUSTED, their tokens not even checked, until its budget refills. Clients
// elsewhere keep theirs.
//
// Thread-safe; one per broker, shared by the gRPC services.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "broker/auth/agent_token.h"
#include "broker/auth/rate_limiter.h"
#include "broker/ops/broker_metrics.h"

namespace omni::connectors {
class AddressRateLimiter;
}

namespace omni::auth {

// The metadata key that names the calling agent on unary calls (dev mode; with tokens it must
// agree with the token's agent when given).
inline constexpr char kAgentIdMetadata[] = "x-omni-agent-id";
inline constexpr char kAuthorizationMetadata[] = "authorization";

struct AuthOptions {
  std::string token_secret;  // "" = dev mode: callers are trusted
  std::chrono::seconds leeway{60};
  RateLimit rate_limit;
  // Failed authentications per client address; per_second 0 = no limit.
  RateLimit failed_auth_limit;
};

struct Caller {
  std::string agent_id;  // dev mode: "" when the call named none
  Role role = Role::kAgent;
  bool verified = false;  // named by a valid token (false in dev mode)
  TimePoint expires_at = TimePoint::max();
};

class CallAuthenticator {
 public:
  CallAuthenticator(AuthOptions options, const Clock& clock, ops::BrokerMetrics& metrics);
  ~CallAuthenticator();

  // False in dev mode.
  bool enforcing() const { return !options_.token_secret.empty(); }

  // The caller of the call `context` belongs to; UNAUTHENTICATED (counted) when a token is needed
  // and missing, malformed, badly signed or expired; RESOURCE_EXHAUSTED (counted) when the
  // client's address failed too often.
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContextBase& context);
  // UNAUTHENTICATED once the caller's token has expired: a long stream checks each request.
  absl::Status StillValid(const Caller& caller);
  // PERMISSION_DENIED unless the caller's role is at least `required` (dev mode: allowed).
  absl::Status Require(const Caller& caller, Role required, std::string_view what) const;
  // One request of the caller's rate budget, or RESOURCE_EXHAUSTED (counted under `call`).
  absl::Status TakeRate(const Caller& caller, ops::RateLimitedCall call);

 private:
  absl::Status Fail(TokenFailure failure, absl::Status status);
  // Authenticate's check of the token, once the address may try.
  absl::StatusOr<Caller> CheckToken(const grpc::ServerContextBase& context, const std::string& named);
  // RESOURCE_EXHAUSTED (counted) while `address` has no failure left in its budget.
  absl::Status AddressMayTry(const std::string& address);

  const AuthOptions options_;
  const Clock& clock_;
  ops::BrokerMetrics& metrics_;
  AgentRateLimiter limiter_;
  std::unique_ptr<connectors::AddressRateLimiter> failures_;  // by address; null = no limit
};

}  // namespace omni::auth
