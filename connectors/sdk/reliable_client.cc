#include "connectors/sdk/reliable_client.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/thread_name.h"

namespace omni::connectors {
namespace {

using omnibroker::v1::BrokerFrame;
using omnibroker::v1::ConnectorFrame;
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollGranularity{50};

}  // namespace

ReliableClient::ReliableClient(zmq::context_t& zmq, ReliableClientOptions options,
                               DeliveryHandler on_delivery)
    : zmq_(zmq), options_(std::move(options)), on_delivery_(std::move(on_delivery)) {}

ReliableClient::~ReliableClient() { Stop(); }

absl::Status ReliableClient::Start() {
  if (options_.curve.enabled()) {
    const std::string what = absl::StrCat("connector '", options_.connector_name, "'");
    if (auto s = CheckCurveKey(what + ": broker public key", options_.curve.server_public_key);
        !s.ok()) {
      return s;
    }
    auto public_key = CurvePublicKey(what + ": CURVE secret key", options_.curve.secret_key);
    if (!public_key.ok()) return public_key.status();
    curve_public_key_ = *std::move(public_key);
  }
  if (!options_.spool_dir.empty()) {
    auto spool = Spool::Open(options_.spool_dir / (options_.connector_name + ".spool"));
    if (!spool.ok()) return spool.status();
    spool_ = std::move(spool).value();
  }
  thread_ = std::thread([this] {
    NameThisThread("reliable-client");
    Run();
  });
  return absl::OkStatus();
}

void ReliableClient::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  control_.Wake();
  thread_.join();
  SpillToSpool();
}

absl::Status ReliableClient::Publish(omnibroker::v1::Event event, AckCallback done) {
  const std::string id = event.id();
  if (id.empty()) return absl::InvalidArgumentError("event.id is empty");
  ConnectorFrame frame;
  *frame.mutable_event() = std::move(event);
  std::string bytes = frame.SerializeAsString();
  {
    std::lock_guard lock(mu_);
    const bool over_budget = memory_bytes_ + bytes.size() > options_.max_memory_bytes;
    // While anything spooled waits to be read, newer events queue behind it so the order stays
    // first-in first-out.
    if (over_budget || (spool_ && spool_->has_unread())) {
      if (!spool_) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "outbox of connector '", options_.connector_name, "' is full (", memory_bytes_,
            " bytes) and no spool directory is configured"));
      }
      if (auto s = spool_->Append(bytes); !s.ok()) return s;
    } else {
      memory_bytes_ += bytes.size();
      queue_.push_back(Queued{id, std::move(bytes)});
    }
    if (done) callbacks_[id].push_back(std::move(done));
  }
  control_.Wake();
  return absl::OkStatus();
}

void ReliableClient::SendDeliveryAck(omnibroker::v1::DeliveryAck ack) {
  ConnectorFrame frame;
  *frame.mutable_delivery_ack() = std::move(ack);
  control_.Push(frame.SerializeAsString());
}

size_t ReliableClient::pending() const {
  std::lock_guard lock(mu_);
  const size_t only_in_memory =
      std::count_if(in_flight_.begin(), in_flight_.end(),
                    [](const auto& entry) { return entry.second.spool_positions.empty(); });
  return queue_.size() + only_in_memory + (spool_ ? spool_->count() : 0);
}

uint64_t ReliableClient::spool_damaged_records() const {
  std::lock_guard lock(mu_);
  return spool_ ? spool_->damaged_records() : 0;
}

void ReliableClient::Run() {
  zmq::socket_t socket(zmq_, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  // Without a live connection, sends fail at once instead of queueing inside ZeroMQ, so every
  // event stays in our outbox (and our spool) until the broker really has it.
  socket.set(zmq::sockopt::immediate, 1);
  socket.set(zmq::sockopt::sndhwm, 10000);
  if (options_.curve.enabled()) {
    // A broker that refuses our key (or has another key than we think) never completes the
    // handshake: with immediate set, events stay in the outbox and spool until it is fixed.
    socket.set(zmq::sockopt::curve_serverkey, options_.curve.server_public_key);
    socket.set(zmq::sockopt::curve_publickey, curve_public_key_);
    socket.set(zmq::sockopt::curve_secretkey, options_.curve.secret_key);
  }
  socket.connect(options_.broker_endpoint);

  auto next_hello = SteadyClock::now();
  auto next_resend_scan = SteadyClock::now() + options_.ack_timeout;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    const auto now = SteadyClock::now();
    if (now >= next_hello) {
      SendHello(socket);
      next_hello = now + options_.hello_interval;
    }
    if (now >= next_resend_scan) {
      ResendExpired(socket);
      next_resend_scan = now + std::max(kPollGranularity, options_.ack_timeout / 4);
    }
    SendQueued(socket);

    short socket_events = ZMQ_POLLIN;
    {
      std::lock_guard lock(mu_);
      if (!unsent_.empty()) socket_events |= ZMQ_POLLOUT;
    }
    zmq::pollitem_t items[] = {{socket.handle(), 0, socket_events, 0},
                               {nullptr, control_.fd(), ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, kPollGranularity);
    } catch (const zmq::error_t&) {
      continue;  // EINTR
    }
    if (items[1].revents & ZMQ_POLLIN) {
      for (const std::string& frame : control_.TakeAll()) {
        // A lost delivery ack only means the broker delivers again; Deliver is idempotent.
        TrySend(socket, frame);
      }
    }
    if (items[0].revents & ZMQ_POLLIN) {
      zmq::message_t message;
      while (socket.recv(message, zmq::recv_flags::dontwait)) HandleFrame(message);
    }
  }
  socket.close();
}

