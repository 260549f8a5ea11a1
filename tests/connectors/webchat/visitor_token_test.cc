#include "connectors/webchat/visitor_token.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace omni::connectors::webchat {
namespace {

TEST(VisitorTokensTest, IssuedTokenVerifies) {
  auto tokens = VisitorTokens::Create("0123456789abcdef0123");
  ASSERT_TRUE(tokens.ok());
  const std::string id = tokens->NewVisitorId();
  auto verified = tokens->Verify(tokens->Issue(id));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(*verified, id);
}

TEST(VisitorTokensTest, ForgedOrMalformedTokensFail) {
  auto tokens = VisitorTokens::Create("0123456789abcdef0123");
  auto other = VisitorTokens::Create("another-secret-of-enough-length");
  ASSERT_TRUE(tokens.ok() && other.ok());
  const std::string good = tokens->Issue("v_1234");
  std::string flipped = good;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  for (const std::string& bad :
       {std::string(""), std::string("no-dot"), std::string("v_1234."), flipped,
        other->Issue("v_1234"), std::string("v_9999") + good.substr(6),
        std::string("../etc.") + good.substr(good.find('.') + 1)}) {
    auto verified = tokens->Verify(bad);
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated) << bad;
  }
}

TEST(VisitorTokensTest, ShortSecretIsRefused) { EXPECT_FALSE(VisitorTokens::Create("short").ok()); }

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
