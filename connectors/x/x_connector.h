// The X connector's I/O part: the Account Activity API webhook (a WebhookEndpoint that checks
// X-Twitter-Webhooks-Signature over the raw body, answers X's CRC challenge on GET and 200 only
// after the broker acked) and replies through the X API v2: a direct message to the participant
// of a "dm:<user>" thread, a reply tweet in a "tweet:<root>" thread.
//
// Threads: the endpoint's HTTP pool (Start..Stop); Deliver runs on the host's delivery thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "connectors/sdk/connector.h"
#include "connectors/sdk/provider_client.h"
#include "connectors/sdk/webhook_endpoint.h"

namespace omni::connectors::x {

struct XOptions {
  WebhookOptions webhook;
  std::string consumer_secret;  // the app's consumer secret: signs webhooks and CRC answers
  std::string access_token;     // the account's user access token, for sending
  std::string account_id;       // the account's user id (only needed for API v2 bodies)
  ProviderClientOptions api;    // base_url defaults to https://api.x.com
};

class XConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<XConnector>> Create(XOptions options);

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // "dm:<user>" -> POST /2/dm_conversations/with/<user>/messages; "tweet:<root>" -> POST
  // /2/tweets replying to the customer's latest tweet seen in that thread (the root after a
  // restart); a customer's answer to that reply tweet then joins the same thread. X has no
  // idempotency key, so ids already sent are remembered (in memory).
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  // True once the outbound event `event_id` was sent by this process.
  bool Delivered(const std::string& event_id) const;
  int port() const { return endpoint_.port(); }
  std::map<std::string, int64_t> Rejections() const override { return endpoint_.Rejections(); }

 private:
  XConnector(XOptions options, ProviderClient api);
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Receive(const InboundRequest& request,
                                                             TimePoint now);

  const XOptions options_;
  const ProviderClient api_;
  WebhookEndpoint endpoint_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> delivered_;
  std::map<std::string, std::string> latest_tweet_;      // thread key -> newest customer tweet id
  std::map<std::string, std::string> own_tweet_thread_;  // our reply tweet id -> its thread key
};

// The inbound path shared by the running connector and Normalize: signature check on the raw
// bytes (constant time), then parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeRequest(
    std::string_view consumer_secret, std::string_view account_id, const InboundRequest& request,
    TimePoint now);

// The answer to X's CRC challenge (GET <path>?crc_token=T):
// {"response_token":"sha256=<base64 HMAC-SHA256(consumer_secret, T)>"}, only for a T shaped as X
// sends it (at most 128 characters of base64 or base64url): the consumer secret also signs webhook
// bodies, and signing whatever a caller sends would forge any delivery. Else INVALID_ARGUMENT.
absl::StatusOr<std::string> AnswerCrc(std::string_view consumer_secret,
                                      const InboundRequest& request);

}  // namespace omni::connectors::x
