// Agent tokens: what is accepted, and a clear refusal with its reason for everything else.
#include "broker/auth/agent_token.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "base/tenant_name.h"

namespace omni::auth {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";
const TimePoint kNow = TimePoint{} + std::chrono::seconds(1'800'000'000);
constexpr char kHs256[] = R"({"alg":"HS256","typ":"JWT"})";

constexpr std::chrono::seconds kLifetime = kDefaultMaxTokenLifetime;

AgentClaims Alice(TimePoint expires_at = kNow + 1h, Role role = Role::kAgent) {
  return AgentClaims{.agent_id = "alice",
                     .tenant = "acme",
                     .token_id = "tok_alice_1",
                     .role = role,
                     .issued_at = expires_at - 8h,
                     .expires_at = expires_at};
}

// A payload with every required claim of a token of alice but her tenant, and `extra` members
// after them.
std::string PayloadWithoutTenant(const std::string& extra = "") {
  return R"({"sub":"alice","jti":"tok_1","iat":1799990000,"exp":1800003600)" + extra + "}";
}
// The same with her tenant.
std::string Payload(const std::string& extra = "") {
  return PayloadWithoutTenant(R"(,"tenant":"acme")" + extra);
}

TEST(AgentTokenTest, AMintedTokenVerifiesWithItsClaims) {
  auto minted = VerifyAgentToken(MintAgentToken(Alice(), kSecret), kSecret, kNow, 60s, kLifetime);
  ASSERT_TRUE(minted.ok()) << minted.status();
  EXPECT_EQ(minted->token_id, "tok_alice_1");
  EXPECT_EQ(minted->issued_at, kNow + 1h - 8h);

  auto claims = VerifyAgentToken(MintAgentToken(Alice(kNow + 1h, Role::kSupervisor), kSecret),
                                 kSecret, kNow, 60s, kLifetime);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->agent_id, "alice");
  EXPECT_EQ(claims->tenant, "acme");
  EXPECT_EQ(claims->role, Role::kSupervisor);
  EXPECT_EQ(claims->expires_at, kNow + 1h);
}

TEST(AgentTokenTest, RoleDefaultsToAgent) {
  const std::string token =
      SignedToken(kHs256, R"({"sub":"bob","tenant":"acme","jti":"t","iat":1800000000,"exp":1800003600})", kSecret);
  auto claims = VerifyAgentToken(token, kSecret, kNow, 0s, kLifetime);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->role, Role::kAgent);
}

TEST(AgentTokenTest, ExpiryAllowsTheLeewayAndNoMore) {
  const std::string token = MintAgentToken(Alice(kNow - 30s), kSecret);
  EXPECT_TRUE(VerifyAgentToken(token, kSecret, kNow, 60s, kLifetime).ok());
  TokenFailure failure{};
  auto late = VerifyAgentToken(token, kSecret, kNow, 10s, kLifetime, &failure);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(failure, TokenFailure::kExpired);
  EXPECT_TRUE(absl::StrContains(late.status().message(), "expired 30 s ago")) << late.status();
}

TEST(AgentTokenTest, AnotherSecretsSignatureIsRefused) {
  TokenFailure failure{};
  auto claims = VerifyAgentToken(MintAgentToken(Alice(), "another-secret-another-secret-00"),
                                 kSecret, kNow, 60s, kLifetime, &failure);
  EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(failure, TokenFailure::kBadSignature);
}

TEST(AgentTokenTest, AChangedPayloadBreaksTheSignature) {
  const std::string token = MintAgentToken(Alice(), kSecret);
  const size_t first = token.find('.'), second = token.rfind('.');
  const std::string forged =
      token.substr(0, first + 1) +
      absl::WebSafeBase64Escape(R"({"sub":"alice","exp":1800003600,"role":"admin"})") +
      token.substr(second);
  TokenFailure failure{};
  EXPECT_FALSE(VerifyAgentToken(forged, kSecret, kNow, 60s, kLifetime, &failure).ok());
  EXPECT_EQ(failure, TokenFailure::kBadSignature);
}

