// BrokerCore lifecycle, the event loop and commit plumbing (recovery from the store: recover.cc).
#include "broker/core/broker_core.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::Conversation;
using store::Family;

namespace {
constexpr std::chrono::milliseconds kTick{50};
}  // namespace

BrokerCore::BrokerCore(ingest::IngestFront& front, store::Store& store, const Clock& clock,
                       ops::BrokerMetrics& metrics, BrokerCoreOptions options)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      group_commit_(store),
      front_(front) {
  for (const auto& [name, policy] : options_.tenants) {
    tenants_.emplace(name, std::make_unique<Tenant>(name, policy, options_.floor_stats));
  }
}

BrokerCore::~BrokerCore() { Stop(); }

absl::Status BrokerCore::Start() {
  OMNI_RETURN_IF_ERROR(Recover());
  // Named for its partition, so a profile or omni-ingest-bench tells partitions apart.
  group_commit_.Start(absl::StrCat("sync-p", options_.partition));
  thread_ = std::thread([this] {
    NameThisThread(absl::StrCat("core-p", options_.partition));
    Run();
  });
  return absl::OkStatus();
}

void BrokerCore::Stop() {
  if (!thread_.joinable()) return;
  Post([this] { stopping_ = true; });
  thread_.join();
  // Nothing waits for a sync any more (Run saw every write through), so this only joins.
  group_commit_.Stop();
}

void BrokerCore::Post(std::function<void()> task) { tasks_.Push(std::move(task)); }

void BrokerCore::Receive(std::vector<ingest::Admitted> frames) {
  Post([this, frames = std::move(frames)]() mutable {
    for (auto& frame : frames) {
      if (!stopping_) HandleFrame(std::move(frame));
    }
    front_.Handled(static_cast<int>(frames.size()));
  });
}

void BrokerCore::HandleAgentRequest(std::shared_ptr<AgentSession> session, std::string tenant,
                                    omnibroker::v1::AgentRequest request) {
  Post([this, session = std::move(session), tenant = std::move(tenant), request = std::move(request)] {
    OnAgentRequest(session, tenant, request);
  });
}

std::vector<std::string> BrokerCore::TenantNames() const {
  std::vector<std::string> names;
  for (const auto& [name, tenant] : tenants_) names.push_back(name);
  return names;
}

absl::StatusOr<Tenant*> BrokerCore::FindTenant(std::string_view name) {
  auto it = tenants_.find(name);
  if (it == tenants_.end()) {
    return absl::NotFoundError(absl::StrCat("tenant '", ToAbsl(name), "' is not served by this broker"));
  }
  return it->second.get();
}

absl::StatusOr<const Tenant*> BrokerCore::FindTenant(std::string_view name) const {
  auto it = tenants_.find(name);
  if (it == tenants_.end()) {
    return absl::NotFoundError(absl::StrCat("tenant '", ToAbsl(name), "' is not served by this broker"));
  }
  return it->second.get();
}

Tenant* BrokerCore::TenantOf(const Conversation& conversation) {
  auto it = tenants_.find(conversation.tenant());
  return it == tenants_.end() ? nullptr : it->second.get();
}

const Tenant* BrokerCore::TenantOf(const Conversation& conversation) const {
  auto it = tenants_.find(conversation.tenant());
  return it == tenants_.end() ? nullptr : it->second.get();
}

absl::StatusOr<Conversation> BrokerCore::ConversationOf(const std::string& tenant,
                                                        const std::string& conversation_id) const {
  Conversation found;
  if (auto it = open_.find(conversation_id); it != open_.end()) {
    found = it->second;
  } else {
    OMNI_ASSIGN_OR_RETURN(bool stored, store_.Get(Family::kConversations, conversation_id, found));
    if (!stored) found.Clear();
  }
  if (found.id().empty() || found.tenant() != tenant) {
    return absl::NotFoundError(absl::StrCat("no conversation ", conversation_id));
  }
  return found;
}

void BrokerCore::Disconnect(std::shared_ptr<AgentSession> session, bool broken) {
  Post([this, session = std::move(session), broken] { OnDisconnect(session, broken); });
}

void BrokerCore::Run() {
  // Once Stop() asks, no new frame is handled, but the writes made are seen through: their acks
  // and the answers to agents go out once they are durable, and then the loop ends (at once
  // during a store write fault: they are not made durable, so nothing is acknowledged).
  while (!stopping_ || (in_flight_ > 0 && store_.WriteFault().ok())) {
    zmq::pollitem_t items[] = {{nullptr, tasks_.fd(), ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 1, kTick);
    } catch (const zmq::error_t&) {
      continue;  // EINTR
    }
    if (items[0].revents & ZMQ_POLLIN) {
      for (auto& task : tasks_.TakeAll()) task();
    }
    Tick();
    ApplyRoutingDecisions();
    // Once per turn: one sync asked for all this turn's writes, one handoff of its frames.
    RequestSync();
    if (!to_connectors_.empty()) front_.Send(std::exchange(to_connectors_, {}));
  }
}

void BrokerCore::Tick() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_tick_) return;
  next_tick_ = now + kTick;
  RecoverStore(now);
  for (auto& [name, tenant] : tenants_) tenant->routing.Advance(clock_.Now());
  if (now >= next_retention_sweep_) {
    // A bounded bite each time: if there was more, the next tick goes on.
    auto swept = SweepRetention(2000);
    const bool more = swept.ok() && swept->more();
    if (!swept.ok()) LogError("retention", swept.status().ToString());
    next_retention_sweep_ = now + (more ? kTick : std::chrono::hours(1));
  }
  if (peers_.Expire(now)) SendStrandedDeliveries();
  for (auto& [id, pending] : deliveries_) {
    if (now - pending.last_sent >= options_.delivery_retry) SendDelivery(pending);
  }
}

void BrokerCore::RecoverStore(std::chrono::steady_clock::time_point now) {
  if (store_.WriteFault().ok()) {
    store_retry_ = kFirstStoreRetry;
    next_store_retry_ = {};
    return;
  }
  if (next_store_retry_ == std::chrono::steady_clock::time_point{}) next_store_retry_ = now + store_retry_;
  if (now < next_store_retry_) return;
  if (auto s = store_.Recover(); !s.ok()) {
    store_retry_ = std::min(store_retry_ * 2, kLastStoreRetry);
    next_store_retry_ = now + store_retry_;
    LogWarning("store", absl::StrCat("still refusing writes (", s.message(), "); next try in ",
                                     store_retry_.count(), " ms"));
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
  after_sync_.push_back(std::move(after));
}

void BrokerCore::RequestSync() {
  if (after_sync_.empty()) return;
  // Everything these callbacks wait for was written before this call, so the sync it asks for
  // covers them all.
  group_commit_.AfterSync([this, afters = std::exchange(after_sync_, {})](absl::Status s) mutable {
    tasks_.Push([this, afters = std::move(afters), durable = s.ok()] {
      in_flight_ -= static_cast<int>(afters.size());
      // Not durable (the broker stops during a store write fault): nothing is acknowledged, and
      // connectors resend their events to the restarted broker.
      if (!durable) return;
      for (const auto& after : afters) after();
    });
  });
}

void BrokerCore::WhenDurable(std::function<void(absl::Status)> done) {
  RequestSync();  // so that `done` runs after the callbacks asked for before it
  ++in_flight_;
  group_commit_.AfterSync(
      [this, done = std::move(done)](absl::Status s) {
        tasks_.Push([this, done, s] {
          --in_flight_;
          done(s);
        });
      },
      store::GroupCommit::DuringFault::kFail);
}

}  // namespace omni::core
