// BrokerCore: requests from agent consoles (login, presence, accept/decline, send, close);
// transfers and wrap-up are in transfers.cc.
#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/core/conversation_event.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::AgentRequest;
using omnibroker::v1::AgentUpdate;
using omnibroker::v1::Conversation;
using omnibroker::v1::Event;
using store::Family;

absl::StatusOr<Conversation*> BrokerCore::AssignedConversation(const Tenant& t,
                                                               const std::string& conversation_id,
                                                               const std::string& agent_id) {
  auto it = open_.find(conversation_id);
  if (it == open_.end() || it->second.tenant() != t.name) {
    return absl::NotFoundError(absl::StrCat("conversation_id: no open conversation ", conversation_id));
  }
  if (it->second.assigned_agent_id() != agent_id ||
      it->second.state() != omnibroker::v1::CONVERSATION_STATE_ASSIGNED) {
    return absl::PermissionDeniedError(
        absl::StrCat("conversation ", conversation_id, " is not assigned to ", agent_id));
  }
  return &it->second;
}

namespace {

// The RequestResult that answers request `request_id` with `status`.
AgentUpdate ResultUpdate(const std::string& request_id, const absl::Status& status,
                         const std::string& conversation_id = "", const std::string& event_id = "") {
  AgentUpdate update;
  auto* result = update.mutable_result();
  result->set_request_id(request_id);
  result->set_code(static_cast<int>(status.code()));
  result->set_message(std::string(status.message()));
  result->set_conversation_id(conversation_id);
  result->set_event_id(event_id);
  return update;
}

}  // namespace

void BrokerCore::OnAgentRequest(const std::shared_ptr<AgentSession>& session, const std::string& tenant,
                                const AgentRequest& request) {
  if (request.has_login()) {
    if (auto s = OnLogin(session, tenant, request); !s.ok()) {
      session->Send(ResultUpdate(request.request_id(), s));
    }
    return;
  }
  auto who = session_agents_.find(session.get());
  if (who == session_agents_.end()) {
    session->Send(ResultUpdate(request.request_id(), absl::UnauthenticatedError("log in first")));
    return;
  }
  Tenant& t = *who->second.tenant;
  const std::string agent_id = who->second.agent_id;
  if (!request.request_id().empty()) {
    // A console that resumed resends what it had no answer for: answered once, applied once.
    AgentOutbox& outbox = t.outboxes[agent_id];
    switch (outbox.Status(request.request_id())) {
      case AgentOutbox::Request::kAnswered: {
        const auto& first = outbox.Result(request.request_id());
        Reply(t, agent_id, request.request_id(), absl::Status(static_cast<absl::StatusCode>(first.code()), first.message()),
              first.conversation_id(), first.event_id());
        return;
      }
      case AgentOutbox::Request::kRunning:
        return;  // its answer comes when its write is durable
      case AgentOutbox::Request::kNew:
        outbox.Started(request.request_id());
    }
  }
  absl::Status status;
  switch (request.body_case()) {
    case AgentRequest::kSetPresence:
      status = OnSetPresence(t, agent_id, request.set_presence());
      break;
    case AgentRequest::kDecline:
      status = OnDecline(t, agent_id, request.decline());
      break;
    // These answer once their write is durable.
    case AgentRequest::kAccept:
      if (AnswerRepeatedAccept(t, agent_id, request)) return;
      status = OnAccept(t, agent_id, request);
      if (status.ok()) return;
      break;
    case AgentRequest::kSend:
      status = OnSend(t, agent_id, request);
      if (status.ok()) return;
      break;
    case AgentRequest::kClose:
      status = OnClose(t, agent_id, request);
      if (status.ok()) return;
      break;
    case AgentRequest::kTransfer:
      status = OnTransfer(t, agent_id, request);
      if (status.ok()) return;
      break;
    case AgentRequest::kEndWrapUp:
      status = OnEndWrapUp(t, agent_id, request.end_wrap_up());
      break;
    default:
      status = absl::InvalidArgumentError("request has no body");
  }
  Reply(t, agent_id, request.request_id(), status);
}

