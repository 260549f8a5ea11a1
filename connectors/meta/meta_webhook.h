// The webhook side every Meta channel shares: the X-Hub-Signature-256 check over the raw body
// with the app secret (before anything is parsed) and the GET subscription handshake
// (hub.mode=subscribe, hub.verify_token, hub.challenge) Meta runs when a webhook is configured.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connectors/sdk/connector.h"

namespace omni::connectors::meta {

inline constexpr std::string_view kSignatureHeader = "X-Hub-Signature-256";

// UNAUTHENTICATED when X-Hub-Signature-256 is missing or is not "sha256=" + the hex HMAC-SHA256
// of the raw body under `app_secret`; FAILED_PRECONDITION when no secret is configured.
absl::Status VerifySignature(std::string_view app_secret, const InboundRequest& request);

// Meta's verification GET: the hub.challenge to echo when hub.mode is "subscribe" and
// hub.verify_token equals `verify_token` (constant time); PERMISSION_DENIED otherwise.
// `request.path` is the request target with its query string.
absl::StatusOr<std::string> AnswerSubscription(std::string_view verify_token,
                                               const InboundRequest& request);

}  // namespace omni::connectors::meta
