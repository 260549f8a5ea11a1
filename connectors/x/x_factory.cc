#include "connectors/x/x_factory.h"

#include "connectors/x/x_connector.h"
#include "connectors/x/x_parser.h"

namespace omni::connectors::x {
namespace {

// Settings: consumer_secret, access_token, account_id, api_base_url, listen, path,
// max_body_bytes, ack_wait_ms.
class XFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    XOptions options;
    auto webhook = WebhookOptionsFromConfig(config, "/x/webhook");
    if (!webhook.ok()) return webhook.status();
    options.webhook = *std::move(webhook);
    options.consumer_secret = config.Get("consumer_secret");
    options.access_token = config.Get("access_token");
    options.account_id = config.Get("account_id");
    options.api.base_url = config.Get("api_base_url", "https://api.x.com");
    auto connector = XConnector::Create(std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  // A GET is X's CRC challenge: answered, it carries no events.
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    if (request.method == "GET") {
      auto answer = AnswerCrc(config.Get("consumer_secret"), request);
      if (!answer.ok()) return answer.status();
      return std::vector<omnibroker::v1::Event>{};
    }
    return NormalizeRequest(config.Get("consumer_secret"), config.Get("account_id"), request, now);
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeXFactory() { return std::make_unique<XFactory>(); }

}  // namespace omni::connectors::x
