#include "broker/ingest/ingest_endpoint.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace omni::ingest {

namespace {

std::set<std::string> KeysOf(const ConnectorGrants& clients) {
  std::set<std::string> keys;
  for (const auto& [key, grant] : clients) keys.insert(key);
  return keys;
}

}  // namespace

IngestEndpoint::IngestEndpoint(zmq::context_t& zmq, IngestOptions options)
    : socket_(zmq, zmq::socket_type::router),
      curve_(!options.curve_secret_key.empty()),
      guard_(std::make_unique<IngestGuard>(zmq, !options.curve_secret_key.empty(),
                                           KeysOf(options.clients), std::move(options.observe))) {
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
  // Inbound frames can be large: the read-ahead per connection is what bounds a peer's memory.
  socket_.set(zmq::sockopt::rcvhwm, options.receive_queue_frames);
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

std::string IngestEndpoint::ClientKeyOf(const zmq::message_t& message) {
  if (!curve_) return "";
  // The ZAP handler's User-Id (the client's public key); absent on inproc:// connections.
  const char* user = zmq_msg_gets(message.handle(), "User-Id");
  return user == nullptr ? "" : user;
}

std::optional<Received> IngestEndpoint::TryReceive() {
  zmq::message_t id;
  zmq::message_t body;
  try {
    if (!socket_.recv(id, zmq::recv_flags::dontwait)) return std::nullopt;
    if (!id.more()) {
      return Received{.routing_id = id.to_string(),
                      .frame = absl::InvalidArgumentError("frame has no body")};
    }
    (void)socket_.recv(body, zmq::recv_flags::none);  // a multipart message arrives whole
    // Drain any further parts of a malformed multipart message.
    while (body.more()) {
      zmq::message_t extra;
      (void)socket_.recv(extra, zmq::recv_flags::none);
      if (!extra.more()) {
        return Received{.routing_id = id.to_string(),
                        .frame = absl::InvalidArgumentError("frame has more than one part")};
      }
    }
  } catch (const zmq::error_t&) {
    return std::nullopt;
  }
  Received received = ParseFrame(std::string_view(static_cast<const char*>(body.data()), body.size()));
  received.routing_id = id.to_string();
  received.client_key = ClientKeyOf(body);
  return received;
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