void BrokerCore::RefuseAgentRequest(std::shared_ptr<AgentSession> session, std::string request_id,
                                    absl::Status status) {
  Post([this, session = std::move(session), request_id = std::move(request_id), status = std::move(status)] {
    auto who = session_agents_.find(session.get());
    if (who == session_agents_.end()) {
      session->Send(ResultUpdate(request_id, status));
    } else {
      Reply(*who->second.tenant, who->second.agent_id, request_id, status);
    }
  });
}

absl::Status BrokerCore::OnLogin(const std::shared_ptr<AgentSession>& session, const std::string& tenant,
                                 const AgentRequest& request) {
  const auto& login = request.login();
  const std::string& agent_id = login.agent_id();
  OMNI_ASSIGN_OR_RETURN(Tenant * t, FindTenant(tenant));
  auto agent = t->agents.find(agent_id);
  if (agent == t->agents.end()) {
    return absl::NotFoundError(absl::StrCat("login.agent_id: no agent '", agent_id, "' in the roster"));
  }
  if (auto previous = t->sessions.find(agent_id); previous != t->sessions.end()) {
    // Logged in again (a reconnect): the newest stream wins.
    session_agents_.erase(previous->second.get());
  }
  if (auto earlier = session_agents_.find(session.get()); earlier != session_agents_.end()) {
    // The same stream logged in before, as someone else: that login ends here.
    earlier->second.tenant->sessions.erase(earlier->second.agent_id);
  }
  t->sessions[agent_id] = session;
  session_agents_[session.get()] = SessionAgent{t, agent_id};
  auto [box, created] = t->outboxes.try_emplace(agent_id, options_.agent_replay_updates);
  AgentOutbox& outbox = box->second;
  auto replay = outbox.Since(login.resume_session(), login.last_sequence());
  if (!replay) outbox.Reset(NewId("s_"));
  // Logged in, but taking no new work until the agent says they are available.
  agent->second.set_presence(omnibroker::v1::PRESENCE_BUSY);
  t->routing.SetPresence(agent_id, omnibroker::v1::PRESENCE_BUSY, clock_.Now());
  t->floor_stats.PresenceChanged(agent_id, omnibroker::v1::PRESENCE_BUSY, clock_.Now());

  AgentUpdate update;
  auto* result = update.mutable_login_result();
  *result->mutable_agent() = agent->second;
  // Why they may be offered nothing: the console shows it from the start.
  if (auto quality = t->quality.find(agent_id); quality != t->quality.end()) *result->mutable_quality() = quality->second;
  // Only an agent routing counts as holding conversations (a reconnect) has any to be handed: the
  // look through every open conversation of the partition costs ~0.35 s at a million waiting
  // (omni-capacity-bench), and blocks the partition meanwhile.
  if (t->routing.AssignedCount(agent_id) > 0) {
    for (const auto& [id, c] : open_) {
      if (c.tenant() != tenant || c.assigned_agent_id() != agent_id ||
          c.state() != omnibroker::v1::CONVERSATION_STATE_ASSIGNED) {
        continue;
      }
      auto customer = CanonicalCustomer(c.customer_id());
      if (!customer.ok()) {
        LogWarning("routing",
                   absl::StrCat("assigned without customer card: ", customer.status().ToString()),
                   id);
      }
      *result->add_assigned() =
          AssignedMessage(*t, c, customer.ok() ? *std::move(customer) : omnibroker::v1::Customer());
    }
  }
  result->set_session(outbox.session());
  result->set_resumed(replay.has_value());
  for (const auto& offer : t->routing.OffersFor(agent_id)) {
    if (auto message = OfferMessage(*t, offer)) *result->add_offers() = *std::move(message);
  }
  session->Send(std::move(update));
  if (replay) {
    for (auto& missed : *replay) session->Send(std::move(missed));
  }
  Reply(*t, agent_id, request.request_id(), absl::OkStatus());
  return absl::OkStatus();
}

