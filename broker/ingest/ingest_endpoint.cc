#include "broker/ingest/ingest_endpoint.h"

#include "absl/strings/str_cat.h"

namespace omni::ingest {

IngestEndpoint::IngestEndpoint(zmq::context_t& zmq, IngestOptions options)
    : socket_(zmq, zmq::socket_type::router),
      guard_(std::make_unique<IngestGuard>(zmq, !options.curve_secret_key.empty(),
                                           std::move(options.allowed_client_keys),
                                           std::move(options.observe))) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::maxmsgsize, options.max_message_bytes);
  if (!options.curve_secret_key.empty()) {
    // Set before any bind: a listener takes the socket's security options as they are then.
    socket_.set(zmq::sockopt::curve_server, true);
    socket_.set(zmq::sockopt::curve_secretkey, options.curve_secret_key);
  }
  // Acks are small; a deep queue keeps a burst from dropping them (a dropped ack only costs a
  // resend, which the dedupe answers).
  socket_.set(zmq::sockopt::sndhwm, 100000);
  socket_.set(zmq::sockopt::rcvhwm, 100000);
}

IngestEndpoint::~IngestEndpoint() { Close(); }

absl::Status IngestEndpoint::Bind(const std::vector<std::string>& endpoints) {
  if (auto s = guard_->Start(socket_); !s.ok()) return s;
  for (const auto& endpoint : endpoints) {
    try {
      socket_.bind(endpoint);
      bound_.push_back(socket_.get(zmq::sockopt::last_endpoint));
    } catch (const zmq::error_t& e) {
      return absl::UnavailableError(absl::StrCat("cannot bind ingest endpoint ", endpoint, ": ", e.what()));
    }
  }
  return absl::OkStatus();
}

std::optional<Received> IngestEndpoint::TryReceive() {
  zmq::message_t id;
  zmq::message_t body;
  try {
    if (!socket_.recv(id, zmq::recv_flags::dontwait)) return std::nullopt;
    if (!id.more()) return Received{id.to_string(), absl::InvalidArgumentError("frame has no body")};
    (void)socket_.recv(body, zmq::recv_flags::none);  // a multipart message arrives whole
    // Drain any further parts of a malformed multipart message.
    while (body.more()) {
      zmq::message_t extra;
      (void)socket_.recv(extra, zmq::recv_flags::none);
      if (!extra.more()) {
        return Received{id.to_string(), absl::InvalidArgumentError("frame has more than one part")};
      }
    }
  } catch (const zmq::error_t&) {
    return std::nullopt;
  }
  omnibroker::v1::ConnectorFrame frame;
  if (!frame.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Received{id.to_string(), absl::InvalidArgumentError("frame is not a ConnectorFrame")};
  }
  return Received{id.to_string(), std::move(frame)};
}

bool IngestEndpoint::Send(const std::string& routing_id, const omnibroker::v1::BrokerFrame& frame) {
  const std::string bytes = frame.SerializeAsString();
  try {
    if (!socket_.send(zmq::buffer(routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return false;
    }
    return socket_.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t&) {
    return false;
  }
}

void IngestEndpoint::Close() {
  if (!socket_) return;
  guard_->Stop(socket_);
  // The last acks may still be queued for a tcp peer: give them a moment to leave.
  socket_.set(zmq::sockopt::linger, 1000);
  socket_.close();
}

}  // namespace omni::ingest