void ReliableClient::SendHello(zmq::socket_t& socket) {
  ConnectorFrame frame;
  frame.mutable_hello()->set_connector(options_.connector_name);
  for (const auto& p : options_.providers) frame.mutable_hello()->add_providers(p);
  for (const auto& t : options_.tenants) frame.mutable_hello()->add_tenants(t);
  TrySend(socket, frame.SerializeAsString());
}

bool ReliableClient::TrySend(zmq::socket_t& socket, const std::string& frame) {
  try {
    return socket.send(zmq::buffer(frame), zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t&) {
    return false;
  }
}

std::string ReliableClient::EventIdOf(const std::string& frame) {
  ConnectorFrame parsed;
  parsed.ParseFromString(frame);
  return parsed.event().id();
}

void ReliableClient::SendQueued(zmq::socket_t& socket) {
  std::lock_guard lock(mu_);
  while (!unsent_.empty()) {
    auto it = in_flight_.find(unsent_.front());
    if (it != in_flight_.end()) {
      if (!TrySend(socket, it->second.frame)) return;  // still full: wait for POLLOUT
      it->second.sent = true;
      it->second.sent_at = SteadyClock::now();
    }
    unsent_.pop_front();
  }
  while (in_flight_.size() < options_.max_in_flight) {
    std::string id;
    std::string frame;
    std::optional<uint64_t> spool_position;
    if (!queue_.empty()) {
      id = std::move(queue_.front().event_id);
      frame = std::move(queue_.front().frame);
      queue_.pop_front();
    } else if (spool_ && spool_->has_unread()) {
      auto record = spool_->ReadNext();
      if (!record.ok()) {
        LogError("reliable_client", record.status().ToString());
        break;
      }
      if (!record->has_value()) break;
      frame = std::move((*record)->bytes);
      spool_position = (*record)->position;
      id = EventIdOf(frame);
      memory_bytes_ += frame.size();
    } else {
      break;
    }
    if (auto it = in_flight_.find(id); it != in_flight_.end()) {
      // The same event published twice: one copy is enough, and the ack settles both.
      if (spool_position) it->second.spool_positions.push_back(*spool_position);
      memory_bytes_ -= frame.size();
      continue;
    }
    InFlight& entry = in_flight_[id];
    if (spool_position) entry.spool_positions.push_back(*spool_position);
    entry.frame = std::move(frame);
    entry.sent = TrySend(socket, entry.frame);
    entry.sent_at = SteadyClock::now();
    if (!entry.sent) {
      unsent_.push_back(id);
      return;
    }
  }
}

void ReliableClient::ResendExpired(zmq::socket_t& socket) {
  std::lock_guard lock(mu_);
  const auto now = SteadyClock::now();
  // Unsent entries are SendQueued's; this resends those whose ack is overdue.
  for (auto& [id, entry] : in_flight_) {
    if (!entry.sent || now - entry.sent_at < options_.ack_timeout) continue;
    entry.sent_at = now;
    if (!TrySend(socket, entry.frame)) {
      entry.sent = false;
      unsent_.push_back(id);
      break;  // full or no broker: the rest wait for the next scan
    }
  }
}

void ReliableClient::HandleFrame(const zmq::message_t& message) {
  BrokerFrame frame;
  if (!frame.ParseFromArray(message.data(), static_cast<int>(message.size()))) return;
  if (frame.has_delivery()) {
    on_delivery_(std::move(*frame.mutable_delivery()));
    return;
  }
  if (!frame.has_ack()) return;
  const auto& ack = frame.ack();
  std::vector<AckCallback> callbacks;
  {
    std::lock_guard lock(mu_);
    auto it = in_flight_.find(ack.event_id());
    if (it == in_flight_.end()) return;  // an ack for a resend we already had an ack for
    if (ack.status() == omnibroker::v1::INGEST_STATUS_RETRY_LATER) {
      it->second.sent_at = SteadyClock::now();  // resent after ack_timeout
      return;
    }
    memory_bytes_ -= it->second.frame.size();
    for (uint64_t position : it->second.spool_positions) {
      // Not fatal: the event is only sent again after a restart, and the broker dedupes it.
      if (auto s = spool_->Ack(position); !s.ok()) LogWarning("reliable_client", s.ToString());
    }
    in_flight_.erase(it);
    if (auto cb = callbacks_.find(ack.event_id()); cb != callbacks_.end()) {
      callbacks = std::move(cb->second);
      callbacks_.erase(cb);
    }
  }
  for (auto& cb : callbacks) cb(ack);
}

void ReliableClient::SpillToSpool() {
  std::lock_guard lock(mu_);
  if (!spool_) return;
  size_t lost = 0;
  for (auto& [id, entry] : in_flight_) {
    // Those read from the spool are still in it, unacked: the next Start replays them.
    if (entry.spool_positions.empty()) lost += spool_->Append(entry.frame).ok() ? 0 : 1;
  }
  for (auto& queued : queue_) lost += spool_->Append(queued.frame).ok() ? 0 : 1;
  if (lost > 0) {
    LogError("reliable_client", absl::StrCat(options_.connector_name, ": ", lost,
                                             " unacked events could not be spooled at stop"));
  }
  in_flight_.clear();
  unsent_.clear();
  queue_.clear();
  memory_bytes_ = 0;
}

}  // namespace omni::connectors
