// BrokerCore: what connectors send (hello, inbound events, delivery acks).
#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/utf8.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/routing/language_detect.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::Conversation;
using omnibroker::v1::Customer;
using omnibroker::v1::Event;
using omnibroker::v1::IngestAck;
using store::Family;

void BrokerCore::HandleFrame(ingest::Admitted admitted) {
  auto& received = admitted.received;
  const auto now = std::chrono::steady_clock::now();
  auto& frame = *received.frame;
  switch (frame.body_case()) {
    case omnibroker::v1::ConnectorFrame::kHello:
      HandleHello(received.routing_id, *admitted.grant, frame.hello());
      break;
    case omnibroker::v1::ConnectorFrame::kEvent:
      peers_.Seen(received.routing_id, now);
      HandleEvent(received.routing_id, std::move(*frame.mutable_event()));
      break;
    case omnibroker::v1::ConnectorFrame::kDeliveryAck:
      peers_.Seen(received.routing_id, now);
      HandleDeliveryAck(received.routing_id, *admitted.grant, frame.delivery_ack());
      break;
    default:
      break;  // the front hands on only these
  }
}

void BrokerCore::HandleHello(const std::string& routing_id, const ingest::ConnectorGrant& grant,
                             const omnibroker::v1::Hello& hello) {
  // The front kept only the providers and tenants the grant allows, and logs the connector's
  // arrival.
  const std::vector<std::string> providers(hello.providers().begin(), hello.providers().end());
  const std::set<std::string> tenants(hello.tenants().begin(), hello.tenants().end());
  if (!peers_.Hello(routing_id, providers, tenants, std::chrono::steady_clock::now())) return;
  // Replies that wait for no live connector go to this one now; the others stay where they are.
  SendStrandedDeliveries();
}

void BrokerCore::SendStrandedDeliveries() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [id, pending] : deliveries_) {
    const auto& event = pending.delivery.event();
    if (!peers_.Serves(pending.sent_to, event.provider(), event.tenant(), now)) {
      SendDelivery(pending);
    }
  }
}

void BrokerCore::SendAck(const std::string& routing_id, const IngestAck& ack) {
  omnibroker::v1::BrokerFrame frame;
  *frame.mutable_ack() = ack;
  SendToConnector(routing_id, std::move(frame));
}

void BrokerCore::SendToConnector(const std::string& routing_id, omnibroker::v1::BrokerFrame frame) {
  to_connectors_.push_back({options_.partition, routing_id, std::move(frame)});
}

namespace {

// Messages and calls are work for an agent; the other kinds, and a connector's report of how a
// call went, are facts about a conversation.
bool OpensConversation(const Event& event) {
  const auto kind = event.kind();
  if (!CallOutcome(event).empty()) return false;
  return kind == omnibroker::v1::EVENT_KIND_MESSAGE || kind == omnibroker::v1::EVENT_KIND_CALL ||
         kind == omnibroker::v1::EVENT_KIND_UNSPECIFIED;
}

}  // namespace