absl::Status BrokerCore::OnSetPresence(Tenant& t, const std::string& agent_id,
                                       const omnibroker::v1::SetPresence& request) {
  const auto presence = request.presence();
  if (presence == omnibroker::v1::PRESENCE_UNSPECIFIED || !omnibroker::v1::Presence_IsValid(presence)) {
    return absl::InvalidArgumentError("set_presence.presence: must be a known presence");
  }
  t.agents[agent_id].set_presence(presence);
  t.routing.SetPresence(agent_id, presence, clock_.Now());
  t.floor_stats.PresenceChanged(agent_id, presence, clock_.Now());
  return absl::OkStatus();
}

absl::Status BrokerCore::OnAccept(Tenant& t, const std::string& agent_id, const AgentRequest& request) {
  OMNI_ASSIGN_OR_RETURN(routing::Offer offer, t.routing.Accept(request.accept().offer_id(), agent_id, clock_.Now()));
  metrics_.offer(ops::OfferOutcome::kAccepted).Add();
  Conversation& conversation = open_[offer.conversation_id];
  const auto now = ToProto(clock_.Now());
  conversation.set_state(omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
  conversation.set_assigned_agent_id(agent_id);
  *conversation.mutable_updated_at() = now;
  auto* assignment = conversation.add_assignments();
  assignment->set_agent_id(agent_id);
  assignment->set_offer_id(offer.offer_id);
  assignment->set_rule(t.routing.DecisionRule(offer.conversation_id));
  *assignment->mutable_started_at() = now;

  // Not assigned after all: the conversation waits again.
  auto unassign = [&] {
    t.routing.EndWrapUp(conversation.id(), clock_.Now());
    conversation.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
    conversation.clear_assigned_agent_id();
    conversation.mutable_assignments()->RemoveLast();
    t.routing.Enqueue(WorkItemFor(t, conversation), clock_.Now());
  };
  rocksdb::WriteBatch batch;
  const uint64_t sequence_before = conversation.last_sequence();
  auto redirect = PutCallRedirect(conversation, t, agent_id, batch);
  if (!redirect.ok()) {
    unassign();
    return redirect.status();
  }
  store_.Put(batch, Family::kConversations, conversation.id(), conversation);
  omnibroker::v1::Customer customer;
  if (auto canonical = CanonicalCustomer(conversation.customer_id()); canonical.ok()) {
    customer = *std::move(canonical);
    customer.set_last_agent_id(agent_id);
    store_.Put(batch, Family::kCustomers, customer.id(), customer);
  } else if (!absl::IsNotFound(canonical.status())) {
    return canonical.status();
  }
  auto committed = CommitThen(batch, [this, &t, agent_id, request_id = request.request_id(),
                                      conversation_id = conversation.id(), customer,
                                      redirect = *std::move(redirect)] {
    if (redirect) StartDelivery(*redirect);
    auto it = open_.find(conversation_id);
    if (it == open_.end()) {
      return Reply(t, agent_id, request_id, absl::FailedPreconditionError(absl::StrCat(
                                             "conversation ", conversation_id, " ended before the accept was stored")));
    }
    const Conversation& assigned = it->second;
    const auto now = clock_.Now();
    // Only the first accept answers the customer; one after a transfer or reclaim does not.
    if (assigned.assignments_size() == 1) {
      t.floor_stats.Answered(assigned.requirements().queue(), now - FromProto(assigned.queued_at()), now);
    }
    t.floor_stats.HandlingStarted(conversation_id, assigned.requirements().queue(), agent_id, now);
    AgentUpdate update;
    *update.mutable_assigned() = AssignedMessage(t, it->second, customer);
    SendToAgent(t, agent_id, std::move(update));
    Reply(t, agent_id, request_id, absl::OkStatus(), conversation_id);
  });
  if (!committed.ok()) {
    conversation.set_last_sequence(sequence_before);
    unassign();
  }
  return committed;
}

absl::Status BrokerCore::OnDecline(Tenant& t, const std::string& agent_id,
                                   const omnibroker::v1::DeclineOffer& request) {
  OMNI_ASSIGN_OR_RETURN(routing::Offer offer, t.routing.Decline(request.offer_id(), agent_id, clock_.Now()));
  metrics_.offer(ops::OfferOutcome::kDeclined).Add();
  // Waiting again; an offer to someone else, applied after this, marks it offered.
  if (auto it = open_.find(offer.conversation_id); it != open_.end()) {
    it->second.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
  }
  return absl::OkStatus();
}

absl::Status BrokerCore::OnSend(Tenant& t, const std::string& agent_id, const AgentRequest& request) {
  const auto& send = request.send();
  OMNI_ASSIGN_OR_RETURN(Conversation * conversation, AssignedConversation(t, send.conversation_id(), agent_id));
  if (send.content().text().empty() && send.content().attachments().empty()) {
    return absl::InvalidArgumentError("send.content: neither text nor attachments");
  }
  if (send.content().text().size() > options_.limits.max_text_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("send.content.text: at most ", options_.limits.max_text_bytes, " bytes"));
  }
  // The console's resend of the same message is the same event.
  const std::string event_id = absl::StrCat(
      "agent:", agent_id, ":", send.client_message_id().empty() ? NewId("") : send.client_message_id());
  const std::string dedupe_key = store::DedupeKey(conversation->tenant(), event_id);
  omnibroker::v1::IngestAck first;
  OMNI_ASSIGN_OR_RETURN(bool seen, store_.Get(Family::kDedupe, dedupe_key, first));
  if (seen) {
    AfterDurable([this, &t, agent_id, request_id = request.request_id(), first] {
      Reply(t, agent_id, request_id, absl::OkStatus(), first.conversation_id(), first.event_id());
    });
    return absl::OkStatus();
  }

  Event event = NextEventOf(*conversation, event_id, omnibroker::v1::DIRECTION_OUTBOUND,
                            omnibroker::v1::EVENT_KIND_MESSAGE, clock_.Now());
  *event.mutable_content() = send.content();
  event.set_agent_id(agent_id);

  Conversation updated = *conversation;
  updated.set_last_sequence(event.sequence());
  *updated.mutable_updated_at() = event.occurred_at();
  // Deadlines: the first response is given, and the customer's last message is answered.
  if (!updated.has_first_response_at()) *updated.mutable_first_response_at() = event.occurred_at();
  updated.clear_awaiting_reply_since();
  PendingDelivery pending;
  pending.delivery.set_delivery_id(event_id);
  *pending.delivery.mutable_event() = event;
  omnibroker::v1::IngestAck ack;
  ack.set_event_id(event_id);
  ack.set_status(omnibroker::v1::INGEST_STATUS_ACCEPTED);
  *ack.mutable_accepted_at() = ToProto(clock_.Now());
  ack.set_conversation_id(updated.id());
  ack.set_sequence(event.sequence());

  rocksdb::WriteBatch batch;
  PutEvent(batch, event);
  store_.Put(batch, Family::kConversations, updated.id(), updated);
  store_.Put(batch, Family::kDedupe, dedupe_key, ack);
  store_.Put(batch, Family::kOutbox, event_id, pending.delivery);
  OMNI_RETURN_IF_ERROR(CommitThen(batch, [this, &t, agent_id, request_id = request.request_id(), pending] {
    t.routing.AgentReplied(pending.delivery.event().conversation_id(), clock_.Now());
    Reply(t, agent_id, request_id, absl::OkStatus(), pending.delivery.event().conversation_id(),
          pending.delivery.delivery_id());
    StartDelivery(pending);
  }));
  *conversation = std::move(updated);
  return absl::OkStatus();
}

