// ConnectorMetrics: the series of one hosted connector's link to the broker, labelled with its
// instance name (connector="…"): events handed to the link, the broker's acks by status, and
// events that could not even be queued. Named once here, as BrokerMetrics names the broker's.
// ConnectorHost registers one per connector when it is given a registry, and adds what it reads at
// scrape time (the outbox depth, the connector's refusals).
#pragma once

#include <array>
#include <string>

#include "base/metrics.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::connectors {

class ConnectorMetrics {
 public:
  // Registers the series in `registry`, which outlives this.
  ConnectorMetrics(MetricsRegistry& registry, const std::string& connector);

  Counter& published;         // accepted by Publish: in the outbox until the broker acks
  Counter& publish_failures;  // refused by Publish: outbox and spool full
  Counter& utf8_repaired;     // events with text that was not UTF-8, repaired before publishing
  // The ack counter for `status`; null for retry_later (resent, never called back) and unknowns.
  Counter* ack(omnibroker::v1::IngestStatus status);

 private:
  std::array<Counter*, 3> acks_;  // accepted, duplicate, rejected
};

}  // namespace omni::connectors
