// The I/O part all three Meta channels share (their folders only describe the channel): the
// webhook (a WebhookEndpoint that checks X-Hub-Signature-256 with the app secret, answers Meta's
// hub.challenge GET, and answers 200 only after the broker acked) and replies through the Graph
// API's POST /<business id>/messages (a WhatsApp phone number id, a page, an Instagram account).
//
// Threads: the endpoint's HTTP pool (Start..Stop); Deliver runs on the host's delivery thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "connectors/sdk/connector.h"
#include "connectors/sdk/provider_client.h"
#include "connectors/sdk/webhook_endpoint.h"

namespace omni::connectors::meta {

// What makes a Meta channel itself.
struct MetaChannel {
  std::string_view provider;      // factory name, event provider, id prefix
  std::string_view default_path;  // where the webhook listens unless `path` is set
  std::string_view default_api;   // the Graph API base URL with its version
  // The pure parser: raw body -> events, and the kinds of the notices dropped beside them.
  absl::StatusOr<std::vector<omnibroker::v1::Event>> (*parse)(std::string_view body,
                                                              TimePoint received_at,
                                                              std::vector<std::string>* dropped);
  // The JSON body of a text message `text` to `to` for the channel's /messages.
  std::string (*text_message)(const std::string& to, const std::string& text);
};

struct MetaOptions {
  WebhookOptions webhook;
  std::string app_secret;     // signs every webhook POST (X-Hub-Signature-256)
  std::string verify_token;   // answered in the subscription handshake
  std::string access_token;   // the business's token for the send API
  ProviderClientOptions api;  // base_url defaults to the channel's default_api
};

class MetaConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<MetaConnector>> Create(const MetaChannel& channel,
                                                               MetaOptions options);

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // A text message to the thread key "<business id>:<customer id>". Meta is the authority on its
  // messaging rules (the 24-hour windows, a person who is unavailable): its refusals come back
  // as FAILED_PRECONDITION (graph_api.h), which the agent sees. The Graph API has no idempotency
  // key, so ids already sent are remembered (in memory: a restart may send once more).
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  int port() const { return endpoint_.port(); }
  std::map<std::string, int64_t> Rejections() const override { return endpoint_.Rejections(); }
  std::map<std::string, int64_t> Dropped() const override { return endpoint_.Dropped(); }

 private:
  MetaConnector(const MetaChannel& channel, MetaOptions options, ProviderClient api);

  const MetaChannel channel_;
  const MetaOptions options_;
  const ProviderClient api_;
  WebhookEndpoint endpoint_;
  std::mutex mu_;
  std::unordered_set<std::string> delivered_;
};

// The inbound path shared by the running connector and Normalize: signature check, then parse
// (the notices dropped beside the events go to `dropped` when given).
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeMetaWebhook(
    const MetaChannel& channel, std::string_view app_secret, const InboundRequest& request,
    TimePoint now, std::vector<std::string>* dropped = nullptr);

// A factory named `channel.provider`. Settings: app_secret, verify_token, access_token (all
// required), api_base_url, listen, path, max_body_bytes, ack_wait_ms.
std::unique_ptr<ConnectorFactory> MakeMetaFactory(const MetaChannel& channel);

}  // namespace omni::connectors::meta
