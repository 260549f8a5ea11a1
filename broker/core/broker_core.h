// BrokerCore: one partition's live state and the one thread that owns it. It takes the connector
// frames of its tenants from the ingest front (ingest_front.h), resolves customers and
// conversations, writes to its partition's store (durable through group commit before any ack),
// drives each tenant's routing engine, and pushes offers and messages to agent sessions. Other
// threads (gRPC, the front) hand it work with Post(); nothing else touches its state. A broker
// runs one core per partition in use (broker/partitions).
//
// Tenants are kept apart here: each has its own roster, routing engine and policy, sessions and
// floor statistics (tenant.h); every Admin view and action names the tenant it acts for (the
// caller's) and sees only that tenant's agents, conversations, customers, audit records and
// revocations. An object of another tenant is answered as if it did not exist.
//
// Lifecycle: construct, Start() (recovers queue and assignments from the store, binds, starts the
// thread), Stop() (joins). Methods marked "core thread" may only run inside a posted task.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "absl/status/status.h"
#include "base/clock.h"
#include "base/wake_queue.h"
#include "broker/core/agent_outbox.h"
#include "broker/core/agent_session.h"
#include "broker/core/call_events.h"
#include "broker/core/retention_policy.h"
#include "broker/core/tenant.h"
#include "base/log_throttle.h"
#include "broker/ingest/connector_peers.h"
#include "broker/ingest/ingest_front.h"
#include "broker/ingest/validate.h"
#include "broker/ops/broker_metrics.h"
#include "broker/ops/floor_stats.h"
#include "broker/routing/routing_engine.h"
#include "broker/store/group_commit.h"
#include "broker/store/store.h"
#include "omnibroker/v1/admin.pb.h"
#include "omnibroker/v1/agent_console.pb.h"
#include "omnibroker/v1/conversation.pb.h"
#include "omnibroker/v1/customer.pb.h"
#include "omnibroker/v1/quality.pb.h"

namespace omni::core {

// Who reads history (BrokerCore::History): an agent (what is offered, assigned or queued for their
// team), a quality reviewer (that too, and the conversations in their tenant's review queue), a
// supervisor (anything of their tenant).
enum class HistoryReader { kAgent, kReviewer, kSupervisor };

struct BrokerCoreOptions {
  // Which partition this is: its deliveries' acks come back to it through the front.
  int partition = 0;
  // The tenant stored records older than tenants belong to (an agent, an audit record).
  std::string tenant = "default";
  // The tenants this partition serves, with their policies. Admin calls for another answer
  // NOT_FOUND.
  std::map<std::string, routing::RoutingPolicy> tenants = {{"default", routing::DefaultRoutingPolicy()}};
  // Unconfirmed deliveries to connectors are sent again after this long.
  std::chrono::milliseconds delivery_retry{3000};
  // A connector not heard from (Hello, event or ack) for this long is gone: its deliveries move
  // to another connector of the same provider. Connectors say Hello every second.
  std::chrono::milliseconds connector_liveness{5000};
  // What an agent's message may hold (the front checks connectors' events against the same).
  ingest::Limits limits;
  // By tenant; "*" for tenants not named.
  std::map<std::string, RetentionPolicy> retention = {{"*", RetentionPolicy{}}};
  // By tenant ("*" for tenants not named): the role whose logged-in members receive a breached
  // deadline's escalation.
  std::map<std::string, std::string> escalation_roles = {{"*", "supervisor"}};
  // A new thread from a customer with an open conversation on another channel joins it (instead
  // of opening a new conversation linked by the customer's history).
  bool join_open_conversation_across_channels = false;
  // Per agent: updates kept for a console that lost its stream to resume from (and as many
  // request results, to answer a resent request as the first time).
  size_t agent_replay_updates = 2000;
  // The supervisor's window, answer targets and short-abandon threshold.
  ops::FloorStatsOptions floor_stats;
};

class BrokerCore {
 public:
  // `front`, `store` and `metrics` outlive the core; the core thread bumps metrics' series.
  BrokerCore(ingest::IngestFront& front, store::Store& store, const Clock& clock,
             ops::BrokerMetrics& metrics, BrokerCoreOptions options);
  ~BrokerCore();

