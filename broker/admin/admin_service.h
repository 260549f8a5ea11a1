// The Admin gRPC service (callback API): every call runs on the core thread of the caller's
// tenant's partition (operator calls: on every partition's), once its
// caller is authenticated and has the role the call needs: supervisor for the read-only calls
// (agents, queue, conversations, explanations, the policy, customers and their history) and for
// re-certifying an agent, quality (or above) for reading the review queue and role quality alone
// for scoring a review, admin for the tenant's changes (roster, policy, customers, erasure, the
// audit trail, token revocations), operator for what spans every tenant (backup, the retention
// sweep). A method
// names its role where it calls OnCore, which has no default: nothing is open by omission. A
// call acts for the caller's tenant only (auth::Caller::tenant) and sees nothing of another's.
// A change is answered only once it is durable (synced by the group commit).
#pragma once

#include <functional>
#include <string_view>

#include "broker/auth/call_auth.h"
#include "broker/core/broker_core.h"
#include "broker/partitions/partitions.h"
#include "omnibroker/v1/admin.grpc.pb.h"

namespace omni::admin {

class AdminService final : public omnibroker::v1::Admin::CallbackService {
 public:
  // `check_streams` runs once revoked tokens are refused or a tenant is no longer served, to end
  // the open streams that lost their right (BrokerApp: the console service's CheckStreams).
  AdminService(partitions::Partitions& partitions, auth::CallAuthenticator& auth,
               std::function<void()> check_streams)
      : partitions_(partitions), auth_(auth), check_streams_(std::move(check_streams)) {}

  grpc::ServerUnaryReactor* ListAgents(grpc::CallbackServerContext* context,
                                       const omnibroker::v1::ListAgentsRequest* request,
                                       omnibroker::v1::ListAgentsResponse* response) override;
  grpc::ServerUnaryReactor* UpsertAgent(grpc::CallbackServerContext* context,
                                        const omnibroker::v1::UpsertAgentRequest* request,
                                        omnibroker::v1::Agent* response) override;
  grpc::ServerUnaryReactor* ListConversations(grpc::CallbackServerContext* context,
                                              const omnibroker::v1::ListConversationsRequest* request,
                                              omnibroker::v1::ListConversationsResponse* response) override;
  grpc::ServerUnaryReactor* GetConversation(grpc::CallbackServerContext* context,
                                            const omnibroker::v1::GetConversationRequest* request,
                                            omnibroker::v1::Conversation* response) override;
  grpc::ServerUnaryReactor* GetQueueSnapshot(grpc::CallbackServerContext* context,
                                             const omnibroker::v1::GetQueueSnapshotRequest* request,
                                             omnibroker::v1::QueueSnapshot* response) override;
  grpc::ServerUnaryReactor* GetFloorStats(grpc::CallbackServerContext* context,
                                          const omnibroker::v1::GetFloorStatsRequest* request,
                                          omnibroker::v1::FloorStats* response) override;
  grpc::ServerUnaryReactor* ExplainRouting(grpc::CallbackServerContext* context,
                                           const omnibroker::v1::ExplainRoutingRequest* request,
                                           omnibroker::v1::RoutingExplanation* response) override;
  grpc::ServerUnaryReactor* GetRoutingPolicy(grpc::CallbackServerContext* context,
                                             const omnibroker::v1::GetRoutingPolicyRequest* request,
                                             omnibroker::v1::RoutingPolicy* response) override;
  grpc::ServerUnaryReactor* SetRoutingPolicy(grpc::CallbackServerContext* context,
                                             const omnibroker::v1::SetRoutingPolicyRequest* request,
                                             omnibroker::v1::RoutingPolicy* response) override;
  grpc::ServerUnaryReactor* GetCustomerHistory(grpc::CallbackServerContext* context,
                                               const omnibroker::v1::GetCustomerHistoryRequest* request,
                                               omnibroker::v1::GetHistoryResponse* response) override;
  grpc::ServerUnaryReactor* Backup(grpc::CallbackServerContext* context, const omnibroker::v1::BackupRequest* request,
                                   omnibroker::v1::BackupResult* response) override;
  grpc::ServerUnaryReactor* GetCustomer(grpc::CallbackServerContext* context,
                                        const omnibroker::v1::GetCustomerRequest* request,
                                        omnibroker::v1::Customer* response) override;
  grpc::ServerUnaryReactor* MergeCustomers(grpc::CallbackServerContext* context,
                                           const omnibroker::v1::MergeCustomersRequest* request,
                                           omnibroker::v1::Customer* response) override;
  grpc::ServerUnaryReactor* UnmergeCustomer(grpc::CallbackServerContext* context,
                                            const omnibroker::v1::UnmergeCustomerRequest* request,
                                            omnibroker::v1::Customer* response) override;
  grpc::ServerUnaryReactor* EraseCustomer(grpc::CallbackServerContext* context,
                                          const omnibroker::v1::EraseCustomerRequest* request,
                                          omnibroker::v1::AuditRecord* response) override;
  grpc::ServerUnaryReactor* SweepRetention(grpc::CallbackServerContext* context,
                                           const omnibroker::v1::SweepRetentionRequest* request,
                                           omnibroker::v1::RetentionResult* response) override;
  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* context, const omnibroker::v1::ListAuditRequest* request,
                                      omnibroker::v1::ListAuditResponse* response) override;
  grpc::ServerUnaryReactor* UpdateCustomer(grpc::CallbackServerContext* context,
                                           const omnibroker::v1::UpdateCustomerRequest* request,
                                           omnibroker::v1::Customer* response) override;
  grpc::ServerUnaryReactor* RevokeTokens(grpc::CallbackServerContext* context,
                                         const omnibroker::v1::RevokeTokensRequest* request,
                                         omnibroker::v1::TokenRevocation* response) override;
  grpc::ServerUnaryReactor* ListRevocations(grpc::CallbackServerContext* context,
                                            const omnibroker::v1::ListRevocationsRequest* request,
                                            omnibroker::v1::ListRevocationsResponse* response) override;
  grpc::ServerUnaryReactor* RemoveAgent(grpc::CallbackServerContext* context,
                                        const omnibroker::v1::RemoveAgentRequest* request,
                                        omnibroker::v1::AuditRecord* response) override;
  grpc::ServerUnaryReactor* ListTenants(grpc::CallbackServerContext* context,
                                        const omnibroker::v1::ListTenantsRequest* request,
                                        omnibroker::v1::ListTenantsResponse* response) override;
  grpc::ServerUnaryReactor* AddTenant(grpc::CallbackServerContext* context,
                                      const omnibroker::v1::AddTenantRequest* request,
                                      omnibroker::v1::AuditRecord* response) override;
  grpc::ServerUnaryReactor* RemoveTenant(grpc::CallbackServerContext* context,
                                         const omnibroker::v1::RemoveTenantRequest* request,
                                         omnibroker::v1::AuditRecord* response) override;
  grpc::ServerUnaryReactor* ListReviews(grpc::CallbackServerContext* context,
                                        const omnibroker::v1::ListReviewsRequest* request,
                                        omnibroker::v1::ListReviewsResponse* response) override;
  grpc::ServerUnaryReactor* GetReview(grpc::CallbackServerContext* context, const omnibroker::v1::GetReviewRequest* request,
                                      omnibroker::v1::ReviewDetail* response) override;
  grpc::ServerUnaryReactor* ScoreReview(grpc::CallbackServerContext* context,
                                        const omnibroker::v1::ScoreReviewRequest* request,
                                        omnibroker::v1::ScoreReviewResponse* response) override;
  grpc::ServerUnaryReactor* RecertifyAgent(grpc::CallbackServerContext* context,
                                           const omnibroker::v1::RecertifyAgentRequest* request,
                                           omnibroker::v1::AgentQuality* response) override;
  grpc::ServerUnaryReactor* GetClusterStatus(grpc::CallbackServerContext* context,
                                             const omnibroker::v1::GetClusterStatusRequest* request,
                                             omnibroker::v1::ClusterStatus* response) override;

