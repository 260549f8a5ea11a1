#include "broker/auth/call_auth.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "base/tenant_name.h"
#include "base/time_util.h"
#include "broker/auth/peer_address.h"
#include "connectors/sdk/address_rate_limiter.h"

namespace omni::auth {
namespace {

std::string Metadata(const grpc::ServerContextBase& context, std::string_view key) {
  auto it = context.client_metadata().find(grpc::string_ref(key.data(), key.size()));
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

constexpr std::string_view kBearer = "Bearer ";

// The tenant a verified call acts for: an operator's is the one its call names (none: ""), anyone
// else's is their token's, which the call may repeat but not contradict.
absl::StatusOr<std::string> TenantOfVerifiedCall(const AgentClaims& claims,
                                                 const std::string& named) {
  if (claims.role == Role::kOperator) {
    // None named: the call acts for no tenant, which only a call spanning every tenant accepts
    // (RequireTenant).
    if (named.empty()) return std::string();
    OMNI_RETURN_IF_ERROR(ValidateTenantName(named, kTenantMetadata));
    return named;
  }
  if (!named.empty() && named != claims.tenant) {
    return absl::PermissionDeniedError(absl::StrCat(
        kTenantMetadata, " '", absl::CHexEscape(named), "' is not the token's tenant '",
        claims.tenant, "'; ", claims.agent_id, " acts for their own tenant only"));
  }
  return claims.tenant;
}

}  // namespace

CallAuthenticator::CallAuthenticator(AuthOptions options, const Clock& clock,
                                     ops::BrokerMetrics& metrics)
    : options_(std::move(options)),
      clock_(clock),
      metrics_(metrics),
      limiter_(options_.rate_limit, clock) {
  if (options_.failed_auth_limit.per_second > 0) {
    failures_ = std::make_unique<connectors::AddressRateLimiter>(
        options_.failed_auth_limit.per_second, std::max(1.0, options_.failed_auth_limit.burst));
  }
}

CallAuthenticator::~CallAuthenticator() = default;

absl::Status CallAuthenticator::Fail(TokenFailure failure, absl::Status status) {
  if (Counter* counter = metrics_.auth_failure(TokenFailureName(failure))) counter->Add();
  return status;
}

absl::StatusOr<Caller> CallAuthenticator::Authenticate(const grpc::ServerContextBase& context) {
  const std::string named = Metadata(context, kAgentIdMetadata);
  if (!enforcing()) {
    std::string tenant = Metadata(context, kTenantMetadata);
    if (tenant.empty()) return Caller{.agent_id = named, .tenant = options_.default_tenant};
    OMNI_RETURN_IF_ERROR(ValidateTenantName(tenant, kTenantMetadata));
    return Caller{.agent_id = named, .tenant = std::move(tenant)};
  }
  const std::string address = PeerAddress(context.peer());
  if (absl::Status may = AddressMayTry(address); !may.ok()) return may;
  absl::StatusOr<Caller> caller = CheckToken(context, named);
  if (failures_ && caller.status().code() == absl::StatusCode::kUnauthenticated) {
    failures_->TryTake(address, clock_.Now());
  }
  return caller;
}

absl::Status CallAuthenticator::AddressMayTry(const std::string& address) {
  if (!failures_) return absl::OkStatus();
  const std::optional<Duration> wait = failures_->Wait(address, clock_.Now());
  if (!wait) return absl::OkStatus();
  metrics_.auth_throttled.Add();
  return absl::ResourceExhaustedError(absl::StrFormat(
      "too many failed authentications from %s; retry in %.1f s", address,
      std::chrono::duration<double>(*wait).count()));
}

absl::StatusOr<Caller> CallAuthenticator::CheckToken(const grpc::ServerContextBase& context,
                                                     const std::string& named) {
  const std::string authorization = Metadata(context, kAuthorizationMetadata);
  if (authorization.empty()) {
    return Fail(TokenFailure::kMissing,
                absl::UnauthenticatedError(
                    "agent token: missing; send metadata 'authorization: Bearer <token>'"));
  }
  if (!absl::StartsWith(authorization, ToAbsl(kBearer))) {
    return Fail(TokenFailure::kMalformed,
                absl::UnauthenticatedError(
                    "agent token: the authorization metadata must be 'Bearer <token>'"));
  }
  TokenFailure failure = TokenFailure::kMalformed;
  auto claims = VerifyAgentToken(std::string_view(authorization).substr(kBearer.size()),
                                 options_.token_secret, clock_.Now(), options_.leeway,
                                 options_.max_lifetime, &failure);
  if (!claims.ok()) return Fail(failure, claims.status());
  if (revocations_.Revoked(claims->tenant, claims->agent_id, claims->token_id, claims->issued_at)) {
    return Fail(TokenFailure::kRevoked,
                absl::UnauthenticatedError("agent token: revoked; ask an admin for a new one"));
  }
  if (!named.empty() && named != claims->agent_id) {
    return absl::PermissionDeniedError(absl::StrCat(kAgentIdMetadata, " '", named,
                                                    "' is not the token's agent '",
                                                    claims->agent_id, "'"));
  }
  OMNI_ASSIGN_OR_RETURN(std::string tenant,
                        TenantOfVerifiedCall(*claims, Metadata(context, kTenantMetadata)));
  return Caller{.agent_id = claims->agent_id,
                .tenant = std::move(tenant),
                .role = claims->role,
                .verified = true,
                .token_id = claims->token_id,
                .issued_at = claims->issued_at,
                .expires_at = claims->expires_at};
}

bool CallAuthenticator::Revoked(const Caller& caller) const {
  // The token's tenant: an operator's is every tenant, whichever its call acts for.
  const std::string token_tenant =
      caller.role == Role::kOperator ? std::string(kAnyTenant) : caller.tenant;
  return revocations_.Revoked(token_tenant, caller.agent_id, caller.token_id, caller.issued_at);
}

absl::Status CallAuthenticator::StillValid(const Caller& caller) {
  if (!caller.verified) return absl::OkStatus();
  if (clock_.Now() >= caller.expires_at + options_.leeway) {
    return Fail(TokenFailure::kExpired,
                absl::UnauthenticatedError(
                    "agent token: expired during the stream; reconnect with a new one"));
  }
  if (Revoked(caller)) {
    return Fail(TokenFailure::kRevoked,
                absl::UnauthenticatedError(
                    "agent token: revoked during the stream; ask an admin for a new one"));
  }
  return absl::OkStatus();
}

absl::StatusOr<omnibroker::v1::TokenRevocation> CallAuthenticator::NewRevocation(
    const std::string& token_id, const std::string& agent_id, const std::string& tenant) const {
  if (token_id.empty() == agent_id.empty()) {
    return absl::InvalidArgumentError(
        "token_id, agent_id: give exactly one (a token's id, or the agent whose tokens issued "
        "up to now are revoked)");
  }
  OMNI_RETURN_IF_ERROR(ValidateTenantName(tenant, "tenant"));
  const TimePoint now = clock_.Now();
  omnibroker::v1::TokenRevocation revocation;
  revocation.set_tenant(tenant);
  *revocation.mutable_revoked_at() = ToProto(now);
  if (!token_id.empty()) {
    revocation.set_token_id(token_id);
    // The token was minted before now, on a clock up to the leeway ahead of this one.
    *revocation.mutable_lapses_at() = ToProto(now + 2 * options_.leeway + options_.max_lifetime);
    return revocation;
  }
  // Tokens carry whole seconds: one issued in this second, before or after now, is revoked too.
  const TimePoint issued_before =
      std::chrono::time_point_cast<std::chrono::seconds>(now) + std::chrono::seconds(1);
  revocation.set_agent_id(agent_id);
  *revocation.mutable_issued_before() = ToProto(issued_before);
  // A token issued before the cutoff expires before cutoff + max lifetime, and is refused a
  // leeway after that.
  *revocation.mutable_lapses_at() = ToProto(issued_before + options_.max_lifetime + options_.leeway);
  return revocation;
}

void CallAuthenticator::Revoke(const omnibroker::v1::TokenRevocation& revocation) {
  // Every revocation names its tenant: NewRevocation's, and the store's since MigrateToTenants.
  revocations_.Add(revocation, clock_.Now());
}

absl::Status CallAuthenticator::Require(const Caller& caller, Role required,
                                        std::string_view what) const {
  if (!enforcing() || caller.role >= required) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(ToAbsl(what), " needs role ",
                                                  ToAbsl(RoleName(required)), "; ",
                                                  caller.agent_id, " has role ",
                                                  ToAbsl(RoleName(caller.role))));
}

absl::Status CallAuthenticator::RequireExactly(const Caller& caller, Role role,
                                               std::string_view what) const {
  if (!enforcing() || caller.role == role) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(ToAbsl(what), " is for role ", ToAbsl(RoleName(role)),
                                                  " alone; ", caller.agent_id, " has role ",
                                                  ToAbsl(RoleName(caller.role))));
}

absl::Status RequireTenant(const Caller& caller) {
  if (!caller.tenant.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(kTenantMetadata, ": an operator names the tenant the call acts for"));
}

absl::Status CallAuthenticator::TakeRate(const Caller& caller, ops::RateLimitedCall call) {
  absl::Status taken = limiter_.Take(caller.tenant, caller.agent_id);
  if (!taken.ok()) metrics_.rate_limited(call).Add();
  return taken;
}

}  // namespace omni::auth
