#include "connectors/sdk/reliable_client.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/log.h"
#include "base/thread_name.h"

namespace omni::connectors {
namespace {

using omnibroker::v1::BrokerFrame;
using omnibroker::v1::ConnectorFrame;
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollGranularity{50};
// Deliveries whose ack never came (a handler that dropped one) are forgotten beyond this many:
// an ack then goes to the first configured broker, which ignores what it did not send.
constexpr size_t kMaxDeliveryLinks = 100'000;

}  // namespace

ReliableClient::ReliableClient(zmq::context_t& zmq, ReliableClientOptions options,
                               DeliveryHandler on_delivery)
    : zmq_(zmq), options_(std::move(options)), on_delivery_(std::move(on_delivery)) {}

ReliableClient::~ReliableClient() { Stop(); }

absl::Status ReliableClient::Start() {
  configured_ = absl::StrSplit(options_.broker_endpoint, ',', absl::SkipWhitespace());
  for (auto& endpoint : configured_) endpoint = std::string(absl::StripAsciiWhitespace(endpoint));
  if (configured_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("connector '", options_.connector_name,
                                                   "': no broker endpoint configured"));
  }
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
  std::string tenant = event.tenant();
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
      queue_.push_back(Queued{id, std::move(tenant), std::move(bytes)});
    }
    if (done) callbacks_[id].push_back(std::move(done));
  }
  control_.Wake();
  return absl::OkStatus();
}

void ReliableClient::SendDeliveryAck(omnibroker::v1::DeliveryAck ack) {
  control_.Push(std::move(ack));
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
  for (const auto& endpoint : configured_) LinkTo(endpoint);

  auto next_hello = SteadyClock::now();
  auto next_resend_scan = SteadyClock::now() + options_.ack_timeout;
  std::vector<zmq::pollitem_t> items;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    const auto now = SteadyClock::now();
    if (now >= next_hello) {
      for (auto& link : links_) SendHello(link);
      next_hello = now + options_.hello_interval;
    }
    if (now >= next_resend_scan) {
      ResendExpired();
      next_resend_scan = now + std::max(kPollGranularity, options_.ack_timeout / 4);
    }
    SendQueued();

    // Writable is asked of the link the first unsent event waits for: its tenant's leader, or
    // (with none known) the configured brokers.
    bool waiting_to_send = false;
    const Link* waiting_for = nullptr;
    {
      std::lock_guard lock(mu_);
      if (!unsent_.empty()) {
        waiting_to_send = true;
        if (auto it = in_flight_.find(unsent_.front()); it != in_flight_.end()) {
          if (auto leader = leaders_.find(it->second.tenant); leader != leaders_.end()) {
            waiting_for = leader->second;
          }
        }
      }
    }
    items.clear();
    for (size_t i = 0; i < links_.size(); ++i) {
      const bool writable_wanted =
          waiting_to_send && (waiting_for ? waiting_for == &links_[i] : i < configured_.size());
      items.push_back({links_[i].socket.handle(), 0,
                       static_cast<short>(ZMQ_POLLIN | (writable_wanted ? ZMQ_POLLOUT : 0)), 0});
    }
    items.push_back({nullptr, control_.fd(), ZMQ_POLLIN, 0});
    try {
      zmq::poll(items.data(), items.size(), kPollGranularity);
    } catch (const zmq::error_t&) {
      continue;  // EINTR
    }
    if (items.back().revents & ZMQ_POLLIN) SendDeliveryAcks();
    // By index: HandleFrame may add links (never remove one), so `items` covers those polled.
    for (size_t i = 0; i + 1 < items.size(); ++i) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      zmq::message_t message;
      while (links_[i].socket.recv(message, zmq::recv_flags::dontwait)) {
        HandleFrame(message, links_[i]);
      }
    }
  }
  for (auto& link : links_) link.socket.close();
  links_.clear();
  leaders_.clear();
  delivery_links_.clear();
}

ReliableClient::Link& ReliableClient::LinkTo(const std::string& endpoint) {
  for (auto& link : links_) {
    if (link.endpoint == endpoint) return link;
  }
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
  socket.connect(endpoint);
  Link& link = links_.emplace_back(Link{endpoint, std::move(socket), SteadyClock::now()});
  if (links_.size() > configured_.size()) {
    LogInfo("reliable_client",
            absl::StrCat(options_.connector_name, ": connecting to broker ", endpoint));
  }
  return link;
}

void ReliableClient::SendHello(Link& link) {
  ConnectorFrame frame;
  frame.mutable_hello()->set_connector(options_.connector_name);
  for (const auto& p : options_.providers) frame.mutable_hello()->add_providers(p);
  for (const auto& t : options_.tenants) frame.mutable_hello()->add_tenants(t);
  if (TrySend(link.socket, frame.SerializeAsString())) link.greeted = true;
}

void ReliableClient::SendDeliveryAcks() {
  for (auto& ack : control_.TakeAll()) {
    Link* to = &links_.front();
    if (auto it = delivery_links_.find(ack.delivery_id()); it != delivery_links_.end()) {
      to = it->second;
      delivery_links_.erase(it);
    }
    ConnectorFrame frame;
    *frame.mutable_delivery_ack() = std::move(ack);
    // A lost delivery ack only means the broker delivers again; Deliver is idempotent.
    TrySend(to->socket, frame.SerializeAsString());
  }
}