  absl::Status Start();
  // Sends what waits for durability (acks, answers), joins. Frames the front hands it after
  // Stop() are dropped unanswered (the connector sends them again).
  void Stop();

  // Runs `task` on the core thread. Thread-safe.
  void Post(std::function<void()> task);
  // Connector frames the front admitted for this partition, in the order read; handled on the
  // core thread, then the front is told. Thread-safe (it posts them as one task).
  void Receive(std::vector<ingest::Admitted> frames);
  // Core thread: runs `done` on the core thread with OK once everything written so far is
  // durable; with the store's write fault as soon as one stops that (the writes may still be
  // kept: the store replays them when it recovers). Admin answers a change through it.
  void WhenDurable(std::function<void(absl::Status)> done);

  // Agent console entry points. Thread-safe (they post). `tenant` is the caller's: a login names
  // an agent of that tenant's roster.
  void HandleAgentRequest(std::shared_ptr<AgentSession> session, std::string tenant,
                          omnibroker::v1::AgentRequest request);
  // Answers request `request_id` with `status` without running it (refused at the gRPC edge:
  // rate limit, a login as another agent). Thread-safe (it posts).
  void RefuseAgentRequest(std::shared_ptr<AgentSession> session, std::string request_id,
                          absl::Status status);
  // `broken`: the stream was lost rather than ended by the console (offers stay open to answer
  // after a reconnect).
  void Disconnect(std::shared_ptr<AgentSession> session, bool broken);

