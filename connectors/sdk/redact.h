// RedactSecrets: the one way provider secrets are taken out of text that leaves a connector in a
// log line or an error (a delivery failure reaches the broker, its log and the agent). Secrets
// travel in URLs and headers — Telegram's bot token as the path segment /bot<token>/, VK's
// access_token in the query, bearer tokens and shared secrets in headers — and surface in
// transport errors, in the error bodies of providers and proxies that echo the request, and in
// webhook paths. Every such text goes through here before it is logged or returned.
//
// What is replaced by "<redacted>" (names compared case-insensitively):
//   /bot<token>                       the path segment after "/bot" (Telegram's Bot API);
//   name=value                        in a query, a form or free text, when `name` ends in
//                                     token, secret, key, password, passwd, signature or sig
//                                     (access_token, hub.verify_token, client_secret, api_key…);
//   "name":"value"                    the same names as JSON members;
//   Name: value                       a header line of those names or Authorization (to the end
//                                     of the line);
//   Bearer <token>, Basic <token>     an authorization value anywhere.
// Over-redacting (a harmless /bottom, an idempotency_key) is preferred to missing a secret.
#pragma once

#include <string>
#include <string_view>

namespace omni::connectors {

inline constexpr std::string_view kRedacted = "<redacted>";

std::string RedactSecrets(std::string_view text);

}  // namespace omni::connectors
