// Signature checks against published test vectors (RFC 4231, RFC 2202, GitHub's webhook example)
// and every way a header can be wrong.
#include "connectors/sdk/signature.h"

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"

namespace omni::connectors {
namespace {

constexpr char kRfc4231Sha256[] =
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
constexpr char kRfc2202Sha1[] = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";
constexpr char kBody[] = "what do ya want for nothing?";

TEST(SignatureTest, HmacMatchesRfcVectors) {
  EXPECT_EQ(absl::BytesToHexString(Hmac(Digest::kSha256, "Jefe", kBody)), kRfc4231Sha256);
  EXPECT_EQ(absl::BytesToHexString(Hmac(Digest::kSha1, "Jefe", kBody)), kRfc2202Sha1);
}

TEST(SignatureTest, AcceptsHexInEitherCaseAndBase64) {
  EXPECT_TRUE(
      VerifyHmac(Digest::kSha256, MacEncoding::kHex, "Jefe", kBody, kRfc4231Sha256, "sig").ok());
  EXPECT_TRUE(VerifyHmac(Digest::kSha256, MacEncoding::kHex, "Jefe", kBody,
                         absl::AsciiStrToUpper(kRfc4231Sha256), "sig")
                  .ok());
  const std::string b64 = absl::Base64Escape(absl::HexStringToBytes(kRfc2202Sha1));
  EXPECT_TRUE(VerifyHmac(Digest::kSha1, MacEncoding::kBase64, "Jefe", kBody, b64, "sig").ok());
}

TEST(SignatureTest, MetaStylePrefixedHeader) {
  // GitHub's documented example uses the same "sha256=<hex>" form as Meta's X-Hub-Signature-256.
  const std::string header =
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  EXPECT_TRUE(VerifyPrefixedHmac(Digest::kSha256, MacEncoding::kHex, "It's a Secret to Everybody",
                                 "Hello, World!", header, "sha256=", "X-Hub-Signature-256")
                  .ok());
  const absl::Status no_prefix =
      VerifyPrefixedHmac(Digest::kSha256, MacEncoding::kHex, "It's a Secret to Everybody",
                         "Hello, World!", header.substr(7), "sha256=", "X-Hub-Signature-256");
  EXPECT_EQ(no_prefix.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(no_prefix.message().find("sha256="), absl::string_view::npos);
}

TEST(SignatureTest, RejectsWrongMissingMalformedAndUnconfigured) {
  auto verify = [](std::string_view secret, std::string_view body, std::string_view mac) {
    return VerifyHmac(Digest::kSha256, MacEncoding::kHex, secret, body, mac, "X-Sig");
  };
  EXPECT_EQ(verify("Jefe", "what do ya want for nothing!", kRfc4231Sha256).code(),
            absl::StatusCode::kUnauthenticated);  // one byte of the body changed
  EXPECT_EQ(verify("jefe", kBody, kRfc4231Sha256).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(verify("Jefe", kBody, "").message(), "missing X-Sig");
  EXPECT_EQ(verify("Jefe", kBody, "zz").message(), "malformed X-Sig");
  EXPECT_EQ(verify("Jefe", kBody, "abc").message(), "malformed X-Sig");  // odd length
  EXPECT_EQ(verify("Jefe", kBody, std::string(kRfc4231Sha256).substr(0, 62)).code(),
            absl::StatusCode::kUnauthenticated);  // truncated MAC
  EXPECT_EQ(verify("", kBody, kRfc4231Sha256).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(VerifyHmac(Digest::kSha1, MacEncoding::kBase64, "Jefe", kBody, "!!notbase64", "X-Sig")
                .message(),
            "malformed X-Sig");
}

TEST(SignatureTest, SharedSecret) {
  EXPECT_TRUE(VerifySharedSecret("s3cret-token", "s3cret-token", "X-Token").ok());
  EXPECT_EQ(VerifySharedSecret("s3cret-token", "s3cret-tokeN", "X-Token").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifySharedSecret("s3cret-token", "s3cret", "X-Token").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifySharedSecret("s3cret-token", "", "X-Token").message(), "missing X-Token");
  EXPECT_EQ(VerifySharedSecret("", "", "X-Token").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SignatureTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace omni::connectors