void BrokerCore::HandleEvent(const std::string& routing_id, Event event) {
  metrics_.events_received.Add();
  IngestAck ack;
  ack.set_event_id(event.id());
  using ops::RejectReason;
  auto fail = [&](omnibroker::v1::IngestStatus status, RejectReason reason,
                  const absl::Status& why) {
    metrics_.reject(reason).Add();
    ack.set_status(status);
    ack.set_reason(std::string(why.message()));
    SendAck(routing_id, ack);
  };
  // The front validated the event and found its tenant served by this partition.
  auto tenant = FindTenant(event.tenant());
  if (!tenant.ok()) {
    return fail(omnibroker::v1::INGEST_STATUS_REJECTED, RejectReason::kUnknownTenant,
                absl::NotFoundError(absl::StrCat("tenant: ", tenant.status().message())));
  }
  Tenant& t = **tenant;
  // The store takes no writes for now: the connector keeps the event and sends it again.
  if (auto fault = store_.WriteFault(); !fault.ok()) {
    return fail(omnibroker::v1::INGEST_STATUS_RETRY_LATER, RejectReason::kStoreError, fault);
  }

  // A provider retry or a connector resend: answer with the first ack, once that is durable.
  const std::string dedupe_key = store::DedupeKey(event.tenant(), event.id());
  IngestAck first;
  auto seen = store_.Get(Family::kDedupe, dedupe_key, first);
  if (!seen.ok())
    return fail(omnibroker::v1::INGEST_STATUS_RETRY_LATER, RejectReason::kStoreError,
                seen.status());
  if (*seen) {
    first.set_status(omnibroker::v1::INGEST_STATUS_DUPLICATE);
    AfterDurable([this, routing_id, first] { SendAck(routing_id, first); });
    return;
  }

  rocksdb::WriteBatch batch;
  bool new_customer = false;
  auto customer = ResolveCustomer(event, batch, new_customer);
  if (!customer.ok())
    return fail(omnibroker::v1::INGEST_STATUS_RETRY_LATER, RejectReason::kStoreError,
                customer.status());

  const std::string thread_key = store::ThreadKey(event.tenant(), event.provider(), event.thread_key());
  auto threaded = store_.GetRaw(Family::kThreads, thread_key);
  if (!threaded.ok())
    return fail(omnibroker::v1::INGEST_STATUS_RETRY_LATER, RejectReason::kStoreError,
                threaded.status());
  Conversation conversation;
  bool new_conversation = true;
  bool closed_conversation = false;
  if (threaded->has_value()) {
    if (auto it = open_.find(**threaded); it != open_.end()) {
      conversation = it->second;
      new_conversation = false;
    }
  }
  const bool opens = OpensConversation(event);
  if (new_conversation && !opens) {
    // A receipt, an edit, a deletion or a provider's notice is a fact about the conversation its
    // thread had, open or closed; it never opens one (nor waits for an answer).
    const std::string kind = omnibroker::v1::EventKind_Name(event.kind());
    if (!threaded->has_value()) {
      return fail(
          omnibroker::v1::INGEST_STATUS_REJECTED, RejectReason::kNoConversation,
          absl::NotFoundError(absl::StrCat(kind, " for thread '", event.thread_key(),
                                           "', which has no conversation to attach it to")));
    }
    auto stored = store_.Get(Family::kConversations, **threaded, conversation);
    if (!stored.ok())
      return fail(omnibroker::v1::INGEST_STATUS_RETRY_LATER, RejectReason::kStoreError,
                  stored.status());
    if (!*stored) {
      return fail(omnibroker::v1::INGEST_STATUS_REJECTED, RejectReason::kNoConversation,
                  absl::NotFoundError(absl::StrCat(kind, " for thread '", event.thread_key(),
                                                   "', whose conversation was erased")));
    }
    new_conversation = false;
    closed_conversation = true;
  }
  if (new_conversation && options_.join_open_conversation_across_channels) {
    // The customer already talks with us elsewhere: this message joins the conversation they
    // wrote in last, and replies now go where the customer last wrote from.
    const Conversation* latest = nullptr;
    for (const auto& [id, open] : open_) {
      if (open.customer_id() != customer->id() || open.tenant() != event.tenant()) continue;
      if (latest == nullptr || FromProto(open.updated_at()) > FromProto(latest->updated_at())) latest = &open;
    }
    if (latest != nullptr) {
      conversation = *latest;
      conversation.set_provider(event.provider());
      *conversation.mutable_customer_identity() = event.sender();
      new_conversation = false;
      store_.Put(batch, Family::kThreads, thread_key, conversation.id());
    }
  }
  if (new_conversation) {
    // A closed conversation's thread starts a new conversation; the customer's history (across
    // conversations and channels) links it to everything before.
    conversation = NewConversation(event, *customer);
    store_.Put(batch, Family::kThreads, thread_key, conversation.id());
  }

  const uint64_t sequence = conversation.last_sequence() + 1;
  conversation.set_last_sequence(sequence);
  *conversation.mutable_updated_at() = ToProto(clock_.Now());
  // The next-response deadline counts from the oldest unanswered customer message.
  if (opens && !new_conversation && !conversation.has_awaiting_reply_since()) {
    *conversation.mutable_awaiting_reply_since() = conversation.updated_at();
  }
  // The caller hung up or gave up waiting: nobody waits on this conversation any more.
  const bool ends_call = !closed_conversation && EndsCall(event);
  if (ends_call) {
    CloseEndedCall(conversation, CallOutcome(event));
    PutReviewIfPicked(t, conversation, batch);
  }
  // The caller is put through to the agent's phone: that is the call's answer, as a reply is a
  // chat's (first response given; the agent is not reclaimed for never typing one).
  const bool put_through = !closed_conversation && PutThrough(event) && !conversation.assigned_agent_id().empty();
  if (put_through && !conversation.has_first_response_at()) {
    *conversation.mutable_first_response_at() = event.occurred_at();
  }
  event.set_conversation_id(conversation.id());
  event.set_sequence(sequence);
  event.set_customer_id(customer->id());
  PutEvent(batch, event);
  store_.Put(batch, Family::kConversations, conversation.id(), conversation);
  ack.set_status(omnibroker::v1::INGEST_STATUS_ACCEPTED);
  *ack.mutable_accepted_at() = ToProto(clock_.Now());
  ack.set_conversation_id(conversation.id());
  ack.set_sequence(sequence);
  store_.Put(batch, Family::kDedupe, dedupe_key, ack);

  const std::string conversation_id = conversation.id();
  auto committed = CommitThen(batch, [this, &t, routing_id, ack, new_conversation, opens, ends_call,
                                       put_through, conversation_id, event] {
    // Counted before the ack, so a connector that has its ack finds the floor up to date.
    auto it = open_.find(conversation_id);
    if (new_conversation && it != open_.end()) t.floor_stats.Arrived(it->second.requirements().queue(), clock_.Now());
    // Nobody had taken the call: the caller abandoned it (or it overflowed) while waiting.
    if (ends_call && it != open_.end() && it->second.assigned_agent_id().empty()) {
      t.floor_stats.Abandoned(it->second.requirements().queue(), clock_.Now() - FromProto(it->second.queued_at()),
                             clock_.Now());
    }
    SendAck(routing_id, ack);
    if (ends_call) {
      return EndInRouting(conversation_id, absl::StrCat("call_", std::string(CallOutcome(event))));
    }
    if (it == open_.end()) return;  // closed (meanwhile)
    if (new_conversation) {
      t.routing.Enqueue(WorkItemFor(t, it->second), clock_.Now());
      return;
    }
    if (opens) t.routing.CustomerMessage(conversation_id, clock_.Now());
    if (put_through) t.routing.AgentReplied(conversation_id, clock_.Now());
    if (!it->second.assigned_agent_id().empty() &&
               it->second.state() == omnibroker::v1::CONVERSATION_STATE_ASSIGNED) {
      omnibroker::v1::AgentUpdate update;
      *update.mutable_message()->mutable_event() = event;
      SendToAgent(t, it->second.assigned_agent_id(), std::move(update));
    }
  });
  if (!committed.ok())
    return fail(omnibroker::v1::INGEST_STATUS_RETRY_LATER, RejectReason::kStoreError, committed);
  // Later events of this thread see the conversation at once, before the sync.
  if (!closed_conversation) open_[conversation_id] = std::move(conversation);
}

