// The WhatsApp connector's I/O part: the Cloud API webhook (a WebhookEndpoint that checks
// X-Hub-Signature-256 with the app secret, answers Meta's hub.challenge GET, and answers 200
// only after the broker acked) and replies through POST /<phone_number_id>/messages.
//
// Threads: the endpoint's HTTP pool (Start..Stop); Deliver runs on the host's delivery thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "connectors/sdk/connector.h"
#include "connectors/sdk/provider_client.h"
#include "connectors/sdk/webhook_endpoint.h"

namespace omni::connectors::whatsapp {

struct WhatsAppOptions {
  WebhookOptions webhook;
  std::string app_secret;    // signs every webhook POST (X-Hub-Signature-256)
  std::string verify_token;  // answered in the subscription handshake
  std::string access_token;  // a system user's token with whatsapp_business_messaging
  ProviderClientOptions api;  // base_url defaults to https://graph.facebook.com/v21.0
};

class WhatsAppConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<WhatsAppConnector>> Create(WhatsAppOptions options);

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // A text message to the thread key's customer from its phone number id. WhatsApp is the
  // authority on the 24-hour customer service window: its refusal (131047) comes back as
  // FAILED_PRECONDITION, which the agent sees. The Cloud API has no idempotency key, so ids
  // already sent are remembered (in memory: a restart may send once more).
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  int port() const { return endpoint_.port(); }
  std::map<std::string, int64_t> Rejections() const { return endpoint_.Rejections(); }

 private:
  WhatsAppConnector(WhatsAppOptions options, ProviderClient api);

  const WhatsAppOptions options_;
  const ProviderClient api_;
  WebhookEndpoint endpoint_;
  std::mutex mu_;
  std::unordered_set<std::string> delivered_;
};

// The inbound path shared by the running connector and Normalize: signature check, then parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeWebhook(std::string_view app_secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now);

}  // namespace omni::connectors::whatsapp
