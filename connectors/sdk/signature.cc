#include "connectors/sdk/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::connectors {
namespace {

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// The MAC bytes a header carries, or "" when it is not valid in `encoding`.
std::string DecodeMac(MacEncoding encoding, std::string_view provided) {
  if (encoding == MacEncoding::kHex) {
    if (provided.empty() || provided.size() % 2 != 0 || !IsHex(provided)) return "";
    return absl::HexStringToBytes(ToAbsl(provided));
  }
  std::string bytes;
  if (!absl::Base64Unescape(ToAbsl(provided), &bytes)) return "";
  return bytes;
}

}  // namespace

std::string Hmac(Digest digest, std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(digest == Digest::kSha1 ? EVP_sha1() : EVP_sha256(), key.data(),
       static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::Status VerifyHmac(Digest digest, MacEncoding encoding, std::string_view secret,
                        std::string_view body, std::string_view provided, std::string_view what) {
  if (secret.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no secret configured to verify ", ToAbsl(what)));
  }
  if (provided.empty()) return absl::UnauthenticatedError(absl::StrCat("missing ", ToAbsl(what)));
  const std::string mac = DecodeMac(encoding, provided);
  if (mac.empty()) {
    return absl::UnauthenticatedError(absl::StrCat("malformed ", ToAbsl(what)));
  }
  if (!ConstantTimeEquals(mac, Hmac(digest, secret, body))) {
    return absl::UnauthenticatedError(
        absl::StrCat(ToAbsl(what), " does not match the request body"));
  }
  return absl::OkStatus();
}

absl::Status VerifyPrefixedHmac(Digest digest, MacEncoding encoding, std::string_view secret,
                                std::string_view body, std::string_view header_value,
                                std::string_view prefix, std::string_view what) {
  if (header_value.empty()) {
    return VerifyHmac(digest, encoding, secret, body, header_value, what);
  }
  if (!header_value.starts_with(prefix)) {
    return absl::UnauthenticatedError(
        absl::StrCat(ToAbsl(what), " does not start with '", ToAbsl(prefix), "'"));
  }
  return VerifyHmac(digest, encoding, secret, body, header_value.substr(prefix.size()), what);
}

absl::Status VerifySharedSecret(std::string_view expected, std::string_view provided,
                                std::string_view what) {
  if (expected.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no secret configured to verify ", ToAbsl(what)));
  }
  if (provided.empty()) return absl::UnauthenticatedError(absl::StrCat("missing ", ToAbsl(what)));
  if (!ConstantTimeEquals(expected, provided)) {
    return absl::UnauthenticatedError(absl::StrCat(ToAbsl(what), " does not match"));
  }
  return absl::OkStatus();
}

}  // namespace omni::connectors
