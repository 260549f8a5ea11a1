// Webhook authenticity checks shared by every connector: HMAC over the raw request bytes and
// constant-time comparison, so a provider's signature (Meta X-Hub-Signature-256, Viber, X…) or
// shared secret (Telegram, VK) is verified one way, before anything is parsed.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace omni::connectors {

enum class Digest { kSha1, kSha256 };
// How a provider writes the MAC in its header.
enum class MacEncoding { kHex, kBase64 };

// The raw HMAC of `message` under `key`.
std::string Hmac(Digest digest, std::string_view key, std::string_view message);

// True when `a` and `b` are equal; the time taken does not depend on where they differ (it only
// reveals whether the lengths differ). Use for every secret or MAC comparison.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Checks `provided` (the header value after the provider's prefix, e.g. after "sha256=") against
// the HMAC of `body` under `secret`. Hex is accepted in either case. UNAUTHENTICATED names `what`
// (the header) when the value is missing, malformed or wrong.
absl::Status VerifyHmac(Digest digest, MacEncoding encoding, std::string_view secret,
                        std::string_view body, std::string_view provided, std::string_view what);

// Checks a header of the form "<prefix><mac>" (Meta: "sha256=<hex>").
absl::Status VerifyPrefixedHmac(Digest digest, MacEncoding encoding, std::string_view secret,
                                std::string_view body, std::string_view header_value,
                                std::string_view prefix, std::string_view what);

// Checks a shared secret sent verbatim (Telegram's X-Telegram-Bot-Api-Secret-Token, VK's
// `secret` field) in constant time. An empty `expected` is a configuration error, never a match.
absl::Status VerifySharedSecret(std::string_view expected, std::string_view provided,
                                std::string_view what);

}  // namespace omni::connectors