absl::Status BrokerCore::OnClose(Tenant& t, const std::string& agent_id, const AgentRequest& request) {
  const auto& close = request.close();
  OMNI_ASSIGN_OR_RETURN(Conversation * conversation, AssignedConversation(t, close.conversation_id(), agent_id));
  Conversation closed = *conversation;
  const auto now = ToProto(clock_.Now());
  closed.set_state(omnibroker::v1::CONVERSATION_STATE_CLOSED);
  closed.set_disposition(close.disposition());
  *closed.mutable_updated_at() = now;
  if (closed.assignments_size() > 0) {
    auto* last = closed.mutable_assignments(closed.assignments_size() - 1);
    *last->mutable_ended_at() = now;
    last->set_end_reason("closed");
  }
  rocksdb::WriteBatch batch;
  store_.Put(batch, Family::kConversations, closed.id(), closed);
  PutReviewIfPicked(t, closed, batch);  // with the close: picked once, whatever happens next
  OMNI_RETURN_IF_ERROR(CommitThen(batch, [this, &t, agent_id, request_id = request.request_id(), id = closed.id()] {
    t.routing.Close(id, clock_.Now());  // capacity is freed after the wrap-up time
    // Without wrap-up time the handle ends now; otherwise with the wrap-up (ApplyRoutingDecisions).
    if (!t.routing.AssignedAgent(id)) t.floor_stats.HandlingEnded(id, true, clock_.Now());
    AgentUpdate update;
    update.mutable_closed()->set_conversation_id(id);
    update.mutable_closed()->set_reason("closed");
    SendToAgent(t, agent_id, std::move(update));
    Reply(t, agent_id, request_id, absl::OkStatus(), id);
  }));
  // A new message on this thread from now on opens a new conversation.
  open_.erase(closed.id());
  return absl::OkStatus();
}

