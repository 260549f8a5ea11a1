// The VK connector's I/O part: the community's Callback API server (a WebhookEndpoint that checks
// the body's `secret`, answers the "confirmation" request with the configured string and every
// other accepted update with "ok" only after the broker acked) and replies through messages.send.
//
// Threads: the endpoint's HTTP pool (Start..Stop); Deliver runs on the host's delivery thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "connectors/sdk/connector.h"
#include "connectors/sdk/provider_client.h"
#include "connectors/sdk/webhook_endpoint.h"

namespace omni::connectors::vk {

struct VkOptions {
  WebhookOptions webhook;
  std::string secret;        // the Callback API server's secret key
  std::string confirmation;  // the string VK expects back from the confirmation request
  std::string access_token;  // the community's token, for messages.send
  int64_t group_id = 0;      // the community; 0 = take it from each update
  std::string api_version = "5.199";
  ProviderClientOptions api;  // base_url defaults to https://api.vk.com
};

class VkConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<VkConnector>> Create(VkOptions options);

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // messages.send to the thread key's peer. random_id, VK's idempotency key, is derived from
  // event.id(), so a resend of the same reply is dropped by VK instead of shown twice.
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  int port() const { return endpoint_.port(); }
  std::map<std::string, int64_t> Rejections() const override { return endpoint_.Rejections(); }
  std::map<std::string, int64_t> Dropped() const override { return endpoint_.Dropped(); }

 private:
  VkConnector(VkOptions options, ProviderClient api);

  const VkOptions options_;
  const ProviderClient api_;
  WebhookEndpoint endpoint_;
};

// The Callback API path shared by the running connector and Normalize: the body's `secret`
// (constant time), then parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeCallback(std::string_view secret,
                                                                     int64_t group_id,
                                                                     const InboundRequest& request,
                                                                     TimePoint now);

// The endpoint's post handshake: the confirmation string for an authentic "confirmation" request
// of this community, nullopt for every other body (Normalize judges those).
absl::StatusOr<std::optional<std::string>> AnswerConfirmation(std::string_view secret,
                                                              int64_t group_id,
                                                              std::string_view confirmation,
                                                              const InboundRequest& request);

// messages.send's random_id for an outbound event: a stable, non-zero 31-bit hash of its id.
int32_t RandomId(std::string_view event_id);

// VK's answer to messages.send (HTTP 200 with {"response":...} or {"error":{...}}) as a status:
// 900/901/902 (the customer does not accept messages from the community) FAILED_PRECONDITION
// telling the agent what to do; 6/9/10 (too many requests, flood control, internal) and 1
// UNAVAILABLE; 5/7/15/27 (token, permissions) PERMISSION_DENIED; others INVALID_ARGUMENT.
absl::Status StatusFromMessagesSend(const ProviderResponse& response);

}  // namespace omni::connectors::vk
