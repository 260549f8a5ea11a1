// CURVE keys in Z85: a generated pair's public half is what its secret derives; malformed keys
// and allow-list lines are refused with what is wrong and where.
#include "base/curve_keys.h"

#include <gtest/gtest.h>

namespace omni {
namespace {

TEST(CurveKeysTest, AGeneratedPairsPublicKeyIsDerivedFromItsSecret) {
  ASSERT_TRUE(CurveAvailable());
  auto pair = GenerateCurveKeyPair();
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->public_key.size(), 40u);
  EXPECT_NE(pair->public_key, pair->secret_key);
  auto derived = CurvePublicKey("secret", pair->secret_key);
  ASSERT_TRUE(derived.ok()) << derived.status();
  EXPECT_EQ(*derived, pair->public_key);
  EXPECT_NE(GenerateCurveKeyPair()->public_key, pair->public_key);
}

TEST(CurveKeysTest, RejectsMalformedKeysSayingWhy) {
  const std::string good = GenerateCurveKeyPair()->public_key;
  struct Case {
    std::string key;
    std::string says;
  } cases[] = {
      {"", "40 Z85 characters, this one has 0"},
      {good.substr(0, 39), "this one has 39"},
      {good + "x", "this one has 41"},
      {std::string(39, 'a') + "\"", "not a Z85 key"},
      {std::string(39, 'a') + " ", "not a Z85 key"},
  };
  for (const auto& c : cases) {
    const absl::Status s = CheckCurveKey("broker_public_key", c.key);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.key;
    EXPECT_NE(s.message().find("broker_public_key: "), std::string::npos) << s;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s;
    EXPECT_FALSE(CurvePublicKey("secret", c.key).ok()) << c.key;
  }
  EXPECT_TRUE(CheckCurveKey("k", good).ok());
}

TEST(CurveKeysTest, ParsesAnAllowListSkippingCommentsAndBlankLines) {
  // "#" is a Z85 character: a key holding one must survive.
  std::string a;
  while (a.find('#') == std::string::npos) a = GenerateCurveKeyPair()->public_key;
  const std::string b = GenerateCurveKeyPair()->public_key;
  auto keys = ParseCurveKeyList("keys.txt", "# gateways\n" + a + "  gw-0 (# is Z85)\n\n  " + b + "\r\n");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(*keys, (std::vector<std::string>{a, b}));

  auto bad = ParseCurveKeyList("keys.txt", a + "\nnot-a-key\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("keys.txt line 2: "), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace omni