Conversation BrokerCore::NewConversation(const Event& event, const Customer& customer) {
  Conversation c;
  c.set_id(NewId("c_"));
  c.set_tenant(event.tenant());
  c.set_customer_id(customer.id());
  c.set_channel(event.channel());
  c.set_provider(event.provider());
  c.set_thread_key(event.thread_key());
  c.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
  auto* req = c.mutable_requirements();
  req->set_queue(event.routing().queue());
  *req->mutable_skills() = event.routing().skills();
  // The language asked for: the event's hint, else the customer's, else a guess from the text.
  std::string language = event.language();
  if (language.empty()) language = customer.preferred_language();
  if (language.empty()) language = routing::DetectLanguage(absl::StrCat(event.content().subject(), "\n", event.content().text()));
  req->set_language(language);
  req->set_priority(event.routing().priority());
  const auto now = ToProto(clock_.Now());
  *c.mutable_created_at() = now;
  *c.mutable_updated_at() = now;
  *c.mutable_queued_at() = now;
  *c.mutable_customer_identity() = event.sender();
  return c;
}

void BrokerCore::HandleDeliveryAck(const std::string& routing_id,
                                   const ingest::ConnectorGrant& grant,
                                   const omnibroker::v1::DeliveryAck& ack) {
  auto it = deliveries_.find(ack.delivery_id());
  if (it == deliveries_.end()) return;  // already confirmed
  if (it->second.sent_to != routing_id) {
    // Only the connector the reply was given to may say how it went.
    metrics_.foreign_delivery_acks.Add();
    if (auto more = refusals_log_.Admit(clock_.Now())) {
      LogWarning("delivery", absl::StrCat("ignored an ack from connector '", grant.name,
                                          "', which was not sent this delivery", *more),
                 ack.delivery_id());
    }
    return;
  }
  if (!ack.ok() && !ack.permanent()) return;  // sent again on the next retry scan
  const Event& event = it->second.delivery.event();
  if (!ack.ok()) {
    LogWarning("delivery", absl::StrCat("provider refused the reply: ", ack.error()), event.id());
    if (auto t = FindTenant(event.tenant()); t.ok()) {
      Reply(**t, event.agent_id(), "",
            absl::FailedPreconditionError(absl::StrCat("delivery failed: ", ack.error())),
            event.conversation_id(), event.id());
    }
  }
  rocksdb::WriteBatch batch;
  store_.Delete(batch, Family::kOutbox, ack.delivery_id());
  // Unsynced is enough: losing this delete only means one more (idempotent) delivery.
  if (auto s = store_.Write(batch); !s.ok()) {
    LogWarning("delivery", absl::StrCat("outbox delete failed: ", s.ToString()));
  }
  deliveries_.erase(it);
}

void BrokerCore::SendDelivery(PendingDelivery& pending) {
  pending.last_sent = std::chrono::steady_clock::now();
  const auto& event = pending.delivery.event();
  auto peer = peers_.Pick(event.provider(), event.tenant(), pending.sent_to, pending.last_sent);
  if (!peer) return;  // no live connector serves it; the next one's Hello sends it
  pending.sent_to = *peer;
  pending.delivery.set_attempt(pending.delivery.attempt() + 1);
  omnibroker::v1::BrokerFrame frame;
  *frame.mutable_delivery() = pending.delivery;
  SendToConnector(pending.sent_to, std::move(frame));
}

}  // namespace omni::core
