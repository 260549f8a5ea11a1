#include "connectors/whatsapp/whatsapp_factory.h"

#include "connectors/whatsapp/whatsapp_connector.h"
#include "connectors/whatsapp/whatsapp_parser.h"

namespace omni::connectors::whatsapp {
namespace {

// Settings: app_secret, verify_token, access_token, api_base_url, listen, path, max_body_bytes,
// ack_wait_ms.
class WhatsAppFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    WhatsAppOptions options;
    auto webhook = WebhookOptionsFromConfig(config, "/whatsapp/webhook");
    if (!webhook.ok()) return webhook.status();
    options.webhook = *std::move(webhook);
    options.app_secret = config.Get("app_secret");
    options.verify_token = config.Get("verify_token");
    options.access_token = config.Get("access_token");
    options.api.base_url = config.Get("api_base_url", "https://graph.facebook.com/v21.0");
    auto connector = WhatsAppConnector::Create(std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    return NormalizeWebhook(config.Get("app_secret"), request, now);
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeWhatsAppFactory() {
  return std::make_unique<WhatsAppFactory>();
}

}  // namespace omni::connectors::whatsapp
