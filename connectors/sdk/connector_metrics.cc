#include "connectors/sdk/connector_metrics.h"

namespace omni::connectors {

ConnectorMetrics::ConnectorMetrics(MetricsRegistry& registry, const std::string& connector)
    : published(registry.AddCounter(
          "omni_connector_events_published_total",
          "Events a connector handed to its broker link (kept until acked), by connector.",
          {{"connector", connector}})),
      publish_failures(registry.AddCounter(
          "omni_connector_publish_failures_total",
          "Events a connector could not hand to its broker link (outbox and spool full), by "
          "connector.",
          {{"connector", connector}})),
      utf8_repaired(registry.AddCounter(
          "omni_connector_utf8_repaired_total",
          "Events with text that was not UTF-8 (bad bytes replaced by U+FFFD before publishing), "
          "by connector.",
          {{"connector", connector}})) {
  constexpr std::array<const char*, 3> kStatuses = {"accepted", "duplicate", "rejected"};
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    acks_[i] = &registry.AddCounter("omni_connector_acks_total",
                                    "Broker acks of a connector's events, by connector and status.",
                                    {{"connector", connector}, {"status", kStatuses[i]}});
  }
}

Counter* ConnectorMetrics::ack(omnibroker::v1::IngestStatus status) {
  switch (status) {
    case omnibroker::v1::INGEST_STATUS_ACCEPTED:
      return acks_[0];
    case omnibroker::v1::INGEST_STATUS_DUPLICATE:
      return acks_[1];
    case omnibroker::v1::INGEST_STATUS_REJECTED:
      return acks_[2];
    default:
      return nullptr;
  }
}

}  // namespace omni::connectors