  // Core thread: the tenants this broker serves, by name.
  std::vector<std::string> TenantNames() const;
  // Core thread: admin views and actions.
  absl::StatusOr<omnibroker::v1::ListAgentsResponse> ListAgents(const std::string& tenant) const;
  absl::StatusOr<omnibroker::v1::ListConversationsResponse> ListConversations(
      const std::string& tenant, const omnibroker::v1::ListConversationsRequest& request) const;
  absl::StatusOr<omnibroker::v1::Conversation> GetConversation(const std::string& tenant,
                                                                const std::string& id) const;
  absl::StatusOr<omnibroker::v1::QueueSnapshot> QueueSnapshot(const std::string& tenant) const;
  // floor.cc: the supervisor's view now (the window's counts with who waits and each agent).
  absl::StatusOr<omnibroker::v1::FloorStats> FloorStats(const std::string& tenant);
  // roster.cc: adds or replaces an agent in the roster (stored; routing sees it at once; an agent
  // Admin removed is back).
  absl::Status UpsertAgent(const std::string& tenant, const omnibroker::v1::Agent& agent);
  // The config file's agents, at start: each upserted, unless Admin removed them (a warning says
  // so).
  absl::Status ApplyConfiguredRoster(const std::string& tenant,
                                     const std::vector<omnibroker::v1::Agent>& agents);
  // Removes an agent from the roster and routing (offers withdrawn, conversations back to the
  // queue, wrap-ups ended), storing (unsynced) the removal's audit record and `revocation` (of
  // every token of theirs, made by auth::CallAuthenticator::NewRevocation) with it. Their
  // conversations and history stay. NOT_FOUND for an agent not in the roster.
  absl::StatusOr<omnibroker::v1::AuditRecord> RemoveAgent(const std::string& tenant,
                                                          const omnibroker::v1::RemoveAgentRequest& request,
                                                          omnibroker::v1::TokenRevocation revocation);
  // routing_admin.cc: explanations, the routing policy at run time, customer routing facts.
  // Why an open conversation is where it is (candidates and all); for a closed one, the rule its
  // last assignment kept.
  absl::StatusOr<omnibroker::v1::RoutingExplanation> ExplainRouting(
      const std::string& tenant, const std::string& conversation_id) const;
  absl::StatusOr<omnibroker::v1::RoutingPolicy> RoutingPolicy(const std::string& tenant) const;
  // Changes the policy (or goes back to the config file's) and stores the change, so that it
  // outlives a restart until the config file's policy is edited (StoredRoutingPolicy).
  absl::StatusOr<omnibroker::v1::RoutingPolicy> SetRoutingPolicy(
      const std::string& tenant, const omnibroker::v1::SetRoutingPolicyRequest& request);
  absl::StatusOr<omnibroker::v1::Customer> UpdateCustomer(
      const std::string& tenant, const omnibroker::v1::UpdateCustomerRequest& request);
  // erasure.cc: erasing a customer on request, and the audit trail it leaves.
  absl::StatusOr<omnibroker::v1::AuditRecord> EraseCustomer(
      const std::string& tenant, const omnibroker::v1::EraseCustomerRequest& request);
  absl::StatusOr<omnibroker::v1::ListAuditResponse> ListAudit(const std::string& tenant,
                                                              int limit) const;
  // revocations.cc: stores `revocation` (made by auth::CallAuthenticator::NewRevocation, with
  // requested_by and reason) and its audit record (unsynced); the revocation with its audit_id.
  absl::StatusOr<omnibroker::v1::TokenRevocation> RevokeTokens(omnibroker::v1::TokenRevocation revocation);
  // The stored revocations that have not lapsed, oldest first.
  absl::StatusOr<omnibroker::v1::ListRevocationsResponse> Revocations(
      const std::string& tenant) const;
  // Every tenant's, for the authenticator at start.
  absl::StatusOr<omnibroker::v1::ListRevocationsResponse> RevocationsInForce() const;
  // retention.cc: deletes events past their tenant's retention and purges sensitive attachments
  // past theirs, at most `limit` events per call, and drops the token revocations that lapsed;
  // the counts. Runs hourly by itself.
  absl::StatusOr<omnibroker::v1::RetentionResult> SweepRetention(int limit);
  // tenants.cc: tenants added and removed at run time (Admin, through partitions::Partitions,
  // which keeps the partition map and says which tenants a partition serves).
  // Serves `request.name()` from now on with `policy`: what it stored before (roster, policy
  // change, open conversations) comes back as at a start. Its home record ("admin") and the audit
  // record are stored (unsynced) first. ALREADY_EXISTS when served.
  absl::StatusOr<omnibroker::v1::AuditRecord> AddTenant(
      const omnibroker::v1::AddTenantRequest& request, routing::RoutingPolicy policy);
  // Stops serving `request.name()`: its home record ("removed") and the audit record are stored
  // (unsynced) first; then its live state goes (routing, sessions, open conversations leave
  // memory; all stay stored). NOT_FOUND when not served.
  absl::StatusOr<omnibroker::v1::AuditRecord> RemoveTenant(
      const omnibroker::v1::RemoveTenantRequest& request);
  // What ListTenants says of each tenant served here (the partition and added_by left to fill).
  std::vector<omnibroker::v1::TenantSummary> TenantSummaries() const;
  // A consistent copy of the store in `target_dir` (see store::Store::Checkpoint).
  absl::StatusOr<omnibroker::v1::BackupResult> Backup(const std::string& target_dir);
  // identity.cc: the customer record `customer_id`, as stored (a merged one names its merged_into).
  absl::StatusOr<omnibroker::v1::Customer> CustomerRecord(const std::string& tenant,
                                                          const std::string& customer_id) const;
  // The customer who stands for `customer_id` (itself, or whom it was merged into).
  absl::StatusOr<omnibroker::v1::Customer> CanonicalCustomer(const std::string& customer_id) const;
  absl::StatusOr<omnibroker::v1::Customer> MergeCustomers(
      const std::string& tenant, const omnibroker::v1::MergeCustomersRequest& request);
  absl::StatusOr<omnibroker::v1::Customer> UnmergeCustomer(
      const std::string& tenant, const omnibroker::v1::UnmergeCustomerRequest& request);
  // A page of the history of a conversation, or of a customer across every channel
  // (request.customer_id), if `agent_id` may read it: the conversation is offered or assigned to
  // them or queued for their team (MayRead); one of the customer's conversations is assigned to
  // them. A reviewer also reads the conversations of the review queue; a supervisor (the caller's
  // token says so, or the roster role "supervisor") reads any.
  absl::StatusOr<omnibroker::v1::GetHistoryResponse> History(
      const std::string& tenant, const std::string& agent_id, HistoryReader reader,
      const omnibroker::v1::GetHistoryRequest& request) const;
  // quality.cc: the review queue and agents' quality standing (docs/quality.md).
  absl::StatusOr<omnibroker::v1::ListReviewsResponse> ListReviews(
      const std::string& tenant, const omnibroker::v1::ListReviewsRequest& request) const;
  // A review, its scorecard, a page of its history as `reader_id` may read it, the agent's record.
  absl::StatusOr<omnibroker::v1::ReviewDetail> GetReview(const std::string& tenant, const std::string& reader_id,
                                                         HistoryReader reader,
                                                         const omnibroker::v1::GetReviewRequest& request) const;
  // Scores a waiting review (request.requested_by: the reviewer), stores it with the agent's record
  // (unsynced) and applies the standing to routing.
  absl::StatusOr<omnibroker::v1::ScoreReviewResponse> ScoreReview(
      const std::string& tenant, const omnibroker::v1::ScoreReviewRequest& request);
  // An agent off routing back in good standing; stored with its audit record (unsynced).
  absl::StatusOr<omnibroker::v1::AgentQuality> RecertifyAgent(const std::string& tenant,
                                                              const omnibroker::v1::RecertifyAgentRequest& request);
  // A page of a customer's history across every channel and conversation (Admin: no check).
  absl::StatusOr<omnibroker::v1::GetHistoryResponse> CustomerHistory(
      const std::string& tenant, const std::string& customer_id, int page_size, const std::string& page_token, bool newest_first) const;

