#include "connectors/vk/vk_factory.h"

#include "absl/strings/str_cat.h"
#include "connectors/vk/vk_connector.h"
#include "connectors/vk/vk_parser.h"

namespace omni::connectors::vk {
namespace {

// Settings: secret, confirmation, access_token, group_id, api_version, api_base_url, mode,
// listen, path, max_body_bytes, ack_wait_ms.
//
// mode: "callback" (default) takes Callback API bodies, each carrying the secret. "longpoll" takes
// group Long Poll responses, which the connector fetched itself and which carry no secret; it is
// a setting rather than a guess from the body's shape, so a forged Long Poll-shaped POST can never
// skip the secret check.
class VkFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    if (const std::string mode = config.Get("mode", "callback"); mode != "callback") {
      return absl::InvalidArgumentError(absl::StrCat(
          "connector '", config.name, "': mode '", mode,
          "' cannot run: the connector serves the Callback API (Long Poll is for normalize only)"));
    }
    VkOptions options;
    auto webhook = WebhookOptionsFromConfig(config, "/vk/callback");
    if (!webhook.ok()) return webhook.status();
    options.webhook = *std::move(webhook);
    auto group_id = config.GetInt("group_id", 0);
    if (!group_id.ok()) return group_id.status();
    options.group_id = *group_id;
    options.secret = config.Get("secret");
    options.confirmation = config.Get("confirmation");
    options.access_token = config.Get("access_token");
    options.api_version = config.Get("api_version", options.api_version);
    options.api.base_url = config.Get("api_base_url", "https://api.vk.com");
    auto connector = VkConnector::Create(std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    auto group_id = config.GetInt("group_id", 0);
    if (!group_id.ok()) return group_id.status();
    const std::string mode = config.Get("mode", "callback");
    if (mode == "longpoll") return ParseLongPoll(request.body, *group_id, now);
    if (mode != "callback") {
      return absl::InvalidArgumentError(absl::StrCat("connector '", config.name, "': mode '", mode,
                                                     "' is neither callback nor longpoll"));
    }
    return NormalizeCallback(config.Get("secret"), *group_id, request, now);
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeVkFactory() { return std::make_unique<VkFactory>(); }

}  // namespace omni::connectors::vk
