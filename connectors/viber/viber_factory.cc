#include "connectors/viber/viber_factory.h"

#include "connectors/viber/viber_connector.h"
#include "connectors/viber/viber_parser.h"

namespace omni::connectors::viber {
namespace {

// Settings: auth_token, bot_name, api_base_url, listen, path, max_body_bytes, ack_wait_ms.
class ViberFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    ViberOptions options;
    auto webhook = WebhookOptionsFromConfig(config, "/viber/webhook");
    if (!webhook.ok()) return webhook.status();
    options.webhook = *std::move(webhook);
    options.auth_token = config.Get("auth_token");
    options.bot_name = config.Get("bot_name");
    options.api.base_url = config.Get("api_base_url", "https://chatapi.viber.com");
    auto connector = ViberConnector::Create(std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    return NormalizeCallback(config.Get("auth_token"), request, now);
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeViberFactory() { return std::make_unique<ViberFactory>(); }

}  // namespace omni::connectors::viber