 private:
  struct PendingDelivery {
    omnibroker::v1::Delivery delivery;
    std::chrono::steady_clock::time_point last_sent{};
    std::string sent_to;  // the connector (routing id) it was last given to; only it may ack
  };

  // recover.cc: the roster, open conversations with their routing, undelivered replies.
  absl::Status Recover();
  // The roster, Admin's policy change and open conversations (with their routing) of the served
  // tenants `which` names, from the store.
  absl::Status RestoreTenants(const std::set<std::string, std::less<>>& which);
  // quality.cc. Puts the review of `closed` into `batch` when the tenant's quality policy picks it
  // for the agent who held it at the close.
  void PutReviewIfPicked(const Tenant& t, const omnibroker::v1::Conversation& closed, rocksdb::WriteBatch& batch);
  // The review of `conversation_id`, waiting or scored; NOT_FOUND when there is none.
  absl::StatusOr<omnibroker::v1::Review> StoredReview(const std::string& tenant,
                                                     const std::string& conversation_id) const;
  bool UnderReview(const std::string& tenant, const std::string& conversation_id) const;
  // The scorecard `review` is scored with: the one it was scored with, else its own, else its
  // queue's now.
  absl::StatusOr<omnibroker::v1::Scorecard> ScorecardToScore(const Tenant& t, const omnibroker::v1::Review& review) const;
  // The agent's record, or a new one.
  omnibroker::v1::AgentQuality QualityOf(const Tenant& t, const std::string& agent_id) const;
  // Routing obeys the agent's standing in `t.quality`; when it is not `before`, the agent and the
  // supervisors are told.
  void ApplyQualityStanding(Tenant& t, const std::string& agent_id, omnibroker::v1::QualityStanding before);
  // The tenant's agents' records from the store, their standing derived under its policy.
  absl::Status RestoreQuality(Tenant& t);
  // Every record's standing derived again under the policy in force (after a policy change), the
  // changed ones stored and applied.
  absl::Status RederiveQuality(Tenant& t);
  // recover.cc: stored records older than tenants (agents, removals, Admin's policy change) moved
  // under the default tenant's keys, once.
  absl::Status MigrateToTenants();
  // routing_admin.cc: Admin's stored policy change in force again, unless the config file's
  // policy was edited since (then the change is dropped, and a warning says so).
  absl::Status ResumeRoutingPolicy(Tenant& tenant);
  // The tenant `name` this broker serves; NOT_FOUND naming it otherwise.
  absl::StatusOr<Tenant*> FindTenant(std::string_view name);
  absl::StatusOr<const Tenant*> FindTenant(std::string_view name) const;
  // The tenant an open conversation (or its record) belongs to; null if it is not served (its
  // tenant left the config: it waits, stored, until it comes back).
  Tenant* TenantOf(const omnibroker::v1::Conversation& conversation);
  const Tenant* TenantOf(const omnibroker::v1::Conversation& conversation) const;
  // `conversation_id`'s record if it belongs to `tenant` (open, else stored); NOT_FOUND otherwise,
  // the same answer for another tenant's conversation as for none.
  absl::StatusOr<omnibroker::v1::Conversation> ConversationOf(const std::string& tenant,
                                                             const std::string& conversation_id) const;
  // identity.cc: the customer who stands for `customer_id` if it belongs to `tenant`; NOT_FOUND
  // otherwise, as for no customer.
  absl::StatusOr<omnibroker::v1::Customer> CanonicalCustomerOf(const std::string& tenant,
                                                               const std::string& customer_id) const;
  // broker_core.cc: lifecycle, loop, commit plumbing.
  void Run();
  // Timer work (offer expiry, decline cooldowns, delivery retries, store recovery), at most once
  // per tick: state changes route at once, so only time passing is left for it.
  void Tick();
  // During a store write fault: Store::Recover, first soon, then with a doubling back-off.
  void RecoverStore(std::chrono::steady_clock::time_point now);
  // Puts `event` (conversation, sequence and customer set) into `batch`, with its entry in the
  // customer's history across channels.
  void PutEvent(rocksdb::WriteBatch& batch, const omnibroker::v1::Event& event);
  // Applies `batch` now and runs `after` on this thread once it is durable.
  absl::Status CommitThen(rocksdb::WriteBatch& batch, std::function<void()> after);
  // Runs `after` once everything written so far is durable (through a write fault: once the
  // store recovered; never if the broker stops first). The callbacks of one turn of the loop wait
  // for the same sync, and come back to this thread as one task.
  void AfterDurable(std::function<void()> after);
  // Asks the group commit for the sync the AfterDurable callbacks since the last call wait for.
  void RequestSync();

