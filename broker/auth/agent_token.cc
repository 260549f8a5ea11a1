#include "broker/auth/agent_token.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
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

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAgent:
      return "agent";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kAdmin:
      return "admin";
  }
  return "agent";
}

absl::StatusOr<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kAgent, Role::kSupervisor, Role::kAdmin}) {
    if (name == RoleName(role)) return role;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("role '", ToAbsl(name), "': agent, supervisor or admin"));
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
  }
  return "malformed";
}

std::string SignedToken(std::string_view header_json, std::string_view payload_json,
                        std::string_view secret) {
  std::string input = absl::StrCat(Base64Url(header_json), ".", Base64Url(payload_json));
  const std::string signature = Signature(input, secret);
  return absl::StrCat(input, ".", Base64Url(signature));
}

std::string MintAgentToken(const AgentClaims& claims, std::string_view secret) {
  json payload{{"sub", claims.agent_id},
               {"exp", std::chrono::duration_cast<std::chrono::seconds>(
                           claims.expires_at.time_since_epoch())
                           .count()},
               {"role", RoleName(claims.role)}};
  return SignedToken(kHeader, payload.dump(), secret);
}

absl::StatusOr<AgentClaims> VerifyAgentToken(std::string_view token, std::string_view secret,
                                             TimePoint now, std::chrono::seconds leeway,
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
  const auto exp = payload.find("exp");
  if (exp == payload.end() || !exp->is_number_integer()) {
    return Refuse(TokenFailure::kMalformed, failure,
                  "payload.exp: missing or not whole seconds since the epoch");
  }
  // Far past or future values would overflow the clock's arithmetic: years 1970..2400 only.
  const int64_t exp_seconds = exp->get<int64_t>();
  if (exp_seconds < 0 || exp_seconds > 13'569'465'600) {
    return Refuse(TokenFailure::kMalformed, failure, "payload.exp: out of range");
  }
  claims.expires_at = TimePoint{} + std::chrono::seconds(exp_seconds);
  if (const auto role = payload.find("role"); role != payload.end()) {
    auto parsed = role->is_string() ? ParseRole(role->get<std::string>())
                                    : absl::InvalidArgumentError("not a string");
    if (!parsed.ok()) {
      return Refuse(TokenFailure::kMalformed, failure,
                    "payload.role: agent, supervisor or admin");
    }
    claims.role = *parsed;
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
