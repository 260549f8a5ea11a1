// Agent tokens: what is accepted, and a clear refusal with its reason for everything else.
#include "broker/auth/agent_token.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace omni::auth {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";
const TimePoint kNow = TimePoint{} + std::chrono::seconds(1'800'000'000);
constexpr char kHs256[] = R"({"alg":"HS256","typ":"JWT"})";

AgentClaims Alice(TimePoint expires_at = kNow + 1h, Role role = Role::kAgent) {
  return AgentClaims{.agent_id = "alice", .role = role, .expires_at = expires_at};
}

TEST(AgentTokenTest, AMintedTokenVerifiesWithItsClaims) {
  auto claims = VerifyAgentToken(MintAgentToken(Alice(kNow + 1h, Role::kSupervisor), kSecret),
                                 kSecret, kNow, 60s);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->agent_id, "alice");
  EXPECT_EQ(claims->role, Role::kSupervisor);
  EXPECT_EQ(claims->expires_at, kNow + 1h);
}

TEST(AgentTokenTest, RoleDefaultsToAgent) {
  auto claims = VerifyAgentToken(SignedToken(kHs256, R"({"sub":"bob","exp":1800003600})", kSecret),
                                 kSecret, kNow, 0s);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->role, Role::kAgent);
}

TEST(AgentTokenTest, ExpiryAllowsTheLeewayAndNoMore) {
  const std::string token = MintAgentToken(Alice(kNow - 30s), kSecret);
  EXPECT_TRUE(VerifyAgentToken(token, kSecret, kNow, 60s).ok());
  TokenFailure failure{};
  auto late = VerifyAgentToken(token, kSecret, kNow, 10s, &failure);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(failure, TokenFailure::kExpired);
  EXPECT_TRUE(absl::StrContains(late.status().message(), "expired 30 s ago")) << late.status();
}

TEST(AgentTokenTest, AnotherSecretsSignatureIsRefused) {
  TokenFailure failure{};
  auto claims = VerifyAgentToken(MintAgentToken(Alice(), "another-secret-another-secret-00"),
                                 kSecret, kNow, 60s, &failure);
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
  EXPECT_FALSE(VerifyAgentToken(forged, kSecret, kNow, 60s, &failure).ok());
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
  auto claims = VerifyAgentToken(GetParam().token, kSecret, kNow, 60s, &failure);
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
                  TokenFailure::kMalformed, "out of range"},
        Malformed{"NegativeExp", SignedToken(kHs256, R"({"sub":"alice","exp":-1})", kSecret),
                  TokenFailure::kMalformed, "out of range"},
        Malformed{"UnknownRole",
                  SignedToken(kHs256, R"({"sub":"alice","exp":1900000000,"role":"root"})", kSecret),
                  TokenFailure::kMalformed, "payload.role"},
        Malformed{"RoleNotText",
                  SignedToken(kHs256, R"({"sub":"alice","exp":1900000000,"role":2})", kSecret),
                  TokenFailure::kMalformed, "payload.role"}),
    [](const auto& info) { return info.param.name; });

TEST(AgentTokenTest, RolesParseByName) {
  for (Role role : {Role::kAgent, Role::kSupervisor, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(role)).value(), role);
  }
  EXPECT_EQ(ParseRole("Admin").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace omni::auth
