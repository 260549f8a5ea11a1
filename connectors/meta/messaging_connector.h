// The I/O part Messenger and Instagram share (their folders only name the platform): the
// Messenger Platform webhook (a WebhookEndpoint that checks X-Hub-Signature-256 with the app
// secret, answers Meta's hub.challenge GET, and answers 200 only after the broker acked) and
// replies through the Send API, POST /<page or Instagram account id>/messages.
//
// Threads: the endpoint's HTTP pool (Start..Stop); Deliver runs on the host's delivery thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "connectors/meta/messaging_parser.h"
#include "connectors/sdk/connector.h"
#include "connectors/sdk/provider_client.h"
#include "connectors/sdk/webhook_endpoint.h"

namespace omni::connectors::meta {

struct MessagingOptions {
  WebhookOptions webhook;
  std::string app_secret;    // signs every webhook POST (X-Hub-Signature-256)
  std::string verify_token;  // answered in the subscription handshake
  std::string access_token;  // the page's (or Instagram account's) access token
  ProviderClientOptions api;  // the Graph API base URL, with its version
};

class MessagingConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<MessagingConnector>> Create(MessagingPlatform platform,
                                                                    MessagingOptions options);

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // A RESPONSE text message to the thread key's user from its page. Meta's refusals that the
  // agent must know about (outside the 24-hour window, the person unavailable) come back as
  // FAILED_PRECONDITION (graph_api.h). The Send API has no idempotency key, so ids already sent
  // are remembered (in memory: a restart may send once more).
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  int port() const { return endpoint_.port(); }
  std::map<std::string, int64_t> Rejections() const { return endpoint_.Rejections(); }

 private:
  MessagingConnector(MessagingPlatform platform, MessagingOptions options, ProviderClient api);

  const MessagingPlatform platform_;
  const MessagingOptions options_;
  const ProviderClient api_;
  WebhookEndpoint endpoint_;
  std::mutex mu_;
  std::unordered_set<std::string> delivered_;
};

// The inbound path shared by the running connector and Normalize: signature check, then parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeMessagingWebhook(
    const MessagingPlatform& platform, std::string_view app_secret, const InboundRequest& request,
    TimePoint now);

// A factory named `platform.provider` reading app_secret, verify_token, access_token,
// api_base_url (default `default_api`), listen, path (default `default_path`), max_body_bytes,
// ack_wait_ms.
std::unique_ptr<ConnectorFactory> MakeMessagingFactory(MessagingPlatform platform,
                                                       std::string default_path,
                                                       std::string default_api);

}  // namespace omni::connectors::meta
