#include "connectors/telegram/telegram_factory.h"

#include "connectors/telegram/telegram_connector.h"
#include "connectors/telegram/telegram_parser.h"

namespace omni::connectors::telegram {
namespace {

// Settings: secret_token, bot_token, api_base_url, listen, path, max_body_bytes, ack_wait_ms.
class TelegramFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    TelegramOptions options;
    auto webhook = WebhookOptionsFromConfig(config, "/telegram/webhook");
    if (!webhook.ok()) return webhook.status();
    options.webhook = *std::move(webhook);
    options.secret_token = config.Get("secret_token");
    options.bot_token = config.Get("bot_token");
    options.api.base_url = config.Get("api_base_url", "https://api.telegram.org");
    auto connector = TelegramConnector::Create(std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    return NormalizeUpdate(config.Get("secret_token"), request, now);
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeTelegramFactory() {
  return std::make_unique<TelegramFactory>();
}

}  // namespace omni::connectors::telegram
