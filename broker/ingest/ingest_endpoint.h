// IngestEndpoint: the broker's ZeroMQ ROUTER, where connectors' DEALERs connect. Turns frames into
// ConnectorFrames tagged with the connector's routing id, and sends BrokerFrames back. Over tcp://
// it is a CURVE server when given a secret key, admitting only allow-listed connector keys (see
// IngestGuard). ZeroMQ errors stay inside this adapter. Not thread-safe: owned by the broker core
// thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/ingest/connector_grant.h"
#include "broker/ingest/frame.h"
#include "broker/ingest/ingest_guard.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::ingest {

struct IngestOptions {
  // A frame above this disconnects its sender instead of being read into memory: the broker's
  // memory per connector stays bounded whatever a peer sends. Above the largest valid event
  // (Limits::max_event_bytes), so an event that is merely too big gets a rejection ack that says
  // so.
  int64_t max_message_bytes = 4 << 20;
  // Z85; empty = no CURVE: anyone who reaches the tcp:// port may publish (development only).
  std::string curve_secret_key;
  // The connectors (omni-gateway) that may connect when CURVE is on, by Z85 public key, with what
  // each may do.
  ConnectorGrants clients;
  // Per connection: frames ZeroMQ reads ahead before the sender is held back. With
  // max_message_bytes this bounds the memory one peer can make the broker hold
  // (ingest.max_peer_bytes / max_message_bytes).
  int receive_queue_frames = 64;
  // Events a second one connector key may publish (and as many at once); above, RETRY_LATER.
  double client_events_per_second = 50000;
  // Told of every refused handshake and every lost connection.
  IngestGuard::Observer observe = [](GuardEvent) {};
};

class IngestEndpoint {
 public:
  IngestEndpoint(zmq::context_t& zmq, IngestOptions options = {});
  ~IngestEndpoint();

  // Binds every endpoint ("inproc://…", "tcp://127.0.0.1:5570"; a tcp port "*" picks a free one).
  // May be called again after a refusal (an address still in use): what bound stays bound.
  absl::Status Bind(const std::vector<std::string>& endpoints);
  // The endpoints as bound (with the chosen ports).
  const std::vector<std::string>& bound() const { return bound_; }

  // The next frame, if one is waiting.
  std::optional<Received> TryReceive();
  // False when the connector is gone (the frame is dropped; it will ask again).
  bool Send(const std::string& routing_id, const omnibroker::v1::BrokerFrame& frame);

  zmq::socket_t& socket() { return socket_; }
  void Close();

 private:
  std::string ClientKeyOf(const zmq::message_t& message);

  zmq::socket_t socket_;
  const bool curve_;
  std::unique_ptr<IngestGuard> guard_;
  std::vector<std::string> bound_;
};

}  // namespace omni::ingest