struct Malformed {
  std::string name;
  std::string token;
  TokenFailure failure;
  std::string message;  // a part of the error
};

class MalformedTokenTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedTokenTest, IsRefusedWithItsReason) {
  TokenFailure failure{};
  auto claims = VerifyAgentToken(GetParam().token, kSecret, kNow, 60s, kLifetime, &failure);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(failure, GetParam().failure);
  EXPECT_TRUE(absl::StrContains(claims.status().message(), GetParam().message)) << claims.status();
}

std::string Unsigned(const std::string& header, const std::string& payload) {
  return absl::WebSafeBase64Escape(header) + "." + absl::WebSafeBase64Escape(payload) + ".";
}

INSTANTIATE_TEST_SUITE_P(
    Tokens, MalformedTokenTest,
    ::testing::Values(
        Malformed{"Empty", "", TokenFailure::kMissing, "missing"},
        Malformed{"OnePart", "abc", TokenFailure::kMalformed, "not a JWT"},
        Malformed{"TwoParts", "abc.def", TokenFailure::kMalformed, "not a JWT"},
        Malformed{"FourParts", "a.b.c.d", TokenFailure::kMalformed, "not a JWT"},
        Malformed{"NotBase64", "a!.b.c", TokenFailure::kMalformed, "base64url"},
        Malformed{"Padded", absl::WebSafeBase64Escape(kHs256) + "==.e30.e30",
                  TokenFailure::kMalformed, "base64url"},
        Malformed{"HeaderNotJson", Unsigned("{nope", "{}"), TokenFailure::kMalformed,
                  "header: not JSON"},
        Malformed{"AlgNone", Unsigned(R"({"alg":"none"})", R"({"sub":"alice","exp":1900000000})"),
                  TokenFailure::kUnsupportedAlgorithm, "only HS256"},
        Malformed{"AlgRs256", SignedToken(R"({"alg":"RS256"})", R"({"sub":"a","exp":1900000000})", kSecret),
                  TokenFailure::kUnsupportedAlgorithm, "only HS256"},
        Malformed{"NoAlg", SignedToken(R"({"typ":"JWT"})", R"({"sub":"a","exp":1900000000})", kSecret),
                  TokenFailure::kUnsupportedAlgorithm, "only HS256"},
        Malformed{"EmptySignature", Unsigned(kHs256, R"({"sub":"alice","exp":1900000000})"),
                  TokenFailure::kBadSignature, "bad signature"},
        Malformed{"PayloadNotJson", SignedToken(kHs256, "[1,", kSecret), TokenFailure::kMalformed,
                  "payload: not JSON"},
        Malformed{"PayloadArray", SignedToken(kHs256, "[]", kSecret), TokenFailure::kMalformed,
                  "payload: not JSON"},
        Malformed{"NoSub", SignedToken(kHs256, R"({"exp":1900000000})", kSecret),
                  TokenFailure::kMalformed, "payload.sub"},
        Malformed{"EmptySub", SignedToken(kHs256, R"({"sub":"","exp":1900000000})", kSecret),
                  TokenFailure::kMalformed, "payload.sub"},
        Malformed{"NumericSub", SignedToken(kHs256, R"({"sub":7,"exp":1900000000})", kSecret),
                  TokenFailure::kMalformed, "payload.sub"},
        Malformed{"NoExp", SignedToken(kHs256, R"({"sub":"alice"})", kSecret),
                  TokenFailure::kMalformed, "payload.exp"},
        Malformed{"TextExp", SignedToken(kHs256, R"({"sub":"alice","exp":"tomorrow"})", kSecret),
                  TokenFailure::kMalformed, "payload.exp"},
        Malformed{"FractionalExp", SignedToken(kHs256, R"({"sub":"alice","exp":1.5e9})", kSecret),
                  TokenFailure::kMalformed, "payload.exp"},
        Malformed{"HugeExp", SignedToken(kHs256, R"({"sub":"alice","exp":9223372036854775807})", kSecret),
                  TokenFailure::kMalformed, "payload.exp"},
        Malformed{"NegativeExp", SignedToken(kHs256, R"({"sub":"alice","exp":-1})", kSecret),
                  TokenFailure::kMalformed, "payload.exp"},
        Malformed{"UnknownRole",
                  SignedToken(kHs256, Payload(R"(,"role":"root")"), kSecret),
                  TokenFailure::kMalformed, "payload.role"},
        Malformed{"RoleNotText",
                  SignedToken(kHs256, Payload(R"(,"role":2)"), kSecret),
                  TokenFailure::kMalformed, "payload.role"},
        Malformed{"NoIat", SignedToken(kHs256, R"({"sub":"alice","jti":"t","exp":1800003600})", kSecret),
                  TokenFailure::kMalformed, "payload.iat: missing"},
        Malformed{"TextIat",
                  SignedToken(kHs256, R"({"sub":"alice","jti":"t","iat":"now","exp":1800003600})", kSecret),
                  TokenFailure::kMalformed, "payload.iat"},
        Malformed{"NegativeIat",
                  SignedToken(kHs256, R"({"sub":"alice","jti":"t","iat":-5,"exp":1800003600})", kSecret),
                  TokenFailure::kMalformed, "payload.iat"},
        Malformed{"NoJti", SignedToken(kHs256, R"({"sub":"alice","iat":1799990000,"exp":1800003600})", kSecret),
                  TokenFailure::kMalformed, "payload.jti"},
        Malformed{"EmptyJti",
                  SignedToken(kHs256, R"({"sub":"alice","jti":"","iat":1799990000,"exp":1800003600})", kSecret),
                  TokenFailure::kMalformed, "payload.jti"},
        Malformed{"NumericJti",
                  SignedToken(kHs256, R"({"sub":"alice","jti":7,"iat":1799990000,"exp":1800003600})", kSecret),
                  TokenFailure::kMalformed, "payload.jti"},
        Malformed{"HugeJti",
                  SignedToken(kHs256,
                              R"({"sub":"alice","jti":")" + std::string(129, 'x') +
                                  R"(","iat":1799990000,"exp":1800003600})",
                              kSecret),
                  TokenFailure::kMalformed, "payload.jti"},
        Malformed{"IssuedInTheFuture",
                  SignedToken(kHs256, R"({"sub":"alice","tenant":"acme","jti":"t","iat":1800000100,"exp":1800003600})", kSecret),
                  TokenFailure::kMalformed, "payload.iat: issued 100 s in the future"},
        Malformed{"ExpiresBeforeIssued",
                  SignedToken(kHs256, R"({"sub":"alice","tenant":"acme","jti":"t","iat":1799990000,"exp":1799990000})", kSecret),
                  TokenFailure::kMalformed, "payload.exp: not after payload.iat"},
        Malformed{"LivesTooLong",
                  SignedToken(kHs256, R"({"sub":"alice","tenant":"acme","jti":"t","iat":1799990000,"exp":1900000000})", kSecret),
                  TokenFailure::kMalformed, "this broker takes tokens of at most 720 h"},
        Malformed{"NoTenant", SignedToken(kHs256, PayloadWithoutTenant(), kSecret),
                  TokenFailure::kMalformed, "payload.tenant: the tenant is missing"},
        Malformed{"EmptyTenant",
                  SignedToken(kHs256, PayloadWithoutTenant(R"(,"tenant":"")"), kSecret),
                  TokenFailure::kMalformed, "payload.tenant: '' is not a tenant name"},
        Malformed{"NumericTenant",
                  SignedToken(kHs256, PayloadWithoutTenant(R"(,"tenant":7)"), kSecret),
                  TokenFailure::kMalformed, "payload.tenant: the tenant is missing or not a string"},
        Malformed{"NullTenant",
                  SignedToken(kHs256, PayloadWithoutTenant(R"(,"tenant":null)"), kSecret),
                  TokenFailure::kMalformed, "payload.tenant: the tenant is missing or not a string"},
        Malformed{"TenantNotAName",
                  SignedToken(kHs256, PayloadWithoutTenant(R"(,"tenant":"Acme/EU")"), kSecret),
                  TokenFailure::kMalformed, "payload.tenant: 'Acme/EU' is not a tenant name"},
        Malformed{"EveryTenantForAnAdmin",
                  SignedToken(kHs256, PayloadWithoutTenant(R"(,"tenant":"*","role":"admin")"),
                              kSecret),
                  TokenFailure::kMalformed, "is for role operator only"},
        Malformed{"EveryTenantForAnAgent",
                  SignedToken(kHs256, PayloadWithoutTenant(R"(,"tenant":"*")"), kSecret),
                  TokenFailure::kMalformed, "is for role operator only"},
        Malformed{"OperatorOfOneTenant",
                  SignedToken(kHs256, PayloadWithoutTenant(R"(,"tenant":"acme","role":"operator")"),
                              kSecret),
                  TokenFailure::kMalformed, "an operator's token is for every tenant"}),
    [](const auto& info) { return info.param.name; });

