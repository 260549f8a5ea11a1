// The Telegram connector's I/O part: the bot's webhook (a WebhookEndpoint that checks
// X-Telegram-Bot-Api-Secret-Token and answers 200 only after the broker acked) and replies
// through the Bot API's sendMessage.
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

namespace omni::connectors::telegram {

struct TelegramOptions {
  WebhookOptions webhook;
  std::string secret_token;  // the secret_token given to setWebhook
  std::string bot_token;     // for sendMessage
  ProviderClientOptions api;  // base_url defaults to https://api.telegram.org
};

class TelegramConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<TelegramConnector>> Create(TelegramOptions options);

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // sendMessage to the thread key (the chat id; else recipient.handle), through the business
  // connection of a "<business_connection_id>:<chat id>" thread. Telegram has no idempotency key,
  // so ids already sent are remembered (in memory: a restart may send once more).
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  int port() const { return endpoint_.port(); }
  std::map<std::string, int64_t> Rejections() const override { return endpoint_.Rejections(); }
  std::map<std::string, int64_t> Dropped() const override { return endpoint_.Dropped(); }

 private:
  TelegramConnector(TelegramOptions options, ProviderClient api);

  const TelegramOptions options_;
  const ProviderClient api_;
  WebhookEndpoint endpoint_;
  std::mutex mu_;
  std::unordered_set<std::string> delivered_;
};

// The inbound path shared by the running connector and Normalize: secret check, then parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeUpdate(std::string_view secret_token,
                                                                  const InboundRequest& request,
                                                                  TimePoint now);

}  // namespace omni::connectors::telegram
