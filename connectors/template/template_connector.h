// The template channel: the smallest complete connector, to copy when writing a new one. Its
// "provider" POSTs {"message_id","from","thread","text"} with a shared secret in X-Template-Secret
// and accepts replies as POST <base_url>/send {"thread","text"}. Not built into the broker (its
// CMakeLists has no omni_connector()); tests build and run it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "connectors/sdk/connector.h"
#include "connectors/sdk/provider_client.h"
#include "connectors/sdk/webhook_endpoint.h"

namespace omni::connectors::template_channel {

inline constexpr std::string_view kProvider = "template";
inline constexpr std::string_view kSecretHeader = "X-Template-Secret";

// The one inbound path: authenticity on the raw bytes first, then the pure parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeTemplate(std::string_view secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now);

class TemplateConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<TemplateConnector>> Create(const ConnectorConfig& config);

  std::vector<std::string> Providers() const override { return {std::string(kProvider)}; }
  absl::Status Start(ConnectorContext& context) override { return endpoint_.Start(context); }
  void Stop() override { endpoint_.Stop(); }
  absl::Status Deliver(const omnibroker::v1::Event& event) override;
  int port() const { return endpoint_.port(); }
  // The endpoint's refusals, which the host exports as omni_webhook_rejections_total.
  std::map<std::string, int64_t> Rejections() const override { return endpoint_.Rejections(); }

 private:
  TemplateConnector(std::string secret, WebhookOptions webhook, ProviderClient api);

  const std::string secret_;
  const ProviderClient api_;
  WebhookEndpoint endpoint_;
  std::mutex mu_;
  std::unordered_set<std::string> delivered_;  // Deliver is idempotent on event.id
};

std::unique_ptr<ConnectorFactory> MakeTemplateFactory();

}  // namespace omni::connectors::template_channel
