#include "broker/auth/agent_token.h"

#include <nlohmann/json.hpp>

#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/strings.h"
#include "base/tenant_name.h"
#include "connectors/sdk/signature.h"

namespace omni::auth {
namespace {

using nlohmann::json;

constexpr char kHeader[] = R"({"alg":"HS256","typ":"JWT"})";

std::string Base64Url(std::string_view bytes) { return absl::WebSafeBase64Escape(ToAbsl(bytes)); }

// Strict base64url: no padding, only the URL-safe alphabet.
bool DecodeBase64Url(std::string_view text, std::string& out) {
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return text.size() % 4 != 1 && absl::WebSafeBase64Unescape(ToAbsl(text), &out);
}

// The failure, recorded, as the status the caller sees.
absl::Status Refuse(TokenFailure why, TokenFailure* failure, std::string_view message) {
  if (failure != nullptr) *failure = why;
  return absl::UnauthenticatedError(absl::StrCat("agent token: ", ToAbsl(message)));
}

std::string Signature(std::string_view signing_input, std::string_view secret) {
  return connectors::Hmac(connectors::Digest::kSha256, secret, signing_input);
}

int64_t EpochSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A revocation names a token by its id and is kept until the token would have expired: ids are
// bounded so that what is kept stays small.
constexpr size_t kMaxTokenIdBytes = 128;

// The time at payload[`name`]: whole seconds since the epoch, years 1970..2400 (beyond, the
// clock's arithmetic would overflow); nullopt otherwise.
std::optional<TimePoint> EpochField(const json& payload, const char* name) {
  const auto field = payload.find(name);
  if (field == payload.end() || !field->is_number_integer()) return std::nullopt;
  const int64_t seconds = field->get<int64_t>();
  if (seconds < 0 || seconds > 13'569'465'600) return std::nullopt;
  return TimePoint{} + std::chrono::seconds(seconds);
}

// A token of `role` names the tenant it works for: an operator every tenant ("*"), anyone else
// one tenant, by its name.
absl::Status CheckTenant(Role role, const std::string& tenant) {
  if (role == Role::kOperator) {
    return tenant == kAnyTenant ? absl::OkStatus()
                                : absl::InvalidArgumentError(
                                      "payload.tenant: an operator's token is for every tenant "
                                      "(\"*\")");
  }
  if (tenant == kAnyTenant) {
    return absl::InvalidArgumentError(
        "payload.tenant: \"*\" (every tenant) is for role operator only");
  }
  return ValidateTenantName(tenant, "payload.tenant");
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAgent:
      return "agent";
    case Role::kQuality:
      return "quality";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kAdmin:
      return "admin";
    case Role::kOperator:
      return "operator";
  }
  return "agent";
}

absl::StatusOr<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kAgent, Role::kQuality, Role::kSupervisor, Role::kAdmin, Role::kOperator}) {
    if (name == RoleName(role)) return role;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("role '", ToAbsl(name), "': agent, quality, supervisor, admin or operator"));
}

std::string_view TokenFailureName(TokenFailure failure) {
  switch (failure) {
    case TokenFailure::kMissing:
      return "missing";
    case TokenFailure::kMalformed:
      return "malformed";
    case TokenFailure::kUnsupportedAlgorithm:
      return "unsupported_alg";
    case TokenFailure::kBadSignature:
      return "bad_signature";
    case TokenFailure::kExpired:
      return "expired";
    case TokenFailure::kRevoked:
      return "revoked";
  }
  return "malformed";
}

AgentClaims NewAgentClaims(const std::string& agent_id, const std::string& tenant, Role role,
                           TimePoint now, std::chrono::seconds ttl) {
  const TimePoint issued_at = std::chrono::time_point_cast<std::chrono::seconds>(now);
  return AgentClaims{.agent_id = agent_id,
                     .tenant = tenant,
                     .token_id = NewId("tok_"),
                     .role = role,
                     .issued_at = issued_at,
                     .expires_at = issued_at + ttl};
}

std::string SignedToken(std::string_view header_json, std::string_view payload_json,
                        std::string_view secret) {
  std::string input = absl::StrCat(Base64Url(header_json), ".", Base64Url(payload_json));
  const std::string signature = Signature(input, secret);
  return absl::StrCat(input, ".", Base64Url(signature));
}

std::string MintAgentToken(const AgentClaims& claims, std::string_view secret) {
  json payload{{"sub", claims.agent_id},
               {"tenant", claims.tenant},
               {"jti", claims.token_id},
               {"iat", EpochSeconds(claims.issued_at)},
               {"exp", EpochSeconds(claims.expires_at)},
               {"role", RoleName(claims.role)}};
  return SignedToken(kHeader, payload.dump(), secret);
}

