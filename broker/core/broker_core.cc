// BrokerCore lifecycle, the event loop, commit plumbing and recovery from the store.
#include "broker/core/broker_core.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/time_util.h"
#include "broker/store/keys.h"
#include "base/status_macros.h"

namespace omni::core {

using omnibroker::v1::Conversation;
using store::Family;

namespace {
constexpr std::chrono::milliseconds kTick{50};

// The ingest options with the guard's observations counted in `metrics`.
ingest::IngestOptions Counted(ingest::IngestOptions options, ops::BrokerMetrics& metrics) {
  options.observe = [&metrics](ingest::GuardEvent event) {
    using ingest::GuardEvent;
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

}  // namespace

BrokerCore::BrokerCore(zmq::context_t& zmq, store::Store& store, const Clock& clock,
                       ops::BrokerMetrics& metrics, BrokerCoreOptions options)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      floor_stats_(options_.floor_stats),
      group_commit_(store),
      ingest_(zmq, Counted(options_.ingest, metrics)),
      routing_(options_.routing) {}

BrokerCore::~BrokerCore() { Stop(); }

absl::Status BrokerCore::Start() {
  OMNI_RETURN_IF_ERROR(Recover());
  OMNI_RETURN_IF_ERROR(ingest_.Bind(options_.ingest_endpoints));
  group_commit_.Start();
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void BrokerCore::Stop() {
  if (!thread_.joinable()) return;
  Post([this] { stopping_ = true; });
  thread_.join();
  // Nothing waits for a sync any more (Run saw every write through), so this only joins.
  group_commit_.Stop();
  ingest_.Close();
}

void BrokerCore::Post(std::function<void()> task) { tasks_.Push(std::move(task)); }

void BrokerCore::HandleAgentRequest(std::shared_ptr<AgentSession> session,
                                    omnibroker::v1::AgentRequest request) {
  Post([this, session = std::move(session), request = std::move(request)] {
    OnAgentRequest(session, request);
  });
}

void BrokerCore::Disconnect(std::shared_ptr<AgentSession> session, bool broken) {
  Post([this, session = std::move(session), broken] { OnDisconnect(session, broken); });
}

void BrokerCore::Run() {
  // Once Stop() asks, no new frame is read, but the writes made are seen through: their acks and
  // the answers to agents go out once they are durable, and then the loop ends.
  while (!stopping_ || in_flight_ > 0) {
    zmq::pollitem_t items[] = {{nullptr, tasks_.fd(), ZMQ_POLLIN, 0},
                               {ingest_.socket().handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, stopping_ ? 1 : 2, kTick);
    } catch (const zmq::error_t&) {
      continue;  // EINTR
    }
    if (items[0].revents & ZMQ_POLLIN) {
      for (auto& task : tasks_.TakeAll()) task();
    }
    if (!stopping_ && (items[1].revents & ZMQ_POLLIN)) {
      // Bounded, so acks released by a sync are not starved by a flood of new frames.
      for (int i = 0; i < 1000; ++i) {
        auto received = ingest_.TryReceive();
        if (!received) break;
        HandleFrame(std::move(*received));
      }
    }
    Tick();
    ApplyRoutingDecisions();
  }
}

void BrokerCore::Tick() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_tick_) return;
  next_tick_ = now + kTick;
  routing_.Advance(clock_.Now());
  if (now >= next_retention_sweep_) {
    // A bounded bite each time: if there was more, the next tick goes on.
    auto swept = SweepRetention(2000);
    const bool more = swept.ok() && swept->more();
    if (!swept.ok()) LogError("retention", swept.status().ToString());
    next_retention_sweep_ = now + (more ? kTick : std::chrono::hours(1));
  }
  for (auto& [id, pending] : deliveries_) {
    if (now - pending.last_sent >= options_.delivery_retry) SendDelivery(pending);
  }
}

void BrokerCore::PutEvent(rocksdb::WriteBatch& batch, const omnibroker::v1::Event& event) {
  const std::string key = store::EventKey(event.conversation_id(), event.sequence());
  store_.Put(batch, Family::kEvents, key, event);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch()).count();
  store_.Put(batch, Family::kCustomerEvents,
             store::CustomerEventKey(event.customer_id(), static_cast<uint64_t>(micros), key), std::string_view(key));
  store_.Put(batch, Family::kExpiry, store::ExpiryKey(static_cast<uint64_t>(micros), key), event.tenant());
}

absl::Status BrokerCore::CommitThen(rocksdb::WriteBatch& batch, std::function<void()> after) {
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  AfterDurable(std::move(after));
  return absl::OkStatus();
}

void BrokerCore::AfterDurable(std::function<void()> after) {
  ++in_flight_;
  group_commit_.AfterSync([this, after = std::move(after)](absl::Status s) {
    if (!s.ok()) {
      // The WAL may not hold what we wrote: stop before acknowledging anything more. Connectors
      // keep their unacked events and resend them to the restarted broker.
      LogError("broker_core", absl::StrCat("WAL sync failed; stopping: ", s.ToString()));
      std::abort();
    }
    tasks_.Push([this, after] {
      --in_flight_;
      after();
    });
  });
}

absl::Status BrokerCore::Recover() {
  absl::Status parse_error;
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kAgents, "", false, std::nullopt,
                                   [&](std::string_view, std::string_view value) {
                                     omnibroker::v1::Agent agent;
                                     if (!agent.ParseFromArray(value.data(), value.size())) {
                                       parse_error = absl::DataLossError("unparsable agent record");
                                       return false;
                                     }
                                     agent.set_presence(omnibroker::v1::PRESENCE_OFFLINE);
                                     routing_.UpsertAgent(agent, clock_.Now());
                                     agents_[agent.id()] = std::move(agent);
                                     return true;
                                   }));
  OMNI_RETURN_IF_ERROR(parse_error);

  size_t queued = 0, assigned = 0;
  OMNI_RETURN_IF_ERROR(store_.Scan(
      Family::kConversations, "", false, std::nullopt, [&](std::string_view, std::string_view value) {
        Conversation c;
        if (!c.ParseFromArray(value.data(), value.size())) {
          parse_error = absl::DataLossError("unparsable conversation record");
          return false;
        }
        switch (c.state()) {
          case omnibroker::v1::CONVERSATION_STATE_CLOSED:
            return true;
          case omnibroker::v1::CONVERSATION_STATE_ASSIGNED:
          case omnibroker::v1::CONVERSATION_STATE_WRAP_UP:
          {
            const TimePoint accepted =
                c.assignments().empty() ? clock_.Now() : FromProto(c.assignments().rbegin()->started_at());
            routing_.RestoreAssigned(WorkItemFor(c), c.assigned_agent_id(), accepted, clock_.Now());
            // The handle goes on: its time counts from the accept, before the restart.
            floor_stats_.HandlingStarted(c.id(), c.requirements().queue(), c.assigned_agent_id(), accepted);
          }
            ++assigned;
            break;
          default:
            // An offer is a reservation in memory only: after a restart it waits again.
            c.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
            routing_.Enqueue(WorkItemFor(c), clock_.Now());
            ++queued;
        }
        open_[c.id()] = std::move(c);
        return true;
      }));
  OMNI_RETURN_IF_ERROR(parse_error);

  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kOutbox, "", false, std::nullopt,
                                   [&](std::string_view key, std::string_view value) {
                                     PendingDelivery pending;
                                     if (!pending.delivery.ParseFromArray(value.data(), value.size())) {
                                       parse_error = absl::DataLossError("unparsable outbox record");
                                       return false;
                                     }
                                     deliveries_[std::string(key)] = std::move(pending);
                                     return true;
                                   }));
  OMNI_RETURN_IF_ERROR(parse_error);
  LogInfo("broker_core", absl::StrCat("recovered ", agents_.size(), " agents, ", queued,
                                      " waiting and ", assigned, " assigned conversations, ",
                                      deliveries_.size(), " undelivered replies"));
  return absl::OkStatus();
}

}  // namespace omni::core
