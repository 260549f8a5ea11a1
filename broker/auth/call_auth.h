// Who is calling: every AgentConsole and Admin call is authenticated here, from its metadata
// (`authorization: Bearer <agent token>`), checked against the broker's token secret with a
// leeway for clock skew and against the revocations in force (Revoke), counted by failure
// reason. Without a secret (dev mode: the embedded
// defaults) callers are trusted as today: the agent id comes from the x-omni-agent-id metadata
// or Login, and Admin is open; the broker warns about it at start.
//
// Every call acts for one tenant (Caller::tenant): the token's own; for a platform operator
// (whose token is for every tenant) the one its call names in x-omni-tenant; in dev mode the one
// x-omni-tenant names, else the broker's default tenant. A call naming a tenant its token is not
// for is refused.
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
#include "broker/auth/revocations.h"
#include "broker/ops/broker_metrics.h"
#include "omnibroker/v1/admin.pb.h"

namespace omni::connectors {
class AddressRateLimiter;
}

namespace omni::auth {

// The metadata key that names the calling agent on unary calls (dev mode; with tokens it must
// agree with the token's agent when given).
inline constexpr char kAgentIdMetadata[] = "x-omni-agent-id";
inline constexpr char kAuthorizationMetadata[] = "authorization";
// The metadata key that names the tenant a call acts for: required of an operator, optional
// otherwise (it must then be the token's tenant), the choice of a dev-mode caller.
inline constexpr char kTenantMetadata[] = "x-omni-tenant";
// Trailing metadata of a call refused by a broker of a cluster that does not lead the caller's
// tenant: the gRPC address of the one that does (docs/cluster.md); clients call there.
inline constexpr char kLeaderMetadata[] = "x-omni-leader";

struct AuthOptions {
  std::string token_secret;  // "" = dev mode: callers are trusted
  std::chrono::seconds leeway{60};
  std::chrono::seconds max_lifetime = kDefaultMaxTokenLifetime;  // of a token: exp - iat
  RateLimit rate_limit;
  // Failed authentications per client address; per_second 0 = no limit.
  RateLimit failed_auth_limit;
  // The broker's own tenant (the config's `tenant`): a dev-mode call's when it names none, and
  // that of revocations stored before revocations named theirs.
  std::string default_tenant = "default";
};

struct Caller {
  std::string agent_id;  // dev mode: "" when the call named none
  // The one tenant the call acts for (a tenant name, never "*"); "" for an operator's call that
  // names none, which only calls spanning every tenant accept (RequireTenant).
  std::string tenant;
  Role role = Role::kAgent;
  bool verified = false;  // named by a valid token (false in dev mode)
  std::string token_id;   // the token's jti ("" in dev mode)
  TimePoint issued_at;
  TimePoint expires_at = TimePoint::max();
};

// INVALID_ARGUMENT when `caller` acts for no tenant (an operator's call that named none): every
// call but those spanning every tenant (backup, the retention sweep) needs one.
absl::Status RequireTenant(const Caller& caller);

class CallAuthenticator {
 public:
  CallAuthenticator(AuthOptions options, const Clock& clock, ops::BrokerMetrics& metrics);
  ~CallAuthenticator();

  // False in dev mode.
  bool enforcing() const { return !options_.token_secret.empty(); }

  // The caller of the call `context` belongs to; UNAUTHENTICATED (counted) when a token is needed
  // and missing, malformed, badly signed or expired; RESOURCE_EXHAUSTED (counted) when the
  // client's address failed too often; PERMISSION_DENIED when the call names a tenant (or an
  // agent) its token is not for; INVALID_ARGUMENT when x-omni-tenant is not a tenant name, or
  // an operator's call names none.
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContextBase& context);
  // UNAUTHENTICATED (counted) once the caller's token has expired or been revoked: a long stream
  // is checked at each request and by its service's watch.
  absl::Status StillValid(const Caller& caller);
  // A revocation, made for `tenant` (the caller's), of the token `token_id`, or of every token of
  // `tenant`'s agent `agent_id` issued up to now (exactly one of them), lapsing once every token
  // it revokes has expired under this broker's max lifetime and leeway; INVALID_ARGUMENT naming
  // the field otherwise. Not in force until Revoke (the core stores it first).
  absl::StatusOr<omnibroker::v1::TokenRevocation> NewRevocation(const std::string& token_id,
                                                                const std::string& agent_id,
                                                                const std::string& tenant) const;
  // Puts `revocation` in force: calls with a token it revokes are refused from now on (open
  // streams: see StillValid). It names its tenant (NewRevocation's do; stored ones too).
  void Revoke(const omnibroker::v1::TokenRevocation& revocation);
  // PERMISSION_DENIED unless the caller's role is at least `required` (dev mode: allowed).
  absl::Status Require(const Caller& caller, Role required, std::string_view what) const;
  // PERMISSION_DENIED unless the caller's role is `role` itself, not one above it: what that role
  // alone does (a quality reviewer's score; dev mode: allowed).
  absl::Status RequireExactly(const Caller& caller, Role role, std::string_view what) const;
  // One request of the caller's rate budget, or RESOURCE_EXHAUSTED (counted under `call`).
  absl::Status TakeRate(const Caller& caller, ops::RateLimitedCall call);

 private:
  absl::Status Fail(TokenFailure failure, absl::Status status);
  // Authenticate's check of the token, once the address may try.
  absl::StatusOr<Caller> CheckToken(const grpc::ServerContextBase& context, const std::string& named);
  // True when a revocation in force covers the caller's token.
  bool Revoked(const Caller& caller) const;
  // RESOURCE_EXHAUSTED (counted) while `address` has no failure left in its budget.
  absl::Status AddressMayTry(const std::string& address);

  const AuthOptions options_;
  const Clock& clock_;
  ops::BrokerMetrics& metrics_;
  AgentRateLimiter limiter_;
  std::unique_ptr<connectors::AddressRateLimiter> failures_;  // by address; null = no limit
  Revocations revocations_;
};

}  // namespace omni::auth