absl::StatusOr<AgentClaims> VerifyAgentToken(std::string_view token, std::string_view secret,
                                             TimePoint now, std::chrono::seconds leeway,
                                             std::chrono::seconds max_lifetime,
                                             TokenFailure* failure) {
  if (token.empty()) return Refuse(TokenFailure::kMissing, failure, "missing");
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Refuse(TokenFailure::kMalformed, failure,
                  "not a JWT (header.payload.signature, base64url)");
  }
  std::string header_text, payload_text, signature;
  if (!DecodeBase64Url(token.substr(0, first), header_text) ||
      !DecodeBase64Url(token.substr(first + 1, second - first - 1), payload_text) ||
      !DecodeBase64Url(token.substr(second + 1), signature)) {
    return Refuse(TokenFailure::kMalformed, failure, "a part is not unpadded base64url");
  }
  const json header = json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return Refuse(TokenFailure::kMalformed, failure, "header: not JSON");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || *alg != "HS256") {
    return Refuse(TokenFailure::kUnsupportedAlgorithm, failure,
                  "header.alg: only HS256 is accepted");
  }
  // Before the payload is looked at: nothing unsigned is believed.
  if (!connectors::ConstantTimeEquals(signature,
                                      Signature(token.substr(0, second), secret))) {
    return Refuse(TokenFailure::kBadSignature, failure, "bad signature");
  }
  const json payload = json::parse(payload_text, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) return Refuse(TokenFailure::kMalformed, failure, "payload: not JSON");
  AgentClaims claims;
  const auto sub = payload.find("sub");
  if (sub == payload.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty()) {
    return Refuse(TokenFailure::kMalformed, failure, "payload.sub: the agent id is missing");
  }
  claims.agent_id = sub->get<std::string>();
  const std::optional<TimePoint> exp = EpochField(payload, "exp");
  if (!exp) {
    return Refuse(TokenFailure::kMalformed, failure,
                  "payload.exp: missing, or not whole seconds since the epoch (1970..2400)");
  }
  claims.expires_at = *exp;
  const std::optional<TimePoint> iat = EpochField(payload, "iat");
  if (!iat) {
    return Refuse(TokenFailure::kMalformed, failure,
                  "payload.iat: missing, or not whole seconds since the epoch (1970..2400); a "
                  "token minted before tokens had one: mint a new one (omnictl token)");
  }
  claims.issued_at = *iat;
  const auto jti = payload.find("jti");
  if (jti == payload.end() || !jti->is_string() || jti->get_ref<const std::string&>().empty() ||
      jti->get_ref<const std::string&>().size() > kMaxTokenIdBytes) {
    return Refuse(TokenFailure::kMalformed, failure,
                  "payload.jti: the token id is missing, or not a string of 1 to 128 bytes");
  }
  claims.token_id = jti->get<std::string>();
  if (const auto role = payload.find("role"); role != payload.end()) {
    auto parsed = role->is_string() ? ParseRole(role->get<std::string>())
                                    : absl::InvalidArgumentError("not a string");
    if (!parsed.ok()) {
      return Refuse(TokenFailure::kMalformed, failure,
                    "payload.role: agent, quality, supervisor, admin or operator");
    }
    claims.role = *parsed;
  }
  const auto tenant = payload.find("tenant");
  if (tenant == payload.end() || !tenant->is_string()) {
    return Refuse(TokenFailure::kMalformed, failure,
                  "payload.tenant: the tenant is missing or not a string; a token minted before "
                  "tokens named one: mint a new one (omnictl token --tenant)");
  }
  claims.tenant = tenant->get<std::string>();
  if (absl::Status tenant_ok = CheckTenant(claims.role, claims.tenant); !tenant_ok.ok()) {
    return Refuse(TokenFailure::kMalformed, failure, ToStd(tenant_ok.message()));
  }
  if (claims.issued_at > now + leeway) {
    return Refuse(TokenFailure::kMalformed, failure,
                  absl::StrCat("payload.iat: issued ", EpochSeconds(claims.issued_at) - EpochSeconds(now),
                               " s in the future; the clocks of whoever minted it and of the "
                               "broker disagree"));
  }
  if (claims.expires_at <= claims.issued_at) {
    return Refuse(TokenFailure::kMalformed, failure, "payload.exp: not after payload.iat");
  }
  if (claims.expires_at - claims.issued_at > max_lifetime) {
    return Refuse(TokenFailure::kMalformed, failure,
                  absl::StrCat("the token lives ",
                               EpochSeconds(claims.expires_at) - EpochSeconds(claims.issued_at),
                               " s (exp - iat); this broker takes tokens of at most ",
                               std::chrono::duration_cast<std::chrono::hours>(max_lifetime).count(),
                               " h (grpc_security.token_max_lifetime_hours)"));
  }
  if (claims.expires_at + leeway <= now) {
    return Refuse(TokenFailure::kExpired, failure,
                  absl::StrCat("expired ",
                               std::chrono::duration_cast<std::chrono::seconds>(now - claims.expires_at)
                                   .count(),
                               " s ago; ask for a new one"));
  }
  return claims;
}

}  // namespace omni::auth