bool BrokerCore::AnswerRepeatedAccept(Tenant& t, const std::string& agent_id, const AgentRequest& request) {
  // Offer ids name their conversation: "<conversation id>/<number>".
  const std::string& offer_id = request.accept().offer_id();
  const auto slash = offer_id.rfind('/');
  if (slash == std::string::npos) return false;
  auto it = open_.find(offer_id.substr(0, slash));
  if (it == open_.end() || it->second.tenant() != t.name || it->second.assigned_agent_id() != agent_id ||
      it->second.assignments().empty() ||
      it->second.assignments().rbegin()->offer_id() != offer_id) {
    return false;
  }
  // Answered once the first accept's write is durable, like the first.
  AfterDurable([this, &t, agent_id, request_id = request.request_id(), conversation_id = it->first] {
    Reply(t, agent_id, request_id, absl::OkStatus(), conversation_id);
  });
  return true;
}

void BrokerCore::OnDisconnect(const std::shared_ptr<AgentSession>& session, bool broken) {
  auto who = session_agents_.find(session.get());
  if (who == session_agents_.end()) return;
  Tenant& t = *who->second.tenant;
  const std::string agent_id = who->second.agent_id;
  session_agents_.erase(who);
  t.sessions.erase(agent_id);
  auto agent = t.agents.find(agent_id);
  if (agent == t.agents.end()) return;  // removed while logged in
  agent->second.set_presence(omnibroker::v1::PRESENCE_OFFLINE);
  t.floor_stats.PresenceChanged(agent_id, omnibroker::v1::PRESENCE_OFFLINE, clock_.Now());
  if (broken) {
    t.routing.Disconnected(agent_id, clock_.Now());
  } else {
    t.routing.SetPresence(agent_id, omnibroker::v1::PRESENCE_OFFLINE, clock_.Now());
  }
}

void BrokerCore::Reply(Tenant& t, const std::string& agent_id, const std::string& request_id,
                       const absl::Status& status, const std::string& conversation_id,
                       const std::string& event_id) {
  SendToAgent(t, agent_id, ResultUpdate(request_id, status, conversation_id, event_id));
}

void BrokerCore::SendToAgent(Tenant& t, const std::string& agent_id, AgentUpdate update) {
  // Numbered and kept even while the agent's stream is lost, for them to resume from.
  auto outbox = t.outboxes.find(agent_id);
  if (outbox == t.outboxes.end()) return;  // never logged in: nobody to tell
  update = outbox->second.Stamp(std::move(update));
  auto it = t.sessions.find(agent_id);
  if (it != t.sessions.end()) it->second->Send(std::move(update));
}

}  // namespace omni::core
