// IngestEndpoint: the broker's ZeroMQ ROUTER, where connectors' DEALERs connect. Turns frames into
// ConnectorFrames tagged with the connector's routing id, and sends BrokerFrames back. Over tcp://
// it is a CURVE server when given a secret key, admitting only allow-listed connector keys (see
// IngestGuard). ZeroMQ errors stay inside this adapter. Not thread-safe: owned by the broker core
// thread.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/ingest/ingest_guard.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::ingest {

struct Received {
  std::string routing_id;  // who sent it; where the answer goes
  absl::StatusOr<omnibroker::v1::ConnectorFrame> frame;  // an error for an unparsable frame
};

struct IngestOptions {
  // A frame above this disconnects its sender instead of being read into memory: the broker's
  // memory per connector stays bounded whatever a peer sends. Above the largest valid event
  // (Limits::max_event_bytes), so an event that is merely too big gets a rejection ack that says
  // so.
  int64_t max_message_bytes = 4 << 20;
  // Z85; empty = no CURVE: anyone who reaches the tcp:// port may publish (development only).
  std::string curve_secret_key;
  // Z85 public keys of the connectors (omni-gateway) that may connect when CURVE is on.
  std::set<std::string> allowed_client_keys;
  // Told of every refused handshake and every lost connection.
  IngestGuard::Observer observe = [](GuardEvent) {};
};

class IngestEndpoint {
 public:
  IngestEndpoint(zmq::context_t& zmq, IngestOptions options = {});
  ~IngestEndpoint();

  // Binds every endpoint ("inproc://…", "tcp://127.0.0.1:5570"; a tcp port "*" picks a free one).
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
  zmq::socket_t socket_;
  std::unique_ptr<IngestGuard> guard_;
  std::vector<std::string> bound_;
};

}  // namespace omni::ingest