TEST(AgentTokenTest, NewClaimsHaveAFreshIdAndWholeSeconds) {
  const TimePoint now = kNow + 250ms;
  const AgentClaims a = NewAgentClaims("alice", "acme", Role::kAdmin, now, 8h);
  const AgentClaims b = NewAgentClaims("alice", "acme", Role::kAdmin, now, 8h);
  EXPECT_NE(a.token_id, b.token_id);
  EXPECT_TRUE(a.token_id.starts_with("tok_")) << a.token_id;
  EXPECT_EQ(a.issued_at, kNow);
  EXPECT_EQ(a.expires_at, kNow + 8h);
  auto verified = VerifyAgentToken(MintAgentToken(a, kSecret), kSecret, now, 0s, kLifetime);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->token_id, a.token_id);
  EXPECT_EQ(verified->role, Role::kAdmin);
  EXPECT_EQ(verified->tenant, "acme");
}

TEST(AgentTokenTest, AnOperatorsTokenIsForEveryTenant) {
  auto verified = VerifyAgentToken(
      MintAgentToken(NewAgentClaims("olga", std::string(kAnyTenant), Role::kOperator, kNow, 1h),
                     kSecret),
      kSecret, kNow, 0s, kLifetime);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->role, Role::kOperator);
  EXPECT_EQ(verified->tenant, "*");
}

