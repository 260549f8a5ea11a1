#include "connectors/webchat/visitor_token.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "connectors/sdk/signature.h"
#include "tests/support/test_support.h"

namespace omni::connectors::webchat {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint{} + std::chrono::hours(500000);
constexpr char kSecret[] = "0123456789abcdef0123";

VisitorTokens Tokens(const std::string& secret = kSecret) {
  auto tokens = VisitorTokens::Create(secret, 24h);
  EXPECT_TRUE(tokens.ok()) << tokens.status();
  return *std::move(tokens);
}

TEST(VisitorTokensTest, IssuedTokenVerifiesUntilItExpires) {
  const VisitorTokens tokens = Tokens();
  const std::string id = tokens.NewVisitorId();
  const std::string token = tokens.Issue(id, kNow);
  auto verified = tokens.Verify(token, kNow + 24h - 1s);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->visitor_id, id);
  EXPECT_EQ(verified->expires_at, kNow + 24h);

  auto expired = tokens.Verify(token, kNow + 24h);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(TokenRefusalReason(expired.status()), kTokenExpired);
  EXPECT_TRUE(
      absl::StartsWith(expired.status().message(), "visitor token expired; register again"));
  // Still genuine: it may be renewed while the visitor's profile lives.
  auto genuine = tokens.VerifyIgnoringExpiry(token);
  ASSERT_TRUE(genuine.ok());
  EXPECT_EQ(genuine->visitor_id, id);
}

TEST(VisitorTokensTest, ForgedOrMalformedTokensFailWithTheirReason) {
  const VisitorTokens tokens = Tokens();
  const std::string good = tokens.Issue("v_1234", kNow);
  std::string flipped = good;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  const std::string expiry = good.substr(7, good.rfind('.') - 7);
  const std::string later = std::to_string(std::stoll(expiry) + 3600);
  const std::pair<std::string, std::string_view> cases[] = {
      {"", kTokenMissing},
      {"no-dot", kTokenMalformed},
      {"v_1234.", kTokenMalformed},
      {"v_1234..", kTokenMalformed},
      {"v_1234.x1.00", kTokenMalformed},
      {"v_1234.+1." + good.substr(good.rfind('.') + 1), kTokenMalformed},
      {"v_1234.1 ." + good.substr(good.rfind('.') + 1), kTokenMalformed},
      {"v_1234.1234567890123." + good.substr(good.rfind('.') + 1), kTokenMalformed},
      {"../etc." + expiry + good.substr(good.rfind('.')), kTokenMalformed},
      {"a.b.c.d", kTokenMalformed},
      {flipped, kTokenInvalid},
      {Tokens("another-secret-of-enough-length").Issue("v_1234", kNow), kTokenInvalid},
      {"v_9999" + good.substr(6), kTokenInvalid},
      {"v_1234." + later + good.substr(good.rfind('.')), kTokenInvalid},  // a longer life
  };
  for (const auto& [bad, reason] : cases) {
    auto verified = tokens.Verify(bad, kNow);
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated) << bad;
    EXPECT_EQ(TokenRefusalReason(verified.status()), reason) << bad;
  }
}

// A token of the first format, "<visitor id>.<HMAC-SHA256 hex>": it may have travelled in a stream
// URL into a log, so it is refused, saying why.
TEST(VisitorTokensTest, OldFormatTokensAreRefusedSayingSo) {
  const VisitorTokens tokens = Tokens();
  const std::string old_mac =
      absl::BytesToHexString(Hmac(Digest::kSha256, kSecret, "omnibroker-webchat-visitor:v_1234"));
  auto verified = tokens.Verify("v_1234." + old_mac, kNow);
  EXPECT_EQ(TokenRefusalReason(verified.status()), kTokenOldFormat);
  EXPECT_EQ(verified.status().message(),
            "visitor token is of the old format, without an expiry; register again "
            "(POST /v1/visitors)");
  EXPECT_FALSE(tokens.VerifyIgnoringExpiry("v_1234." + old_mac).ok());
}

TEST(VisitorTokensTest, BearerHeader) {
  const VisitorTokens tokens = Tokens();
  EXPECT_TRUE(tokens.VerifyBearer("Bearer " + tokens.Issue("v_1234", kNow), kNow).ok());
  auto missing = tokens.VerifyBearer("Basic dXNlcg==", kNow);
  EXPECT_EQ(TokenRefusalReason(missing.status()), kTokenMissing);
  EXPECT_EQ(missing.status().message(), "missing 'Authorization: Bearer <visitor token>'");
  EXPECT_EQ(TokenRefusalReason(absl::UnauthenticatedError("other")), "");
}

TEST(VisitorTokensTest, ShortSecretOrNoLifetimeIsRefused) {
  EXPECT_FALSE(VisitorTokens::Create("short", 24h).ok());
  EXPECT_FALSE(VisitorTokens::Create(kSecret, Duration::zero()).ok());
}

TEST(VisitorTokensTest, SecretFileIsCreatedOnceAndReused) {
  omni::testing::TempDir dir;
  const std::string path = (dir.path() / "sub" / "webchat.secret").string();
  auto first = LoadOrCreateSecret(path);
  auto second = LoadOrCreateSecret(path);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_GE(first->size(), 32u);
}

}  // namespace
}  // namespace omni::connectors::webchat
