// IngestEndpoint: the broker's ZeroMQ ROUTER, where connectors' DEALERs connect. Turns frames into
// ConnectorFrames tagged with the connector's routing id, and sends BrokerFrames back. ZeroMQ
// errors stay inside this adapter. Not thread-safe: owned by the broker core thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::ingest {

struct Received {
  std::string routing_id;  // who sent it; where the answer goes
  absl::StatusOr<omnibroker::v1::ConnectorFrame> frame;  // an error for an unparsable frame
};

class IngestEndpoint {
 public:
  static constexpr int64_t kMaxFrameBytes = 4 << 20;

  explicit IngestEndpoint(zmq::context_t& zmq);

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
  std::vector<std::string> bound_;
};

}  // namespace omni::ingest
