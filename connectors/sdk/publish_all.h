// Publishing a provider delivery and waiting for the broker: a webhook carries one or several
// events (a batch fans out), and the provider may only be answered 2xx once the broker acked every
// one of them, so a crash in between makes the provider retry instead of losing a message.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "connectors/sdk/connector.h"

namespace omni::connectors {

struct PublishOutcome {
  enum class Kind {
    kAcked,     // every event is stored (or was already: a duplicate); answer the provider 2xx
    kRejected,  // the broker refused at least one event for good; retrying will not help
    kTimeout,   // not every ack arrived in time; the events stay queued, let the provider retry
    kNotQueued  // an event could not even be queued (outbox and spool full)
  };
  Kind kind = Kind::kAcked;
  // One per event in order; for kTimeout and kNotQueued only those that arrived.
  std::vector<omnibroker::v1::IngestAck> acks;
  std::string message;  // why, when not kAcked

  bool ok() const { return kind == Kind::kAcked; }
};

// Publishes `events` in order through `context` and blocks until all are acked or `wait` passed.
// Safe to call from many HTTP threads at once; the callbacks it leaves behind on timeout stay
// valid. An empty `events` (a handshake, a status nobody routes) is kAcked at once.
PublishOutcome PublishAll(ConnectorContext& context, std::vector<omnibroker::v1::Event> events,
                          std::chrono::milliseconds wait);

}  // namespace omni::connectors
