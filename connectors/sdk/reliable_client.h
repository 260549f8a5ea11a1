// ReliableClient: a connector's link to a broker. Events go over a ZeroMQ DEALER to the broker's
// ROUTER and stay in an outbox until the broker acks them; unacked events are resent after a
// timeout; beyond the memory budget (and on Stop) they spill to a disk spool, so a broker that is
// away never costs an event. An event read back from the spool stays in it until its ack, so a
// crash of the process replays it (the broker dedupes by event id). The same code serves
// inproc:// (connectors inside the broker) and tcp:// (omni-gateway).
//
// In a cluster (docs/cluster.md) each tenant's events go to the broker leading its partition: the
// client starts with the brokers configured; one that does not lead a tenant answers "retry
// later" naming the one that does, and the client connects there too (saying Hello, so that
// broker's deliveries reach it) and sends that tenant's events there until it is gone, when the
// configured brokers are asked again.
//
// Threads: one I/O thread, started by Start() and joined by Stop(), owns the socket. Publish()
// and SendDeliveryAck() may be called from any thread. Callbacks run on the I/O thread.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "absl/status/status.h"
#include "base/clock.h"
#include "base/curve_keys.h"
#include "base/wake_queue.h"
#include "connectors/sdk/connector.h"
#include "connectors/sdk/spool.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::connectors {

struct ReliableClientOptions {
  // "inproc://omni-ingest" or "tcp://127.0.0.1:5570"; several brokers of a cluster
  // comma-separated (tried in order for a tenant whose leader is not known).
  std::string broker_endpoint;
  std::string connector_name;
  std::vector<std::string> providers;  // announced in Hello: outbound deliveries come for these
  // Announced in Hello: deliveries come only for these tenants (empty: every tenant the
  // connector's key allows).
  std::vector<std::string> tenants;
  // Resend an event when its ack has not come within this time.
  std::chrono::milliseconds ack_timeout{2000};
  // How often Hello is sent (it also tells a restarted broker who we are).
  std::chrono::milliseconds hello_interval{1000};
  // Events sent and not yet acked, at most.
  size_t max_in_flight = 4096;
  // Bytes of events kept in memory; beyond this they go to the spool.
  size_t max_memory_bytes = 64 << 20;
  // Where the spool lives; empty = no spool (Publish fails with RESOURCE_EXHAUSTED when full).
  std::filesystem::path spool_dir;
  // CURVE towards a tcp:// broker that requires it (ingest.curve_secret_key_file on its side).
  CurveClientKeys curve;
};

// Handles one delivery from the broker; the answer is sent later with SendDeliveryAck().
using DeliveryHandler = std::function<void(omnibroker::v1::Delivery)>;

class ReliableClient {
 public:
  ReliableClient(zmq::context_t& zmq, ReliableClientOptions options, DeliveryHandler on_delivery);
  ~ReliableClient();
  ReliableClient(const ReliableClient&) = delete;
  ReliableClient& operator=(const ReliableClient&) = delete;

  // Checks the CURVE keys, opens the spool (replaying what a previous run left in it) and starts
  // the I/O thread.
  absl::Status Start();
  // Stops the I/O thread; whatever is still unacked is written to the spool for the next Start.
  void Stop();

  absl::Status Publish(omnibroker::v1::Event event, AckCallback done);
  void SendDeliveryAck(omnibroker::v1::DeliveryAck ack);

  // Events accepted by Publish and not yet acked (memory and spool).
  size_t pending() const;
  // Damaged spool records skipped since Start (Spool::damaged_records); 0 without a spool.
  uint64_t spool_damaged_records() const;

 private:
  struct Link;
  struct InFlight {
    std::string tenant;
    std::string frame;  // the serialized ConnectorFrame, resent as is
    std::chrono::steady_clock::time_point sent_at;
    // The link it was last sent on (I/O thread's); null while unsent.
    const Link* sent_to = nullptr;
    // Where the event sits in the spool (more than one when it was published twice): acked there
    // with the broker's ack. Empty for an event that only lives in memory.
    std::vector<uint64_t> spool_positions;
  };

  // A connection to one broker: a configured one, or one a broker named as a tenant's leader.
  // Owned by the I/O thread.
  struct Link {
    std::string endpoint;
    zmq::socket_t socket;
    std::chrono::steady_clock::time_point connected_at;  // when connect() was called
    bool greeted = false;  // a Hello went out on it (deliveries come only after one)
  };

  void Run();
  // The link to `endpoint`, connected (and greeted with Hello) the first time.
  Link& LinkTo(const std::string& endpoint);
  void SendHello(Link& link);
  // Moves events from the queue (and spool) into flight and sends them.
  void SendQueued();
  void ResendExpired();
  // Sends an event of `tenant` to its leader if known, else to the first configured broker that
  // takes it (from the tenant's first_configured_ on). The link it went on; null when none could
  // take it now.
  Link* SendEvent(const std::string& tenant, const std::string& frame);
  // `link` did not take an event of `tenant` (refused it for now, or did not answer in time):
  // the next is sent to another broker — the configured ones again if it was the leader named,
  // and the configured one after it if it was one of those.
  void PassOver(const std::string& tenant, const Link* link);
  void SendDeliveryAcks();
  void HandleFrame(const zmq::message_t& message, Link& from);
  bool TrySend(zmq::socket_t& socket, const std::string& frame);
  void SpillToSpool();
  struct FrameKeys {
    std::string event_id;
    std::string tenant;
  };
  // The event id and tenant inside a serialized ConnectorFrame (for frames read from the spool).
  static FrameKeys KeysOf(const std::string& frame);

  zmq::context_t& zmq_;
  const ReliableClientOptions options_;
  const DeliveryHandler on_delivery_;
  std::string curve_public_key_;    // derived from options_.curve.secret_key in Start()
  WakeQueue<omnibroker::v1::DeliveryAck> control_;  // acks other threads want sent
  std::vector<std::string> configured_;              // options_.broker_endpoint split

  // The I/O thread's: every link (the configured ones first, in order; a deque keeps references
  // valid as links are added), the link leading each tenant as a broker named it, and the link
  // each delivery came on (its ack goes back there).
  std::deque<Link> links_;
  std::unordered_map<std::string, Link*> leaders_;
  // The configured broker each tenant's events try first (an index into links_), moved on by
  // PassOver; 0 for a tenant not in it.
  std::unordered_map<std::string, size_t> first_configured_;
  std::unordered_map<std::string, Link*> delivery_links_;

  mutable std::mutex mu_;
  struct Queued {
    std::string event_id;
    std::string tenant;
    std::string frame;
  };
  std::deque<Queued> queue_;  // accepted, in memory, not yet in flight
  std::unordered_map<std::string, InFlight> in_flight_;  // by event id
  // In flight but not yet sent (ZeroMQ was full or had no peer), oldest first: retried before
  // anything new, as soon as the socket is writable.
  std::deque<std::string> unsent_;
  std::unordered_map<std::string, std::vector<AckCallback>> callbacks_;
  std::unique_ptr<Spool> spool_;
  size_t memory_bytes_ = 0;
  bool stopping_ = false;

  std::thread thread_;
};

}  // namespace omni::connectors