ReliableClient::Link* ReliableClient::SendEvent(const std::string& tenant,
                                                 const std::string& frame) {
  if (auto leader = leaders_.find(tenant); leader != leaders_.end()) {
    Link& link = *leader->second;
    // Hello first, so the leader's deliveries find this connector.
    if (!link.greeted) SendHello(link);
    if (link.greeted && TrySend(link.socket, frame)) return &link;
    // A new link is given the time of an ack to connect (a send fails until it has).
    if (SteadyClock::now() - link.connected_at < options_.ack_timeout) return nullptr;
    // Gone (or full): the configured brokers are asked again, and one of them leads the tenant
    // now or names the broker that does.
    leaders_.erase(leader);
  }
  const auto first = first_configured_.find(tenant);
  const size_t start = first == first_configured_.end() ? 0 : first->second;
  for (size_t i = 0; i < configured_.size(); ++i) {
    Link& link = links_[(start + i) % configured_.size()];
    if (TrySend(link.socket, frame)) return &link;
  }
  return nullptr;
}

void ReliableClient::PassOver(const std::string& tenant, const Link* link) {
  if (auto leader = leaders_.find(tenant); leader != leaders_.end() && leader->second == link) {
    leaders_.erase(leader);
  }
  // Once per broker passed over: the other events it did not take (sent before the move) must
  // not move the tenant on again, past the broker that does take them.
  size_t& first = first_configured_[tenant];
  if (first < configured_.size() && &links_[first] == link) first = (first + 1) % configured_.size();
}

bool ReliableClient::TrySend(zmq::socket_t& socket, const std::string& frame) {
  try {
    return socket.send(zmq::buffer(frame), zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t&) {
    return false;
  }
}

ReliableClient::FrameKeys ReliableClient::KeysOf(const std::string& frame) {
  ConnectorFrame parsed;
  parsed.ParseFromString(frame);
  return {parsed.event().id(), parsed.event().tenant()};
}

void ReliableClient::SendQueued() {
  std::lock_guard lock(mu_);
  while (!unsent_.empty()) {
    auto it = in_flight_.find(unsent_.front());
    if (it != in_flight_.end()) {
      // Still full or no broker: wait for POLLOUT
      it->second.sent_to = SendEvent(it->second.tenant, it->second.frame);
      if (it->second.sent_to == nullptr) return;
      it->second.sent_at = SteadyClock::now();
    }
    unsent_.pop_front();
  }
  while (in_flight_.size() < options_.max_in_flight) {
    std::string id;
    std::string tenant;
    std::string frame;
    std::optional<uint64_t> spool_position;
    if (!queue_.empty()) {
      id = std::move(queue_.front().event_id);
      tenant = std::move(queue_.front().tenant);
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
      FrameKeys keys = KeysOf(frame);
      id = std::move(keys.event_id);
      tenant = std::move(keys.tenant);
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
    entry.tenant = std::move(tenant);
    entry.frame = std::move(frame);
    entry.sent_to = SendEvent(entry.tenant, entry.frame);
    entry.sent_at = SteadyClock::now();
    if (entry.sent_to == nullptr) {
      unsent_.push_back(id);
      return;
    }
  }
}

void ReliableClient::ResendExpired() {
  std::lock_guard lock(mu_);
  const auto now = SteadyClock::now();
  // Unsent entries are SendQueued's; this resends those whose ack is overdue.
  for (auto& [id, entry] : in_flight_) {
    if (entry.sent_to == nullptr || now - entry.sent_at < options_.ack_timeout) continue;
    entry.sent_at = now;
    // Not answered in time: another broker is asked (a cluster's standby names the leader), so a
    // broker that lives but cannot answer (cut off from the cluster's engine) holds nothing up.
    PassOver(entry.tenant, entry.sent_to);
    entry.sent_to = SendEvent(entry.tenant, entry.frame);
    if (entry.sent_to == nullptr) {
      unsent_.push_back(id);
      break;  // full or no broker: the rest wait for the next scan
    }
  }
}

void ReliableClient::HandleFrame(const zmq::message_t& message, Link& from) {
  BrokerFrame frame;
  if (!frame.ParseFromArray(message.data(), static_cast<int>(message.size()))) return;
  if (frame.has_delivery()) {
    if (delivery_links_.size() >= kMaxDeliveryLinks) delivery_links_.clear();
    delivery_links_[frame.delivery().delivery_id()] = &from;
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
      InFlight& entry = it->second;
      entry.sent_at = SteadyClock::now();  // resent after ack_timeout
      if (ack.leader_endpoint().empty()) {
        // Resent to another broker, if there is one: this one cannot take it now (a store that
        // refuses writes, a cluster's leader cut off from its engine, a partition in takeover).
        PassOver(entry.tenant, &from);
        return;
      }
      // In a cluster, from a broker that does not lead the event's tenant: sent to the one that
      // does at once (once per leader named, so two brokers naming each other do not spin).
      Link& leader = LinkTo(ack.leader_endpoint());
      Link*& known = leaders_[entry.tenant];
      if (known == &leader) return;
      known = &leader;
      if (entry.sent_to == nullptr) return;  // in unsent_ already: SendQueued sends it there
      if (SteadyClock::now() - leader.connected_at < options_.ack_timeout) {
        // A new link: sent as soon as it connects (SendEvent waits for it that long).
        entry.sent_to = SendEvent(entry.tenant, entry.frame);
        if (entry.sent_to == nullptr) unsent_.push_back(ack.event_id());
        return;
      }
      // A link that had its time: if the leader named does not take it now (it died, and the
      // broker naming it does not know yet), the event waits its ack timeout before the brokers
      // configured are asked again, rather than bouncing between them and this one.
      if (!leader.greeted) SendHello(leader);
      if (leader.greeted) TrySend(leader.socket, entry.frame);
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
