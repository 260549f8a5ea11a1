// ConnectorHost runs connectors against a broker: for each one a ReliableClient, the context the
// connector sees, and a delivery thread that calls Connector::Deliver and acks the broker. The
// broker hosts its built-in connectors with it over inproc://; omni-gateway over tcp://. Deliveries
// pass a DeliveryGate first: one send per delivery at a time, a bound on those in progress, and a
// backoff between the attempts of one that failed.
//
// With a metrics registry, each connector's link gets its series (connector_metrics.h) and the host
// writes at scrape time omni_connector_outbox_events{connector} (events not yet acked),
// omni_connector_spool_damaged_records_total{connector} (ReliableClient::spool_damaged_records())
// omni_webhook_rejections_total{connector,reason} (Connector::Rejections()) and
// omni_webhook_dropped_total{connector,type} (Connector::Dropped()).
//
// Lifecycle: Add() connectors (before the registry is first rendered), Start() them all, Stop()
// them all (in reverse), then destroy.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "absl/status/status.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "connectors/sdk/connector.h"
#include "connectors/sdk/delivery_gate.h"
#include "connectors/sdk/reliable_client.h"

namespace omni::connectors {

struct ConnectorHostOptions {
  std::string broker_endpoint;
  std::string tenant = "default";
  std::filesystem::path spool_dir;  // empty = no spool
  std::chrono::milliseconds ack_timeout{2000};
  CurveClientKeys curve;               // see ReliableClientOptions::curve
  DeliveryLimits delivery;             // per connector
  MetricsRegistry* metrics = nullptr;  // outlives the host; null = no metrics
};

class ConnectorHost {
 public:
  ConnectorHost(zmq::context_t& zmq, ConnectorHostOptions options, const Clock& clock);
  ~ConnectorHost();

  // `tenant`: the one it publishes and delivers for; empty = the host's (options.tenant).
  void Add(std::string name, std::unique_ptr<Connector> connector, std::string tenant = "");
  absl::Status Start();
  void Stop();

  // The named connector, or nullptr (for tests and tools).
  Connector* Find(std::string_view name) const;

 private:
  class Hosted;

  zmq::context_t& zmq_;
  const ConnectorHostOptions options_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Hosted>> hosted_;
  bool started_ = false;
};

}  // namespace omni::connectors