TEST(AgentTokenTest, TheLifetimeAndTheFutureAllowTheLeewayAndTheMaximumExactly) {
  AgentClaims claims = NewAgentClaims("alice", "acme", Role::kAgent, kNow + 60s, 24h);
  EXPECT_TRUE(VerifyAgentToken(MintAgentToken(claims, kSecret), kSecret, kNow, 60s, 24h).ok());
  EXPECT_FALSE(VerifyAgentToken(MintAgentToken(claims, kSecret), kSecret, kNow, 59s, 24h).ok());
  EXPECT_FALSE(VerifyAgentToken(MintAgentToken(claims, kSecret), kSecret, kNow + 60s, 0s, 24h - 1s).ok());
}

TEST(AgentTokenTest, RolesParseByName) {
  for (Role role : {Role::kAgent, Role::kQuality, Role::kSupervisor, Role::kAdmin, Role::kOperator}) {
    EXPECT_EQ(ParseRole(RoleName(role)).value(), role);
  }
  EXPECT_EQ(RoleName(Role::kQuality), "quality");
  EXPECT_EQ(RoleName(Role::kOperator), "operator");
  EXPECT_GT(Role::kOperator, Role::kAdmin) << "an operator may do what an admin may";
  EXPECT_EQ(ParseRole("Admin").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace omni::auth
