#include "connectors/template/template_connector.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/sdk/signature.h"

namespace omni::connectors::template_channel {
namespace {

using nlohmann::json;

absl::StatusOr<std::string> RequiredString(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(key, " is missing or not a non-empty string"));
  }
  return it->get<std::string>();
}

}  // namespace

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeTemplate(std::string_view secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now) {
  if (auto s = VerifySharedSecret(secret, request.Header(kSecretHeader), kSecretHeader); !s.ok()) {
    return s;
  }
  const json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return absl::InvalidArgumentError("body is not a JSON object");
  }
  auto message_id = RequiredString(body, "message_id");
  if (!message_id.ok()) return message_id.status();
  auto from = RequiredString(body, "from");
  if (!from.ok()) return from.status();
  auto thread = RequiredString(body, "thread");
  if (!thread.ok()) return thread.status();
  auto text = RequiredString(body, "text");
  if (!text.ok()) return text.status();
  omnibroker::v1::Event event;
  event.set_id(absl::StrCat(ToAbsl(kProvider), ":", *message_id));  // stable: retries dedupe
  event.mutable_sender()->set_handle(*from);
  event.set_thread_key(*thread);
  event.mutable_content()->set_text(*text);
  event.set_channel(omnibroker::v1::CHANNEL_MESSENGER);
  event.set_provider(std::string(kProvider));
  event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  event.mutable_sender()->set_provider(std::string(kProvider));
  *event.mutable_occurred_at() = ToProto(now);
  *event.mutable_received_at() = ToProto(now);
  return std::vector<omnibroker::v1::Event>{std::move(event)};
}

absl::StatusOr<std::unique_ptr<TemplateConnector>> TemplateConnector::Create(
    const ConnectorConfig& config) {
  const std::string secret = config.Get("secret");
  if (secret.empty()) return absl::InvalidArgumentError("template: secret is required");
  auto webhook = WebhookOptionsFromConfig(config, "/template/webhook");
  if (!webhook.ok()) return webhook.status();
  auto api = ProviderClient::Create({.base_url = config.Get("api_base_url")});
  if (!api.ok()) return api.status();
  return std::unique_ptr<TemplateConnector>(
      new TemplateConnector(secret, *std::move(webhook), *std::move(api)));
}

TemplateConnector::TemplateConnector(std::string secret, WebhookOptions webhook,
                                     ProviderClient api)
    : secret_(std::move(secret)),
      api_(std::move(api)),
      endpoint_(std::move(webhook), [this](const InboundRequest& request, TimePoint now) {
        return NormalizeTemplate(secret_, request, now);
      }) {}

absl::Status TemplateConnector::Deliver(const omnibroker::v1::Event& event) {
  {
    std::lock_guard lock(mu_);
    if (delivered_.contains(event.id())) return absl::OkStatus();
  }
  const json body{{"thread", event.thread_key()}, {"text", event.content().text()}};
  auto response = api_.PostJson("/send", body.dump());
  if (!response.ok()) return response.status();
  if (auto s = StatusFromHttp(*response, "template send"); !s.ok()) return s;
  std::lock_guard lock(mu_);
  delivered_.insert(event.id());
  return absl::OkStatus();
}

namespace {

class TemplateFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }
  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    auto connector = TemplateConnector::Create(config);
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    return NormalizeTemplate(config.Get("secret"), request, now);
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeTemplateFactory() {
  return std::make_unique<TemplateFactory>();
}

}  // namespace omni::connectors::template_channel
