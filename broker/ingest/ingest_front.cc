#include "broker/ingest/ingest_front.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "base/utf8.h"
#include "broker/ingest/validate.h"

namespace omni::ingest {

using omnibroker::v1::IngestAck;
using omnibroker::v1::IngestStatus;
using ops::RejectReason;

namespace {

constexpr std::chrono::milliseconds kPoll{50};

// The ingest options with the guard's observations counted in `metrics`.
IngestOptions Counted(IngestOptions options, ops::BrokerMetrics& metrics) {
  options.observe = [&metrics](GuardEvent event) {
    using ops::ConnectionDenial;
    switch (event) {
      case GuardEvent::kKeyNotAllowed:
        return metrics.denial(ConnectionDenial::kKeyNotAllowed).Add();
      case GuardEvent::kNotCurve:
        return metrics.denial(ConnectionDenial::kNotCurve).Add();
      case GuardEvent::kHandshakeFailed:
        return metrics.denial(ConnectionDenial::kHandshakeFailed).Add();
      case GuardEvent::kDisconnected:
        return metrics.ingest_disconnects.Add();
    }
  };
  return options;
}

void CountAck(ops::BrokerMetrics& metrics, const IngestAck& ack) {
  switch (ack.status()) {
    case omnibroker::v1::INGEST_STATUS_ACCEPTED:
      return metrics.ack(ops::AckStatus::kAccepted).Add();
    case omnibroker::v1::INGEST_STATUS_DUPLICATE:
      return metrics.ack(ops::AckStatus::kDuplicate).Add();
    case omnibroker::v1::INGEST_STATUS_REJECTED:
      return metrics.ack(ops::AckStatus::kRejected).Add();
    default:
      return metrics.ack(ops::AckStatus::kRetryLater).Add();
  }
}

}  // namespace

IngestFront::IngestFront(zmq::context_t& zmq, ops::BrokerMetrics& metrics,
                         IngestFrontOptions options)
    : metrics_(metrics),
      options_(std::move(options)),
      endpoint_(zmq, Counted(options_.ingest, metrics)) {}

IngestFront::~IngestFront() { Stop(); }

absl::Status IngestFront::Start(FrameSink& sink) {
  sink_ = &sink;
  if (auto s = endpoint_.Bind(options_.endpoints); !s.ok()) return s;
  thread_ = std::thread([this] {
    NameThisThread("ingest-front");
    Run();
  });
  return absl::OkStatus();
}

void IngestFront::StopReading() { reading_ = false; }

void IngestFront::Stop() {
  if (!thread_.joinable()) return;
  reading_ = false;
  stopping_ = true;
  outgoing_.Wake();
  thread_.join();
  endpoint_.Close();
}

void IngestFront::Send(std::vector<Outgoing> frames) { outgoing_.Push(std::move(frames)); }

void IngestFront::Run() {
  while (true) {
    // Read only while partitions keep up: at the bound, frames wait in ZeroMQ's read-ahead.
    const bool read = reading_ && in_flight_.load(std::memory_order_relaxed) < options_.max_in_flight;
    zmq::pollitem_t items[] = {{nullptr, outgoing_.fd(), ZMQ_POLLIN, 0},
                               {endpoint_.socket().handle(), 0, ZMQ_POLLIN, 0}};
    try {
      // Not reading for backpressure: look again soon, as partitions drain without waking us.
      zmq::poll(items, read ? 2 : 1, read || !reading_ ? kPoll : std::chrono::milliseconds(1));
    } catch (const zmq::error_t&) {
      continue;  // EINTR
    }
    SendQueued();
    if (stopping_) {
      // Stop() comes after every partition stopped: what they queued is all there is.
      SendQueued();
      return;
    }
    if (read && (items[1].revents & ZMQ_POLLIN)) {
      for (int i = 0; i < 1000 && in_flight_.load(std::memory_order_relaxed) < options_.max_in_flight;
           ++i) {
        auto received = endpoint_.TryReceive();
        if (!received) break;
        HandleFrame(std::move(*received));
      }
      sink_->Flush();
    }
    const auto now = std::chrono::steady_clock::now();
    announced_.Expire(now);
    ForgetOldDeliveries(now);
  }
}

void IngestFront::SendQueued() {
  for (auto& frames : outgoing_.TakeAll()) {
    for (auto& out : frames) SendNow(out);
  }
}

void IngestFront::SendNow(Outgoing& out) {
  if (out.frame.has_ack()) CountAck(metrics_, out.frame.ack());
  if (out.frame.has_delivery()) {
    deliveries_[out.frame.delivery().delivery_id()] = {out.partition, out.routing_id,
                                                       std::chrono::steady_clock::now()};
  }
  endpoint_.Send(out.routing_id, out.frame);
}

const ConnectorGrant& IngestFront::GrantOf(const std::string& client_key) const {
  if (client_key.empty()) return LocalGrant();
  static const ConnectorGrant kNone{.name = "unknown key"};
  auto it = options_.ingest.clients.find(client_key);
  return it == options_.ingest.clients.end() ? kNone : it->second;
}

void IngestFront::HandleFrame(Received received) {
  if (!received.frame.ok()) return RejectUnparsable(received);
  const ConnectorGrant& grant = GrantOf(received.client_key);
  auto& frame = *received.frame;
  switch (frame.body_case()) {
    case omnibroker::v1::ConnectorFrame::kHello: {
      FilterHello(received, grant, *frame.mutable_hello());
      const Admitted hello{std::move(received), &grant};
      in_flight_.fetch_add(sink_->ToAll(hello), std::memory_order_relaxed);
      return;
    }
    case omnibroker::v1::ConnectorFrame::kEvent: {
      auto& event = *frame.mutable_event();
      if (!AdmitEvent(received, grant, event)) return;
      if (auto s = ValidateInbound(event, options_.limits); !s.ok()) {
        metrics_.events_received.Add();
        return Reject(received.routing_id, event.id(), omnibroker::v1::INGEST_STATUS_REJECTED,
                      s.code() == absl::StatusCode::kResourceExhausted ? RejectReason::kOverLimit
                                                                       : RejectReason::kInvalid,
                      std::string(s.message()));
      }
      const std::string tenant = event.tenant();
      const std::string routing_id = received.routing_id;
      const std::string event_id = event.id();
      in_flight_.fetch_add(1, std::memory_order_relaxed);
      if (sink_->ToTenant(tenant, Admitted{std::move(received), &grant})) return;
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      metrics_.events_received.Add();
      if (auto leader = sink_->LedElsewhere(tenant)) {
        // Another broker leads its partition now, and this one may take it over: the connector
        // keeps the event and resends it to the leader named (or, with none, to whichever broker
        // it reaches then).
        return Reject(routing_id, event_id, omnibroker::v1::INGEST_STATUS_RETRY_LATER,
                      RejectReason::kLedElsewhere,
                      absl::StrCat("tenant: tenant '", tenant, "' is led by another broker now",
                                   leader->empty() ? "" : absl::StrCat(" (", *leader, ")")),
                      *std::move(leader));
      }
      // Refused for good (the connector logs and drops it): waiting for a tenant that may never be
      // configured would hold up the connector's events behind it.
      return Reject(routing_id, event_id, omnibroker::v1::INGEST_STATUS_REJECTED,
                    RejectReason::kUnknownTenant,
                    absl::StrCat("tenant: tenant '", tenant, "' is not served by this broker"));
    }
    case omnibroker::v1::ConnectorFrame::kDeliveryAck:
      return HandleDeliveryAck(Admitted{std::move(received), &grant});
    default:
      LogWarning("ingest", "dropped an empty frame");
  }
}

void IngestFront::HandleDeliveryAck(Admitted admitted) {
  const auto& ack = admitted.received.frame->delivery_ack();
  auto it = deliveries_.find(ack.delivery_id());
  if (it == deliveries_.end()) return;  // confirmed already, or forgotten by its partition
  const int partition = it->second.partition;
  // A final answer from the connector it was sent to ends the delivery; a transient failure
  // leaves it to be sent again. An ack from another connector is the partition's to refuse (and
  // count), so the entry stays for the real one.
  if ((ack.ok() || ack.permanent()) && it->second.sent_to == admitted.received.routing_id) {
    deliveries_.erase(it);
  }
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  sink_->ToPartition(partition, std::move(admitted));
}

void IngestFront::ForgetOldDeliveries(std::chrono::steady_clock::time_point now) {
  if (now < next_forget_) return;
  next_forget_ = now + std::chrono::minutes(1);
  std::erase_if(deliveries_, [&](const auto& entry) {
    return now - entry.second.last_sent > options_.forget_delivery_after;
  });
}

void IngestFront::RejectUnparsable(const Received& received) {
  metrics_.reject(RejectReason::kUnparsable).Add();
  const std::string& id = received.unparsable_event_id;
  if (auto more = unparsable_log_.Admit(SystemClock::Get().Now())) {
    LogWarning("ingest", absl::StrCat("refused a frame from '", GrantOf(received.client_key).name,
                                      "': ", received.frame.status().message(),
                                      id.empty() ? "" : absl::StrCat(" (event ", absl::CHexEscape(id), ")"),
                                      *more));
  }
  // Answered, so the connector drops it instead of resending it for ever (a poison message must
  // not hold up the events behind it). A frame that is not even an event, or whose id is no text
  // an ack could carry, is only counted (the connector SDK repairs text before it publishes).
  if (id.empty() || !IsUtf8(id)) return;
  IngestAck ack;
  ack.set_event_id(id);
  ack.set_status(omnibroker::v1::INGEST_STATUS_REJECTED);
  ack.set_reason(std::string(received.frame.status().message()));
  Outgoing out{-1, received.routing_id, {}};
  *out.frame.mutable_ack() = std::move(ack);
  SendNow(out);
}

void IngestFront::Reject(const std::string& routing_id, const std::string& event_id,
                         IngestStatus status, RejectReason reason, std::string why,
                         std::string leader_endpoint) {
  metrics_.reject(reason).Add();
  Outgoing out{-1, routing_id, {}};
  auto& ack = *out.frame.mutable_ack();
  ack.set_event_id(event_id);
  ack.set_status(status);
  ack.set_reason(std::move(why));
  ack.set_leader_endpoint(std::move(leader_endpoint));
  SendNow(out);
}

bool IngestFront::AdmitEvent(const Received& received, const ConnectorGrant& grant,
                             omnibroker::v1::Event& event) {
  std::string refusal;
  if (!grant.AllowsTenant(event.tenant())) {
    refusal = absl::StrCat("connector '", grant.name, "' may not publish for tenant '",
                           event.tenant(), "'");
  } else if (!grant.AllowsProvider(event.provider())) {
    refusal = absl::StrCat("connector '", grant.name, "' may not publish for provider '",
                           event.provider(), "'");
  } else if (!received.client_key.empty()) {
    const double rate = options_.ingest.client_events_per_second;
    auto bucket = client_rates_.try_emplace(received.client_key, rate, rate).first;
    if (bucket->second.TryTake(SystemClock::Get().Now()).has_value()) {
      // The connector resends after its ack timeout: slowed down, nothing lost.
      metrics_.events_received.Add();
      Reject(received.routing_id, event.id(), omnibroker::v1::INGEST_STATUS_RETRY_LATER,
             RejectReason::kRateLimited,
             absl::StrCat("connector '", grant.name, "' is over ", rate, " events a second"));
      return false;
    }
  }
  if (!refusal.empty()) {
    metrics_.events_received.Add();
    if (auto more = refusals_log_.Admit(SystemClock::Get().Now())) {
      LogWarning("ingest", absl::StrCat(refusal, *more), event.id());
    }
    Reject(received.routing_id, event.id(), omnibroker::v1::INGEST_STATUS_REJECTED,
           RejectReason::kNotPermitted, refusal);
    return false;
  }
  if (event.sender().verified() && !grant.may_verify_senders) {
    // The message is kept; only the connector's word that the sender is who they say is not.
    metrics_.unverified_senders.Add();
    event.mutable_sender()->set_verified(false);
  }
  return true;
}

void IngestFront::KeepAllowed(google::protobuf::RepeatedPtrField<std::string>& names,
                              const std::function<bool(std::string_view)>& allowed,
                              Counter& refused, const ConnectorGrant& grant,
                              const char* what) {
  std::set<std::string> kept;
  for (const auto& name : names) {
    if (allowed(name)) {
      kept.insert(name);
      continue;
    }
    refused.Add();
    if (auto more = refusals_log_.Admit(SystemClock::Get().Now())) {
      LogWarning("ingest", absl::StrCat("connector '", grant.name, "' may not serve ", ToAbsl(what), " '",
                                        name, "'; its Hello is ignored for it", *more));
    }
  }
  names.Assign(kept.begin(), kept.end());
}

void IngestFront::FilterHello(const Received& received, const ConnectorGrant& grant,
                              omnibroker::v1::Hello& hello) {
  KeepAllowed(
      *hello.mutable_providers(), [&](std::string_view p) { return grant.AllowsProvider(p); },
      metrics_.providers_refused, grant, "provider");
  // The tenants it serves: those it names that its key allows (none named: all its key allows).
  if (hello.tenants().empty()) {
    hello.mutable_tenants()->Assign(grant.tenants.begin(), grant.tenants.end());
  }
  KeepAllowed(
      *hello.mutable_tenants(), [&](std::string_view t) { return grant.AllowsTenant(t); },
      metrics_.tenants_refused, grant, "tenant");
  const std::vector<std::string> providers(hello.providers().begin(), hello.providers().end());
  const std::set<std::string> tenants(hello.tenants().begin(), hello.tenants().end());
  if (announced_.Hello(received.routing_id, providers, tenants, std::chrono::steady_clock::now())) {
    LogInfo("ingest", absl::StrCat("connector '", hello.connector(), "' (", grant.name,
                                   ") delivers for ", absl::StrJoin(providers, ", "),
                                   " of tenants ", absl::StrJoin(tenants, ", ")));
  }
}

}  // namespace omni::ingest
