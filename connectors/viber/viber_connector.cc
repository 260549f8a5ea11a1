#include "connectors/viber/viber_connector.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "connectors/sdk/signature.h"
#include "connectors/viber/viber_parser.h"

namespace omni::connectors::viber {

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeCallback(std::string_view auth_token,
                                                                     const InboundRequest& request,
                                                                     TimePoint now) {
  if (auto s = VerifyHmac(Digest::kSha256, MacEncoding::kHex, auth_token, request.body,
                          request.Header(kSignatureHeader), kSignatureHeader);
      !s.ok()) {
    return s;
  }
  return ParseCallback(request.body, now);
}

absl::Status StatusFromSendMessage(const ProviderResponse& response) {
  if (auto s = StatusFromHttp(response, "viber send_message"); !s.ok()) return s;
  const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  auto status = answer.is_object() ? answer.find("status") : answer.end();
  if (status == answer.end() || !status->is_number_integer()) {
    return absl::UnavailableError(absl::StrCat("viber send_message: answer without a status: ",
                                               response.body.substr(0, 200)));
  }
  const int64_t code = status->get<int64_t>();
  if (code == 0) return absl::OkStatus();
  const std::string message =
      absl::StrCat("viber send_message status ", code, " (",
                   answer.value("status_message", std::string("no status_message")), ")");
  switch (code) {
    case 5:  // receiverNotRegistered
      return absl::FailedPreconditionError(absl::StrCat(
          "the customer is no longer registered on Viber; reach them on another channel: ",
          message));
    case 6:  // receiverNotSubscribed
      return absl::FailedPreconditionError(absl::StrCat(
          "the customer unsubscribed from the bot; Viber delivers again once they write to it: ",
          message));
    case 11:  // receiverNoSuitableDevice
      return absl::FailedPreconditionError(
          absl::StrCat("the customer's Viber app cannot receive this message: ", message));
    case 2:   // invalidAuthToken
    case 7:   // publicAccountBlocked
    case 8:   // publicAccountNotFound
    case 9:   // publicAccountSuspended
    case 10:  // webhookNotSet: Viber sends only for bots with a webhook
      return absl::PermissionDeniedError(absl::StrCat("the bot cannot send: ", message));
    case 1:   // invalidUrl
    case 3:   // badData
    case 4:   // missingData
    case 13:  // apiVersionNotSupported
    case 14:  // incompatibleWithVersion
      return absl::InvalidArgumentError(message);
    default:  // 12 tooManyRequests, generalError and codes added later: try again
      return absl::UnavailableError(message);
  }
}

absl::StatusOr<std::unique_ptr<ViberConnector>> ViberConnector::Create(ViberOptions options) {
  if (options.auth_token.empty()) {
    return absl::InvalidArgumentError("viber: auth_token is required");
  }
  if (options.bot_name.empty()) return absl::InvalidArgumentError("viber: bot_name is required");
  if (options.api.base_url.empty()) options.api.base_url = "https://chatapi.viber.com";
  options.api.headers.emplace_back("X-Viber-Auth-Token", options.auth_token);
  auto api = ProviderClient::Create(options.api);
  if (!api.ok()) return api.status();
  return std::unique_ptr<ViberConnector>(new ViberConnector(std::move(options), *std::move(api)));
}

ViberConnector::ViberConnector(ViberOptions options, ProviderClient api)
    : options_(std::move(options)),
      api_(std::move(api)),
      endpoint_(options_.webhook, [this](const InboundRequest& request, TimePoint now) {
        return NormalizeCallback(options_.auth_token, request, now);
      }) {}

std::vector<std::string> ViberConnector::Providers() const { return {std::string(kProvider)}; }

absl::Status ViberConnector::Start(ConnectorContext& context) { return endpoint_.Start(context); }

void ViberConnector::Stop() { endpoint_.Stop(); }

absl::Status ViberConnector::Deliver(const omnibroker::v1::Event& event) {
  {
    std::lock_guard lock(mu_);
    if (delivered_.contains(event.id())) return absl::OkStatus();
  }
  const std::string& receiver =
      event.thread_key().empty() ? event.recipient().handle() : event.thread_key();
  if (receiver.empty()) {
    return absl::InvalidArgumentError("viber delivery: thread_key and recipient.handle are empty");
  }
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError("viber delivery: content.text is empty");
  }
  const nlohmann::json body{{"receiver", receiver},
                            {"type", "text"},
                            {"text", event.content().text()},
                            {"sender", {{"name", options_.bot_name}}}};
  auto response = api_.PostJson("/pa/send_message", body.dump());
  if (!response.ok()) return response.status();
  if (auto s = StatusFromSendMessage(*response); !s.ok()) return s;
  std::lock_guard lock(mu_);
  delivered_.insert(event.id());
  return absl::OkStatus();
}

}  // namespace omni::connectors::viber
