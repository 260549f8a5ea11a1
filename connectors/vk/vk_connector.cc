#include "connectors/vk/vk_connector.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "connectors/sdk/signature.h"
#include "connectors/vk/vk_parser.h"

namespace omni::connectors::vk {
namespace {

constexpr std::string_view kSecretField = "VK Callback API secret";

// RFC 3986 percent-encoding of a query value (UTF-8 bytes as %XX).
std::string QueryValue(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeCallback(std::string_view secret,
                                                                     int64_t group_id,
                                                                     const InboundRequest& request,
                                                                     TimePoint now) {
  // The secret travels inside the body, so the JSON is read for it; nothing else is used until
  // it matched.
  auto envelope = ReadEnvelope(request.body);
  if (!envelope.ok()) return envelope.status();
  if (auto s = VerifySharedSecret(secret, envelope->secret, kSecretField); !s.ok()) return s;
  return ParseCallback(request.body, group_id, now);
}

absl::StatusOr<std::optional<std::string>> AnswerConfirmation(std::string_view secret,
                                                              int64_t group_id,
                                                              std::string_view confirmation,
                                                              const InboundRequest& request) {
  auto envelope = ReadEnvelope(request.body);
  if (!envelope.ok() || envelope->type != "confirmation") return std::nullopt;
  if (auto s = VerifySharedSecret(secret, envelope->secret, kSecretField); !s.ok()) return s;
  if (group_id != 0 && envelope->group_id != group_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        "confirmation for community ", envelope->group_id, ", this connector serves ", group_id));
  }
  return std::string(confirmation);
}

int32_t RandomId(std::string_view event_id) {
  uint32_t hash = 2166136261u;  // FNV-1a: stable across builds and platforms, unlike std::hash
  for (unsigned char c : event_id) hash = (hash ^ c) * 16777619u;
  const int32_t id = static_cast<int32_t>(hash & 0x7fffffff);
  return id == 0 ? 1 : id;  // 0 would switch VK's duplicate check off
}

absl::Status StatusFromMessagesSend(const ProviderResponse& response) {
  if (auto s = StatusFromHttp(response, "vk messages.send"); !s.ok()) return s;
  const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  if (!answer.is_object()) {
    return absl::UnavailableError(
        absl::StrCat("vk messages.send: answer is not JSON: ", response.body.substr(0, 200)));
  }
  auto error = answer.find("error");
  if (error == answer.end()) {
    if (answer.contains("response")) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat(
        "vk messages.send: answer without response or error: ", response.body.substr(0, 200)));
  }
  const int64_t code = error->is_object() ? error->value("error_code", int64_t{0}) : 0;
  const std::string message = absl::StrCat(
      "vk messages.send error ", code, " (",
      error->is_object() ? error->value("error_msg", std::string("no error_msg")) : "", ")");
  switch (code) {
    case 900:  // the customer blacklisted the community
    case 901:  // no permission: the customer never wrote or denied messages
    case 902:  // the customer's privacy settings
      return absl::FailedPreconditionError(absl::StrCat(
          "the customer does not accept messages from the community; they must write to it (or "
          "allow its messages) first: ",
          message));
    case 1:   // unknown error
    case 6:   // too many requests per second
    case 9:   // flood control
    case 10:  // internal server error
      return absl::UnavailableError(message);
    case 5:   // authorization failed
    case 7:   // permission denied
    case 15:  // access denied
    case 27:  // group authorization failed
      return absl::PermissionDeniedError(
          absl::StrCat("the community token cannot send: ", message));
    default:
      return absl::InvalidArgumentError(message);
  }
}

absl::StatusOr<std::unique_ptr<VkConnector>> VkConnector::Create(VkOptions options) {
  if (options.secret.empty()) return absl::InvalidArgumentError("vk: secret is required");
  if (options.confirmation.empty()) {
    return absl::InvalidArgumentError("vk: confirmation is required");
  }
  if (options.access_token.empty()) {
    return absl::InvalidArgumentError("vk: access_token is required");
  }
  if (options.api.base_url.empty()) options.api.base_url = "https://api.vk.com";
  auto api = ProviderClient::Create(options.api);
  if (!api.ok()) return api.status();
  return std::unique_ptr<VkConnector>(new VkConnector(std::move(options), *std::move(api)));
}

VkConnector::VkConnector(VkOptions options, ProviderClient api)
    : options_(std::move(options)),
      api_(std::move(api)),
      endpoint_(
          options_.webhook,
          [this](const InboundRequest& request, TimePoint now) {
            return NormalizeCallback(options_.secret, options_.group_id, request, now);
          },
          nullptr,
          [this](const InboundRequest& request) {
            return AnswerConfirmation(options_.secret, options_.group_id, options_.confirmation,
                                      request);
          }) {}

std::vector<std::string> VkConnector::Providers() const { return {std::string(kProvider)}; }

absl::Status VkConnector::Start(ConnectorContext& context) { return endpoint_.Start(context); }

void VkConnector::Stop() { endpoint_.Stop(); }

absl::Status VkConnector::Deliver(const omnibroker::v1::Event& event) {
  // The thread key is "<group_id>:<peer_id>"; without one, the recipient is a private dialog.
  std::string_view peer = event.recipient().handle();
  if (!event.thread_key().empty()) {
    const std::string_view key = event.thread_key();
    const size_t colon = key.find(':');
    int64_t group = 0;
    if (colon == std::string_view::npos ||
        !absl::SimpleAtoi(ToAbsl(key.substr(0, colon)), &group)) {
      return absl::InvalidArgumentError(
          absl::StrCat("vk delivery: thread_key '", ToAbsl(key), "' is not <group_id>:<peer_id>"));
    }
    if (options_.group_id != 0 && group != options_.group_id) {
      return absl::InvalidArgumentError(
          absl::StrCat("vk delivery: thread_key '", ToAbsl(key), "' belongs to community ", group,
                       ", this connector serves ", options_.group_id));
    }
    peer = key.substr(colon + 1);
  }
  int64_t peer_id = 0;
  if (!absl::SimpleAtoi(ToAbsl(peer), &peer_id) || peer_id == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("vk delivery: peer '", ToAbsl(peer), "' is not a VK peer id"));
  }
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError("vk delivery: content.text is empty");
  }
  // ProviderClient only POSTs JSON, which messages.send does not read: the parameters go in the
  // query string, which VK accepts on a POST, and the body stays empty.
  const std::string path = absl::StrCat(
      "/method/messages.send?peer_id=", peer_id, "&random_id=", RandomId(event.id()),
      "&message=", QueryValue(event.content().text()),
      "&access_token=", QueryValue(options_.access_token), "&v=", QueryValue(options_.api_version));
  auto response = api_.PostJson(path, "");
  if (!response.ok()) return response.status();
  return StatusFromMessagesSend(*response);
}

}  // namespace omni::connectors::vk
