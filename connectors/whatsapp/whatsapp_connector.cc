#include "connectors/whatsapp/whatsapp_connector.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "connectors/meta/graph_api.h"
#include "connectors/meta/meta_webhook.h"
#include "connectors/whatsapp/whatsapp_parser.h"

namespace omni::connectors::whatsapp {

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeWebhook(std::string_view app_secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now) {
  if (auto s = meta::VerifySignature(app_secret, request); !s.ok()) return s;
  return ParseWebhook(request.body, now);
}

absl::StatusOr<std::unique_ptr<WhatsAppConnector>> WhatsAppConnector::Create(
    WhatsAppOptions options) {
  if (options.app_secret.empty()) return absl::InvalidArgumentError("whatsapp: app_secret is required");
  if (options.verify_token.empty()) {
    return absl::InvalidArgumentError("whatsapp: verify_token is required");
  }
  if (options.access_token.empty()) {
    return absl::InvalidArgumentError("whatsapp: access_token is required");
  }
  if (options.api.base_url.empty()) options.api.base_url = "https://graph.facebook.com/v21.0";
  options.api.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options.access_token));
  auto api = ProviderClient::Create(options.api);
  if (!api.ok()) return api.status();
  return std::unique_ptr<WhatsAppConnector>(
      new WhatsAppConnector(std::move(options), *std::move(api)));
}

WhatsAppConnector::WhatsAppConnector(WhatsAppOptions options, ProviderClient api)
    : options_(std::move(options)),
      api_(std::move(api)),
      endpoint_(
          options_.webhook,
          [this](const InboundRequest& request, TimePoint now) {
            return NormalizeWebhook(options_.app_secret, request, now);
          },
          [this](const InboundRequest& request) {
            return meta::AnswerSubscription(options_.verify_token, request);
          }) {}

std::vector<std::string> WhatsAppConnector::Providers() const { return {std::string(kProvider)}; }

absl::Status WhatsAppConnector::Start(ConnectorContext& context) { return endpoint_.Start(context); }

void WhatsAppConnector::Stop() { endpoint_.Stop(); }

absl::Status WhatsAppConnector::Deliver(const omnibroker::v1::Event& event) {
  {
    std::lock_guard lock(mu_);
    if (delivered_.contains(event.id())) return absl::OkStatus();
  }
  // The thread key is "<phone_number_id>:<customer>": which business number writes, to whom.
  const std::string& thread = event.thread_key();
  const size_t colon = thread.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == thread.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "whatsapp delivery: thread_key '", thread, "' is not <phone_number_id>:<customer>"));
  }
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError("whatsapp delivery: content.text is empty");
  }
  const nlohmann::json body{{"messaging_product", "whatsapp"},
                            {"recipient_type", "individual"},
                            {"to", thread.substr(colon + 1)},
                            {"type", "text"},
                            {"text", {{"body", event.content().text()}}}};
  auto response = api_.PostJson(absl::StrCat("/", thread.substr(0, colon), "/messages"), body.dump());
  if (!response.ok()) return response.status();
  if (auto s = meta::SendStatus(*response, "whatsapp /messages"); !s.ok()) return s;
  std::lock_guard lock(mu_);
  delivered_.insert(event.id());
  return absl::OkStatus();
}

}  // namespace omni::connectors::whatsapp
