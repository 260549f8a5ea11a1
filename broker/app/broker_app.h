// BrokerApp: the broker's components, wired. Opens the store, starts the core, the gRPC server
// (AgentConsole, Admin, health; TLS and agent tokens as configured) and the built-in connectors in-process over inproc://. Used by
// main and by integration tests, which start a real broker on free ports.
//
// Lifecycle: Start() once, Stop() once (also on destruction). Stop: the health checks say
// NOT_SERVING, connectors stop taking traffic (what they sent is acked first), console streams end
// with UNAVAILABLE, the core acks what it read and syncs, the store closes; within
// config.shutdown_grace.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "absl/status/status.h"
#include "base/admin_http.h"
#include "base/clock.h"
#include "broker/admin/admin_service.h"
#include "broker/app/broker_config.h"
#include "broker/console/agent_console_service.h"
#include "broker/core/broker_core.h"
#include "broker/ingest/ingest_front.h"
#include "broker/partitions/partitions.h"
#include "broker/ops/broker_metrics.h"
#include "broker/store/store.h"
#include "connectors/sdk/connector_host.h"

namespace omni::app {

// The exit status of a broker of a cluster that no longer leads a partition it led (its lease was
// taken, or the log fenced it off): EX_TEMPFAIL, for its supervisor to start it again (it comes
// back as a standby; docs/cluster.md).
inline constexpr int kExitLostLeadership = 75;

class BrokerApp {
 public:
  explicit BrokerApp(BrokerConfig config, const Clock& clock = SystemClock::Get());
  ~BrokerApp();

  absl::Status Start();
  void Stop();

  // "127.0.0.1:<port>" as bound.
  std::string grpc_address() const { return grpc_address_; }
  // The admin HTTP port as bound ("" when off).
  std::string admin_address() const { return admin_ ? admin_->address() : ""; }
  ops::BrokerMetrics& metrics() { return metrics_; }
  // The ingest endpoints as bound (inproc and, if configured, tcp with its port).
  const std::vector<std::string>& ingest_endpoints() const { return front_->endpoints(); }
  connectors::Connector* connector(std::string_view name) const { return host_ ? host_->Find(name) : nullptr; }
  partitions::Partitions& partitions() { return *partitions_; }

 private:
  // OK when the broker takes work: started, not stopping, its store takes writes, and its core
  // thread answers.
  absl::Status Ready();
  // Per queue (conversation requirements.queue, "default" when empty): conversations waiting or
  // offered, and the longest wait in seconds. Read on the core thread at scrape time.
  struct QueueStat {
    int64_t depth = 0;
    double oldest_wait_seconds = 0;
  };
  std::map<std::string, QueueStat> QueueStats();
  // omni_cluster_partition_{leading,epoch,lag_records}: the cluster status, per partition.
  void AddClusterCollectors();
  // Upserts a tenant's configured roster on its partition's core thread.
  absl::Status ApplyConfiguredRoster(const std::string& tenant,
                                     const std::vector<omnibroker::v1::Agent>& agents);
  // Runs `work` on `core`'s thread and waits for its result (start-up work).
  template <typename Work>
  static auto OnCore(core::BrokerCore& core, Work work) -> decltype(work()) {
    std::promise<decltype(work())> result;
    core.Post([&] { result.set_value(work()); });
    return result.get_future().get();
  }

  const BrokerConfig config_;
  const Clock& clock_;
  ops::BrokerMetrics metrics_;
  std::unique_ptr<AdminHttpServer> admin_;
  std::atomic<bool> serving_{false};
  zmq::context_t zmq_;
  std::unique_ptr<ingest::IngestFront> front_;
  std::unique_ptr<partitions::Partitions> partitions_;
  std::unique_ptr<auth::CallAuthenticator> authenticator_;
  std::unique_ptr<console::AgentConsoleService> console_service_;
  std::unique_ptr<admin::AdminService> admin_service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<connectors::ConnectorHost> host_;
  std::string grpc_address_;
  bool started_ = false;
};

}  // namespace omni::app
