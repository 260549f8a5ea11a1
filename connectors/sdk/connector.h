// The connector interface: what a channel plug-in implements and the small context it sees.
// Connectors never see ZeroMQ, RocksDB or gRPC; they publish events and deliver replies.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::connectors {

// Runs once the broker acknowledged (or rejected) a published event, on the SDK's I/O thread:
// keep it short.
using AckCallback = std::function<void(const omnibroker::v1::IngestAck&)>;

// What a running connector may use.
class ConnectorContext {
 public:
  virtual ~ConnectorContext() = default;
  // Hands `event` to the broker. It is kept until the broker acks it (resent as needed, spooled to
  // disk while the broker is away); `done` runs with the ack. Fails only when the event cannot
  // even be queued (outbox and spool full).
  virtual absl::Status Publish(omnibroker::v1::Event event, AckCallback done) = 0;
  virtual const Clock& clock() const = 0;
  virtual std::string_view tenant() const = 0;
};

class Connector {
 public:
  virtual ~Connector() = default;
  // Providers whose outbound events this connector delivers ("webchat", "telegram"…).
  virtual std::vector<std::string> Providers() const = 0;
  // Starts listening for provider traffic. `context` outlives the connector's Stop().
  virtual absl::Status Start(ConnectorContext& context) = 0;
  virtual void Stop() = 0;
  // Sends an agent's reply to the customer. Called again for the same event after a failure or a
  // broker resend, so it must be idempotent on event.id(). Runs on the host's delivery thread.
  virtual absl::Status Deliver(const omnibroker::v1::Event& event) = 0;
  // Provider requests refused so far, by reason: a webhook connector's WebhookEndpoint
  // Rejections(). The host renders them as omni_webhook_rejections_total; thread-safe.
  virtual std::map<std::string, int64_t> Rejections() const { return {}; }
  // Provider requests acknowledged and dropped as not customer traffic (not_customer_traffic.h),
  // by kind: a webhook connector's WebhookEndpoint Dropped(). The host renders them as
  // omni_webhook_dropped_total; thread-safe.
  virtual std::map<std::string, int64_t> Dropped() const { return {}; }
};

// A connector instance's settings: its factory name, a unique instance name, and key/values.
struct ConnectorConfig {
  std::string type;  // the factory name, e.g. "webchat"
  std::string name;  // the instance name, unique in a process
  std::map<std::string, std::string> settings;
  // The tenant it serves: publishes for and delivers for (empty = the host's). One gateway can
  // serve many tenants, e.g. a web chat instance per tenant.
  std::string tenant;

  // The value of `key`, or `fallback` when absent.
  std::string Get(const std::string& key, const std::string& fallback = "") const;
  // The non-negative integer at `key`, or `fallback` when absent; an error naming the connector
  // and key otherwise.
  absl::StatusOr<int64_t> GetInt(const std::string& key, int64_t fallback) const;
  // "host:port" at `key` (port 0 = any free port).
  absl::Status GetListen(const std::string& key, const std::string& fallback, std::string& host,
                         int& port) const;
};

// One inbound unit exactly as the provider delivered it: an HTTP request for webhook channels, or
// a raw message (an RFC 5322 mail, a SIP request) with empty method and path for the others.
struct InboundRequest {
  std::string method;  // "POST", or empty when not HTTP
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::string body;  // the raw bytes: signatures are verified over exactly these

  // The first value of header `name` (compared case-insensitively), or "" when absent.
  std::string Header(std::string_view name) const;
};

class ConnectorFactory {
 public:
  virtual ~ConnectorFactory() = default;
  virtual std::string_view Name() const = 0;
  virtual absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const = 0;
  // The connector's inbound path without any I/O: authenticates and parses `request` into the
  // events it carries (a batch fans out; none for a handshake), or rejects it with a status that
  // says why. The running connector and `omni-gateway normalize` both go through it.
  virtual absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(
      const ConnectorConfig& config, const InboundRequest& request, TimePoint now) const = 0;
};

}  // namespace omni::connectors