  // inbound.cc: connector frames, admitted by the front (grant, rate, parse).
  void HandleFrame(ingest::Admitted admitted);
  void HandleHello(const std::string& routing_id, const ingest::ConnectorGrant& grant,
                   const omnibroker::v1::Hello& hello);
  // Sends the deliveries whose connector is gone (or never was) to a live one.
  void SendStrandedDeliveries();
  void HandleEvent(const std::string& routing_id, omnibroker::v1::Event event);
  void HandleDeliveryAck(const std::string& routing_id, const ingest::ConnectorGrant& grant,
                         const omnibroker::v1::DeliveryAck& ack);
  void SendAck(const std::string& routing_id, const omnibroker::v1::IngestAck& ack);
  // Queues `frame` for connector `routing_id`; the loop hands the front a turn's frames at once.
  void SendToConnector(const std::string& routing_id, omnibroker::v1::BrokerFrame frame);
  // identity.cc: the customer record `customer_id`, whatever its tenant.
  absl::StatusOr<omnibroker::v1::Customer> StoredCustomer(const std::string& customer_id) const;
  // identity.cc: the customer an event's sender is (found by handle or by a verified phone or
  // email, else new), with the links and merges that implies written into `batch`.
  absl::StatusOr<omnibroker::v1::Customer> ResolveCustomer(const omnibroker::v1::Event& event,
                                                           rocksdb::WriteBatch& batch, bool& created);
  // erasure.cc: `audit` with its id and time, put into `batch`.
  void PutAudit(rocksdb::WriteBatch& batch, omnibroker::v1::AuditRecord& audit);
  // revocations.cc: `revocation` put into `batch` (replacing an earlier one of the same agent).
  void PutRevocation(rocksdb::WriteBatch& batch, const omnibroker::v1::TokenRevocation& revocation);
  // The revocations in force of `tenant`, or of every tenant (nullopt).
  absl::StatusOr<omnibroker::v1::ListRevocationsResponse> RevocationsOf(
      const std::optional<std::string>& tenant) const;
  // Deletes the stored revocations that lapsed; how many.
  absl::StatusOr<int64_t> DropLapsedRevocations();
  // Marks `from` merged into `into` and moves its history under `into` (in `batch`).
  absl::Status PrepareMerge(omnibroker::v1::Customer& from, omnibroker::v1::Customer& into, const std::string& by,
                            const std::string& reason, rocksdb::WriteBatch& batch);
  // Ends an open conversation in routing (withdrawing an offer), drops it from the open ones and
  // tells its agent why (`reason`: "erased", "call_abandoned"…).
  void EndInRouting(const std::string& conversation_id, const std::string& reason);
  // voice.cc: for a VOICE conversation being assigned to `agent_id`, the outbound CALL that
  // redirects the caller to the agent's voice_contact, put into `batch` (the conversation's
  // sequence advances); nullopt for other channels; FAILED_PRECONDITION without a contact.
  absl::StatusOr<std::optional<PendingDelivery>> PutCallRedirect(omnibroker::v1::Conversation& conversation,
                                                                 const Tenant& tenant,
                                                                 const std::string& agent_id,
                                                                 rocksdb::WriteBatch& batch);
  // Marks a call's conversation closed with the outcome the connector reported.
  void CloseEndedCall(omnibroker::v1::Conversation& conversation, std::string_view outcome);
  // Keeps `pending` until its DeliveryAck and sends it to its provider's connector.
  void StartDelivery(PendingDelivery pending);
  // Routes the customer's waiting conversations again (their tier or manager may have changed).
  void RerouteWaiting(const std::string& customer_id);
  omnibroker::v1::Conversation NewConversation(const omnibroker::v1::Event& event,
                                               const omnibroker::v1::Customer& customer);
  void SendDelivery(PendingDelivery& pending);

