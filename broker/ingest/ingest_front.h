// IngestFront: the connector-facing edge of a broker with several partitions. One thread owns the
// ingest ROUTER (ZeroMQ sockets are not thread-safe) and does what concerns a connection rather
// than a tenant: it answers frames that do not parse, enforces each connector key's grant (tenants,
// providers, vouching for senders) and event rate, refuses events that are invalid or over the
// limits and events of tenants no partition serves, and hands the rest to the partition of the
// event's tenant. Hellos go to every partition (each
// tracks which connector serves which provider for its own replies); a delivery's ack goes to the
// partition that sent the delivery. Partitions send acks and deliveries back through Send().
//
// The hops are batched: what the front admits in one read round reaches each partition in one
// handoff (FrameSink::Flush, one wakeup of its thread), and a partition sends what one turn of its
// loop produced in one Send() (one wakeup of the front), so a thread is woken per batch, not per
// frame. Batches keep their order, so a connector's frames reach their partition in the order
// they were read, and its acks leave in the order the partition made them.
//
// Backpressure: frames handed to partitions and not yet handled are bounded (max_in_flight); at
// the bound the front stops reading, so ZeroMQ's per-connection read-ahead holds connectors back
// as it did before partitions. The bound is shared: a partition that cannot keep up slows every
// partition's ingest (a known limit, written in docs/operations.md).
//
// Lifecycle: Start() binds and starts the thread; StopReading() reads no more frames (sends go on,
// so partitions can flush their acks); Stop() sends what is queued and closes.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "absl/status/status.h"
#include "base/log_throttle.h"
#include "base/token_bucket.h"
#include "base/wake_queue.h"
#include "broker/ingest/connector_grant.h"
#include "broker/ingest/connector_peers.h"
#include "broker/ingest/frame.h"
#include "broker/ingest/ingest_endpoint.h"
#include "broker/ingest/validate.h"
#include "broker/ops/broker_metrics.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::ingest {

// A frame the front admitted, with the grant of the connector that sent it (owned by the front's
// options, which outlive every partition).
struct Admitted {
  Received received;
  const ConnectorGrant* grant = nullptr;
};

// Where the front hands admitted frames: the broker's partitions. Called on the front's thread.
// ToTenant, ToPartition and ToAll only queue the frame; Flush() hands each partition what was
// queued for it since the last Flush, in order, at once (the partition handles it on its own
// thread). The sink calls IngestFront::Handled() for the frames handed, once they are handled.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // To the partition serving `tenant`; false (nothing queued) when none serves it.
  virtual bool ToTenant(std::string_view tenant, Admitted frame) = 0;
  virtual void ToPartition(int partition, Admitted frame) = 0;
  // To every partition; how many it was queued for.
  virtual int ToAll(const Admitted& frame) = 0;
  virtual void Flush() = 0;
  // Whether `tenant`, which ToTenant found no partition for, is one another broker serves now
  // (in a cluster, its partition's leader): its events are to be resent, not refused. If so, the
  // ingest endpoint of that broker (empty while none leads it, or when it takes no connectors).
  virtual std::optional<std::string> LedElsewhere(std::string_view tenant) const {
    return std::nullopt;
  }
};

struct IngestFrontOptions {
  std::vector<std::string> endpoints = {"inproc://omni-ingest"};
  IngestOptions ingest;
  // What an event may hold (sizes, counts); a bigger or malformed one is refused here, naming why.
  Limits limits;
  // Frames handed to partitions and not handled yet, at most.
  int max_in_flight = 10'000;
  // A delivery not sent again for this long is forgotten (its partition dropped it unconfirmed,
  // e.g. its customer was erased); an ack that comes later is ignored, as one for a confirmed
  // delivery. Partitions send an unconfirmed delivery again every few seconds.
  std::chrono::minutes forget_delivery_after{10};
};

class IngestFront {
 public:
  IngestFront(zmq::context_t& zmq, ops::BrokerMetrics& metrics, IngestFrontOptions options);
  ~IngestFront();

  absl::Status Start(FrameSink& sink);
  void StopReading();
  void Stop();
  // The ingest endpoints as bound (tcp ports resolved).
  const std::vector<std::string>& endpoints() const { return endpoint_.bound(); }

  // A frame for connector `routing_id`, from `partition`.
  struct Outgoing {
    int partition;
    std::string routing_id;
    omnibroker::v1::BrokerFrame frame;
  };
  // Sends `frames` in order. Thread-safe (it queues them, one wakeup for all). Acks are counted
  // by status; a delivery is remembered so its ack reaches its partition.
  void Send(std::vector<Outgoing> frames);
  // `frames` handed to a partition have been handled. Thread-safe.
  void Handled(int frames) { in_flight_.fetch_sub(frames, std::memory_order_relaxed); }

 private:
  struct SentDelivery {
    int partition;
    std::string sent_to;  // the connector's routing id
    std::chrono::steady_clock::time_point last_sent;
  };

  void Run();
  // Sends what partitions queued with Send().
  void SendQueued();
  void SendNow(Outgoing& out);
  void HandleFrame(Received received);
  const ConnectorGrant& GrantOf(const std::string& client_key) const;
  // Answers a frame that does not parse with a permanent rejection naming its event, if any.
  void RejectUnparsable(const Received& received);
  // The grant and the key's rate allow the event (else it is answered here); a `verified` sender
  // the key may not vouch for is kept unverified.
  bool AdmitEvent(const Received& received, const ConnectorGrant& grant,
                  omnibroker::v1::Event& event);
  // The Hello with only the providers and tenants the key may serve (the others counted and
  // logged); with every tenant the key allows when it names none.
  void FilterHello(const Received& received, const ConnectorGrant& grant,
                   omnibroker::v1::Hello& hello);
  // Keeps of `names` those `allowed` lets through (once each); each other one is counted in
  // `refused` and logged as a `what` the grant may not serve.
  void KeepAllowed(google::protobuf::RepeatedPtrField<std::string>& names,
                   const std::function<bool(std::string_view)>& allowed, Counter& refused,
                   const ConnectorGrant& grant, const char* what);
  void HandleDeliveryAck(Admitted admitted);
  void Reject(const std::string& routing_id, const std::string& event_id,
              omnibroker::v1::IngestStatus status, ops::RejectReason reason, std::string why,
              std::string leader_endpoint = "");
  void ForgetOldDeliveries(std::chrono::steady_clock::time_point now);

  ops::BrokerMetrics& metrics_;
  const IngestFrontOptions options_;
  IngestEndpoint endpoint_;
  FrameSink* sink_ = nullptr;
  WakeQueue<std::vector<Outgoing>> outgoing_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> reading_{true};
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // Owned by the front's thread.
  std::unordered_map<std::string, TokenBucket> client_rates_;  // by CURVE key
  std::unordered_map<std::string, SentDelivery> deliveries_;   // by delivery id
  // Only to log a connector's arrival once, not once per partition.
  ConnectorPeers announced_{std::chrono::seconds(5)};
  std::chrono::steady_clock::time_point next_forget_{};
  LogThrottle unparsable_log_{std::chrono::minutes(1)};
  LogThrottle refusals_log_{std::chrono::minutes(1)};
};

}  // namespace omni::ingest
