// The Viber connector's I/O part: the bot's webhook (a WebhookEndpoint that checks
// X-Viber-Content-Signature and answers 200 only after the broker acked) and replies through the
// REST Bot API's /pa/send_message.
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

namespace omni::connectors::viber {

struct ViberOptions {
  WebhookOptions webhook;
  std::string auth_token;     // the bot's token: signs callbacks and authorizes send_message
  std::string bot_name;       // shown as the sender of replies (send_message's sender.name)
  ProviderClientOptions api;  // base_url defaults to https://chatapi.viber.com
};

class ViberConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<ViberConnector>> Create(ViberOptions options);

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // send_message to the thread key (the Viber user id; else recipient.handle). Viber has no
  // idempotency key, so ids already sent are remembered (in memory: a restart may send once more).
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  int port() const { return endpoint_.port(); }
  std::map<std::string, int64_t> Rejections() const override { return endpoint_.Rejections(); }
  std::map<std::string, int64_t> Dropped() const override { return endpoint_.Dropped(); }

 private:
  ViberConnector(ViberOptions options, ProviderClient api);

  const ViberOptions options_;
  const ProviderClient api_;
  WebhookEndpoint endpoint_;
  std::mutex mu_;
  std::unordered_set<std::string> delivered_;
};

// The inbound path shared by the running connector and Normalize: the body's HMAC-SHA256 under
// the auth token, then parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeCallback(std::string_view auth_token,
                                                                     const InboundRequest& request,
                                                                     TimePoint now);

// Viber's answer to send_message (HTTP 200 with {"status":N,"status_message":...}) as a status:
// 0 OK; 5/6 (the customer is not on Viber / not subscribed) FAILED_PRECONDITION telling the agent
// what to do; 12 (too many requests) and unknown codes UNAVAILABLE; the others by their cause.
absl::Status StatusFromSendMessage(const ProviderResponse& response);

}  // namespace omni::connectors::viber
