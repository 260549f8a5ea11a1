// JetStream: a connection to NATS servers with JetStream, the engine the cluster keeps its
// partitions' logs in (docs/cluster.md). It reconnects on its own, to any server of the list,
// for as long as it lives; a call made while no server answers fails after the call's timeout
// with UNAVAILABLE.
//
// Thread-safe: libnats serializes what a connection sends, and waits for each answer apart.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nats/nats.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace omni::cluster {

struct JetStreamOptions {
  std::vector<std::string> servers;  // nats://host:port, at least one
  // How long an API call or an append waits for JetStream's answer.
  std::chrono::milliseconds timeout{5000};
  std::string name = "omnibroker";  // how the servers list this client
};

class JetStream {
 public:
  // Connects to one of `options.servers` (a server that does not answer within the timeout is
  // passed over) and opens its JetStream context.
  static absl::StatusOr<std::unique_ptr<JetStream>> Connect(const JetStreamOptions& options);
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  jsCtx* context() const { return js_; }
  natsConnection* connection() const { return connection_; }
  std::chrono::milliseconds timeout() const { return timeout_; }
  // Options of a JetStream API call that waits at most timeout().
  jsOptions CallOptions() const;

 private:
  JetStream(natsConnection* connection, jsCtx* js, std::chrono::milliseconds timeout)
      : connection_(connection), js_(js), timeout_(timeout) {}

  natsConnection* connection_;
  jsCtx* js_;
  const std::chrono::milliseconds timeout_;
};

// A stream the cluster keeps: on file storage, `replicas` copies, kept until trimmed.
struct StreamSettings {
  std::string name;
  std::string subject;  // its one subject (a wildcard for several)
  int replicas = 1;
  // How long an append's id is remembered, so that repeating it stores nothing twice (0: none).
  std::chrono::nanoseconds duplicate_window{0};
  bool deny_delete = false;  // no message taken out of the middle
};

// Creates the stream `settings` names, or checks the one that exists: FAILED_PRECONDITION when its
// subject, storage or replicas differ.
absl::Status EnsureStream(JetStream& js, const StreamSettings& settings);

// Owns a message libnats handed out.
struct NatsMessage {
  NatsMessage() = default;
  NatsMessage(const NatsMessage&) = delete;
  NatsMessage& operator=(const NatsMessage&) = delete;
  ~NatsMessage() { natsMsg_Destroy(msg); }
  natsMsg* msg = nullptr;
};

// Owns the stream information libnats handed out.
struct NatsStreamInfo {
  NatsStreamInfo() = default;
  NatsStreamInfo(const NatsStreamInfo&) = delete;
  NatsStreamInfo& operator=(const NatsStreamInfo&) = delete;
  ~NatsStreamInfo() { jsStreamInfo_Destroy(info); }
  jsStreamInfo* info = nullptr;
};

// What libnats answered, as a Status naming `what`: NOT_FOUND for a missing stream or message,
// FAILED_PRECONDITION for a wrong expected last sequence, UNAVAILABLE when no server (or no
// quorum of a stream's servers) answered in time, INTERNAL otherwise; the server's error text
// where there is one.
absl::Status NatsStatus(natsStatus status, jsErrCode code, std::string_view what);

}  // namespace omni::cluster