  // agent_requests.cc: the AgentConsole stream. An agent is named by their tenant and id.
  void OnAgentRequest(const std::shared_ptr<AgentSession>& session, const std::string& tenant,
                      const omnibroker::v1::AgentRequest& request);
  absl::Status OnLogin(const std::shared_ptr<AgentSession>& session, const std::string& tenant,
                       const omnibroker::v1::AgentRequest& request);
  absl::Status OnSetPresence(Tenant& t, const std::string& agent_id, const omnibroker::v1::SetPresence& request);
  absl::Status OnAccept(Tenant& t, const std::string& agent_id, const omnibroker::v1::AgentRequest& request);
  absl::StatusOr<omnibroker::v1::RoutingExplanation> ExplainFromStore(
      const omnibroker::v1::Conversation& stored) const;
  absl::Status OnDecline(Tenant& t, const std::string& agent_id, const omnibroker::v1::DeclineOffer& request);
  absl::Status OnSend(Tenant& t, const std::string& agent_id, const omnibroker::v1::AgentRequest& request);
  absl::Status OnClose(Tenant& t, const std::string& agent_id, const omnibroker::v1::AgentRequest& request);
  // A repeated accept of an offer this agent accepted already: answered as the first (true).
  bool AnswerRepeatedAccept(Tenant& t, const std::string& agent_id, const omnibroker::v1::AgentRequest& request);
  void OnDisconnect(const std::shared_ptr<AgentSession>& session, bool broken);
  // The open conversation `conversation_id` if it is assigned to `agent_id` of `t`, else why not.
  absl::StatusOr<omnibroker::v1::Conversation*> AssignedConversation(const Tenant& t,
                                                                    const std::string& conversation_id,
                                                                    const std::string& agent_id);
  // access.cc: who may read what (see History) and to whom an agent may hand work.
  bool IsSupervisor(const Tenant& t, const std::string& agent_id) const;
  bool ShareTeam(const Tenant& t, const std::string& agent_id, const std::string& other_id) const;
  bool MayRead(const Tenant& t, const std::string& agent_id, const omnibroker::v1::Conversation& conversation) const;
  // OK when `from` may transfer to `to`: a team in common, or `from` is a supervisor.
  absl::Status MayTransferTo(const Tenant& t, const std::string& from, const std::string& to) const;
  // transfers.cc: handing a conversation on, and the end of wrap-up.
  absl::Status OnTransfer(Tenant& t, const std::string& agent_id, const omnibroker::v1::AgentRequest& request);
  absl::Status OnEndWrapUp(Tenant& t, const std::string& agent_id, const omnibroker::v1::EndWrapUp& request);
  // Sends `update` to the logged-in agents with `t`'s escalation role; how many.
  int SendToSupervisors(Tenant& t, const omnibroker::v1::AgentUpdate& update);
  void Reply(Tenant& t, const std::string& agent_id, const std::string& request_id, const absl::Status& status,
             const std::string& conversation_id = "", const std::string& event_id = "");
  void SendToAgent(Tenant& t, const std::string& agent_id, omnibroker::v1::AgentUpdate update);

