#include "connectors/meta/messaging_connector.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "connectors/meta/graph_api.h"
#include "connectors/meta/meta_webhook.h"

namespace omni::connectors::meta {

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeMessagingWebhook(
    const MessagingPlatform& platform, std::string_view app_secret, const InboundRequest& request,
    TimePoint now) {
  if (auto s = VerifySignature(app_secret, request); !s.ok()) return s;
  return ParseMessagingWebhook(platform, request.body, now);
}

absl::StatusOr<std::unique_ptr<MessagingConnector>> MessagingConnector::Create(
    MessagingPlatform platform, MessagingOptions options) {
  for (const auto& [name, value] : {std::pair{"app_secret", &options.app_secret},
                                    std::pair{"verify_token", &options.verify_token},
                                    std::pair{"access_token", &options.access_token}}) {
    if (value->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(platform.provider), ": ", name, " is required"));
    }
  }
  options.api.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options.access_token));
  auto api = ProviderClient::Create(options.api);
  if (!api.ok()) return api.status();
  return std::unique_ptr<MessagingConnector>(
      new MessagingConnector(platform, std::move(options), *std::move(api)));
}

MessagingConnector::MessagingConnector(MessagingPlatform platform, MessagingOptions options,
                                       ProviderClient api)
    : platform_(platform),
      options_(std::move(options)),
      api_(std::move(api)),
      endpoint_(
          options_.webhook,
          [this](const InboundRequest& request, TimePoint now) {
            return NormalizeMessagingWebhook(platform_, options_.app_secret, request, now);
          },
          [this](const InboundRequest& request) {
            return AnswerSubscription(options_.verify_token, request);
          }) {}

std::vector<std::string> MessagingConnector::Providers() const {
  return {std::string(platform_.provider)};
}

absl::Status MessagingConnector::Start(ConnectorContext& context) {
  return endpoint_.Start(context);
}

void MessagingConnector::Stop() { endpoint_.Stop(); }

absl::Status MessagingConnector::Deliver(const omnibroker::v1::Event& event) {
  {
    std::lock_guard lock(mu_);
    if (delivered_.contains(event.id())) return absl::OkStatus();
  }
  const std::string what = absl::StrCat(ToAbsl(platform_.provider), " Send API");
  // The thread key is "<page>:<user>": which page writes, to whom.
  const std::string& thread = event.thread_key();
  const size_t colon = thread.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == thread.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": thread_key '", thread, "' is not <page id>:<user id>"));
  }
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": content.text is empty"));
  }
  const nlohmann::json body{{"recipient", {{"id", thread.substr(colon + 1)}}},
                            {"messaging_type", "RESPONSE"},
                            {"message", {{"text", event.content().text()}}}};
  auto response = api_.PostJson(absl::StrCat("/", thread.substr(0, colon), "/messages"), body.dump());
  if (!response.ok()) return response.status();
  if (auto s = SendStatus(*response, what); !s.ok()) return s;
  std::lock_guard lock(mu_);
  delivered_.insert(event.id());
  return absl::OkStatus();
}

namespace {

class MessagingFactory : public ConnectorFactory {
 public:
  MessagingFactory(MessagingPlatform platform, std::string default_path, std::string default_api)
      : platform_(platform),
        default_path_(std::move(default_path)),
        default_api_(std::move(default_api)) {}

  std::string_view Name() const override { return platform_.provider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    MessagingOptions options;
    auto webhook = WebhookOptionsFromConfig(config, default_path_);
    if (!webhook.ok()) return webhook.status();
    options.webhook = *std::move(webhook);
    options.app_secret = config.Get("app_secret");
    options.verify_token = config.Get("verify_token");
    options.access_token = config.Get("access_token");
    options.api.base_url = config.Get("api_base_url", default_api_);
    auto connector = MessagingConnector::Create(platform_, std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    return NormalizeMessagingWebhook(platform_, config.Get("app_secret"), request, now);
  }

 private:
  const MessagingPlatform platform_;
  const std::string default_path_;
  const std::string default_api_;
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeMessagingFactory(MessagingPlatform platform,
                                                       std::string default_path,
                                                       std::string default_api) {
  return std::make_unique<MessagingFactory>(platform, std::move(default_path),
                                            std::move(default_api));
}

}  // namespace omni::connectors::meta