 private:
  // When a call is answered: at once (it reads), or once what it wrote is durable (a change: an
  // answered change outlives a kill -9 or a power cut; met by a store write fault, it is answered
  // UNAVAILABLE at once, and may still be kept).
  enum class Answer { kAtOnce, kWhenDurable };

  // The caller, if they have at least the role `required` for the call `what`; else why not
  // (UNAUTHENTICATED, PERMISSION_DENIED).
  absl::StatusOr<auth::Caller> Authorized(grpc::CallbackServerContext& context, auth::Role required,
                                          std::string_view what);
  // Runs `work` for the caller's tenant on its partition's core thread and finishes the call with
  // the status it returns, when `answer` says, if the caller has at least the role `required`
  // for the call `what` (else PERMISSION_DENIED).
  grpc::ServerUnaryReactor* OnCore(
      grpc::CallbackServerContext* context, auth::Role required, std::string_view what,
      Answer answer, std::function<absl::Status(core::BrokerCore&, const std::string& tenant)> work);
  // The same, for work that needs to know who the caller is (an accountable act).
  grpc::ServerUnaryReactor* OnCoreAs(
      grpc::CallbackServerContext* context, auth::Role required, std::string_view what,
      Answer answer, std::function<absl::Status(core::BrokerCore&, const auth::Caller&)> work);
  // The same, for a call whose rule is not "this role or above": `allowed` says whether the
  // authenticated caller may make it (scoring: role quality alone).
  grpc::ServerUnaryReactor* OnCoreIf(
      grpc::CallbackServerContext* context, std::function<absl::Status(const auth::Caller&)> allowed,
      Answer answer, std::function<absl::Status(core::BrokerCore&, const auth::Caller&)> work);
  // Runs `work` on every partition's core thread (operator work across tenants), then `finish`
  // with the first error; the call is answered with `finish`'s status, when `answer` says.
  grpc::ServerUnaryReactor* OnEveryPartition(
      grpc::CallbackServerContext* context, auth::Role required, std::string_view what,
      Answer answer, std::function<absl::Status(core::BrokerCore&, int partition)> work,
      std::function<absl::Status(absl::Status)> finish);
  // Moves a result into the response; its status finishes the call.
  template <typename T>
  static absl::Status Fill(absl::StatusOr<T> result, T& response);

  // Puts a stored revocation in force and ends the streams it revokes.
  void Revoked(const omnibroker::v1::TokenRevocation& revocation);

  partitions::Partitions& partitions_;
  auth::CallAuthenticator& auth_;
  const std::function<void()> check_streams_;
};

}  // namespace omni::admin
