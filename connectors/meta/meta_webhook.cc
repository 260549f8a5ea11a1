#include "connectors/meta/meta_webhook.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "connectors/sdk/form_encoding.h"
#include "connectors/sdk/signature.h"

namespace omni::connectors::meta {
namespace {

std::map<std::string, std::string> QueryParameters(std::string_view target) {
  std::map<std::string, std::string> parameters;
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return parameters;
  for (absl::string_view pair :
       absl::StrSplit(ToAbsl(target.substr(question + 1)), '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    const absl::string_view name = pair.substr(0, equals);
    const absl::string_view value =
        equals == absl::string_view::npos ? absl::string_view() : pair.substr(equals + 1);
    parameters.emplace(FormDecode(ToStd(name)), FormDecode(ToStd(value)));
  }
  return parameters;
}

}  // namespace

absl::Status VerifySignature(std::string_view app_secret, const InboundRequest& request) {
  return VerifyPrefixedHmac(Digest::kSha256, MacEncoding::kHex, app_secret, request.body,
                            request.Header(kSignatureHeader), "sha256=", kSignatureHeader);
}

absl::StatusOr<std::string> AnswerSubscription(std::string_view verify_token,
                                               const InboundRequest& request) {
  const auto parameters = QueryParameters(request.path);
  auto get = [&](const std::string& name) {
    auto it = parameters.find(name);
    return it == parameters.end() ? std::string() : it->second;
  };
  if (get("hub.mode") != "subscribe") {
    return absl::PermissionDeniedError("hub.mode is not 'subscribe'");
  }
  if (auto s = VerifySharedSecret(verify_token, get("hub.verify_token"), "hub.verify_token");
      !s.ok()) {
    return absl::PermissionDeniedError(s.message());
  }
  const std::string challenge = get("hub.challenge");
  if (challenge.empty()) return absl::PermissionDeniedError("hub.challenge is missing");
  return challenge;
}

}  // namespace omni::connectors::meta