  // offers.cc: routing decisions applied (after every task, frame batch and tick), tenant by
  // tenant.
  void ApplyRoutingDecisions();
  void ApplyRoutingDecisions(Tenant& t);
  // Stores the routing memo of each conversation whose memo changed (a restart resumes from it).
  void StoreRoutingMemos(Tenant& t);
  void Reclaimed(Tenant& t, const routing::Decision& decision);
  void Breached(Tenant& t, const routing::Decision& decision);
  // after_hours.cc: a closed queue's after-hours rule applied. The auto reply is stored in the
  // history and sent through the channel's connector as an agent's reply is, and the
  // conversation keeps waiting; an overflow moves the waiting conversation to the open queue,
  // with a note in its history.
  void AfterHoursReply(Tenant& t, const routing::Decision& decision);
  void Overflowed(Tenant& t, const routing::Decision& decision);
  void SendOffer(Tenant& t, const routing::Offer& offer);
  // The Offer message an agent receives for `offer` (its conversation, customer card, last event).
  std::optional<omnibroker::v1::Offer> OfferMessage(const Tenant& t, const routing::Offer& offer);
  void RevokeOffer(Tenant& t, const routing::Offer& offer, const std::string& reason);
  // What an agent is handed with a conversation it holds: the customer card and the deadlines.
  omnibroker::v1::ConversationAssigned AssignedMessage(const Tenant& t,
                                                       const omnibroker::v1::Conversation& conversation,
                                                       omnibroker::v1::Customer customer) const;
  // The deadlines `conversation` runs against: the policy of its tier (its own, else the customer's).
  omnibroker::v1::ServiceTargets TargetsFor(const Tenant& t, const omnibroker::v1::Conversation& conversation,
                                            const omnibroker::v1::Customer& customer) const;
  routing::WorkItem WorkItemFor(const Tenant& t, const omnibroker::v1::Conversation& conversation) const;

  store::Store& store_;
  const Clock& clock_;
  ops::BrokerMetrics& metrics_;
  const BrokerCoreOptions options_;
  store::GroupCommit group_commit_;
  ingest::IngestFront& front_;
  WakeQueue<std::function<void()>> tasks_;
  bool stopping_ = false;  // set by a posted task
  int in_flight_ = 0;      // AfterDurable and WhenDurable callbacks not run yet
  // This turn of the loop's AfterDurable callbacks, not handed to the group commit yet.
  std::vector<std::function<void()>> after_sync_;
  // This turn of the loop's frames for connectors, not handed to the front yet.
  std::vector<ingest::IngestFront::Outgoing> to_connectors_;
  std::thread thread_;

  // State owned by the core thread.
  std::map<std::string, std::unique_ptr<Tenant>, std::less<>> tenants_;  // served, by name
  // Tenants removed at run time, kept (not served) until the core stops: writes still waiting for
  // their sync finish against them (CommitThen's callbacks hold a Tenant&).
  std::vector<std::unique_ptr<Tenant>> removed_tenants_;
  struct SessionAgent {
    Tenant* tenant;
    std::string agent_id;
  };
  std::unordered_map<const AgentSession*, SessionAgent> session_agents_;  // session -> agent
  std::unordered_map<std::string, omnibroker::v1::Conversation> open_;      // not closed, by id
  ingest::ConnectorPeers peers_{options_.connector_liveness};  // who serves which provider
  LogThrottle refusals_log_{std::chrono::minutes(1)};
  std::map<std::string, PendingDelivery> deliveries_;                       // by delivery id
  std::chrono::steady_clock::time_point next_tick_{};
  std::chrono::steady_clock::time_point next_retention_sweep_{};
  // RecoverStore's back-off: from a write fault to its first recovery 100 ms, doubling after each
  // failed one up to 10 s.
  static constexpr std::chrono::milliseconds kFirstStoreRetry{100};
  static constexpr std::chrono::milliseconds kLastStoreRetry{10'000};
  std::chrono::milliseconds store_retry_ = kFirstStoreRetry;
  std::chrono::steady_clock::time_point next_store_retry_{};
};

}  // namespace omni::core
