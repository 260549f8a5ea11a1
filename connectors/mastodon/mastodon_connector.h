// The Mastodon connector's I/O part. Mastodon has no webhook for an account's mentions, so the
// connector pulls: every poll_interval it GETs {instance}/api/v1/notifications?types[]=mention
// after its cursor (the newest notification id the broker has acked), publishes the mentions and
// waits for the broker's acks (PublishAll); only then the cursor moves and is written to the state
// file (atomically). A crash before that re-polls the same mentions, which the broker stores once
// (the event id is the status id). Replies are POSTed as statuses mentioning the customer, in
// reply to their newest status, with the customer's visibility and Mastodon's Idempotency-Key.
//
// Threads: one poll thread (Start..Stop, joined); Deliver runs on the host's delivery thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "connectors/sdk/connector.h"
#include "connectors/sdk/provider_client.h"

namespace omni::connectors::mastodon {

struct MastodonOptions {
  std::string instance_url;  // "https://mastodon.social": the API base and the ids' host
  std::string access_token;  // an OAuth token with read:notifications and write:statuses
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds ack_wait{10000};
  // Where the cursor is kept across restarts; empty = in memory only (a restart then re-reads
  // the newest page, deduplicated by the broker).
  std::filesystem::path state_file;
  ProviderClientOptions api;  // base_url = instance_url
};

class MastodonConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<MastodonConnector>> Create(MastodonOptions options);
  ~MastodonConnector() override;

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // POST /api/v1/statuses {"status":"@acct text","in_reply_to_id":..,"visibility":..} for a
  // "<visibility>:<acct>" thread, with Idempotency-Key = event id (ids already sent are also
  // remembered, as Mastodon keeps keys for hours only).
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  // The newest notification id acked by the broker ("" before the first).
  std::string cursor() const;
  // Polls that did not move the cursor, by reason: "poll_failed", "malformed", "ack_timeout",
  // "not_queued"; plus "skipped" (non-mention notifications) and "broker_rejected".
  std::map<std::string, int64_t> PollRejections() const;

 private:
  MastodonConnector(MastodonOptions options, ProviderClient api, std::string host);
  void Run(ConnectorContext& context);
  // One GET and publish; true when the page was full and the cursor moved (poll again at once).
  bool PollOnce(ConnectorContext& context);
  void Count(const std::string& reason, int64_t n = 1);

  const MastodonOptions options_;
  const ProviderClient api_;
  const std::string host_;  // the instance's host, part of every event id
  std::thread poller_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string cursor_;
  std::map<std::string, int64_t> rejections_;
  std::unordered_set<std::string> delivered_;
  std::map<std::string, std::string> latest_status_;  // thread key -> newest customer status id
};

}  // namespace omni::connectors::mastodon
