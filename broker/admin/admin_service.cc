#include "broker/admin/admin_service.h"

#include "base/grpc_status.h"
#include "base/status_macros.h"

namespace omni::admin {

using auth::Role;

grpc::ServerUnaryReactor* AdminService::OnCore(grpc::CallbackServerContext* context, Role required,
                                               std::string_view what, Answer answer,
                                               std::function<absl::Status(const std::string&)> work) {
  return OnCoreAs(context, required, what, answer, [work = std::move(work)](const auth::Caller& caller) {
    OMNI_RETURN_IF_ERROR(auth::RequireTenant(caller));
    return work(caller.tenant);
  });
}

grpc::ServerUnaryReactor* AdminService::OnCoreAs(
    grpc::CallbackServerContext* context, Role required, std::string_view what, Answer answer,
    std::function<absl::Status(const auth::Caller&)> work) {
  auto* reactor = context->DefaultReactor();
  auto caller = auth_.Authenticate(*context);
  absl::Status allowed = caller.ok() ? auth_.Require(*caller, required, what) : caller.status();
  if (!allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  core_.Post([this, reactor, answer, work = std::move(work), caller = *std::move(caller)] {
    const absl::Status done = work(caller);
    if (!done.ok() || answer == Answer::kAtOnce) return reactor->Finish(ToGrpcStatus(done));
    core_.WhenDurable([reactor](absl::Status durable) { reactor->Finish(ToGrpcStatus(durable)); });
  });
  return reactor;
}

namespace {

// Who asked, for the audit trail and provenance: the token's agent, whatever the request says.
// Only in dev mode (no tokens, loopback or `insecure: true`) is there nothing better than the
// request's own word.
template <typename Request>
Request Accountable(Request request, const auth::Caller& caller) {
  if (caller.verified) request.set_requested_by(caller.agent_id);
  return request;
}

}  // namespace

template <typename T>
absl::Status AdminService::Fill(absl::StatusOr<T> result, T& response) {
  if (result.ok()) response = *std::move(result);
  return result.status();
}

grpc::ServerUnaryReactor* AdminService::ListAgents(grpc::CallbackServerContext* context,
                                                   const omnibroker::v1::ListAgentsRequest*,
                                                   omnibroker::v1::ListAgentsResponse* response) {
  return OnCore(context, Role::kSupervisor, "Admin.ListAgents", Answer::kAtOnce,
                [this, response](const std::string& tenant) { return Fill(core_.ListAgents(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::UpsertAgent(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::UpsertAgentRequest* request,
                                                    omnibroker::v1::Agent* response) {
  return OnCore(context, Role::kAdmin, "Admin.UpsertAgent", Answer::kWhenDurable,
                [this, request, response](const std::string& tenant) {
                  *response = request->agent();
                  response->set_tenant(tenant);
                  return core_.UpsertAgent(tenant, request->agent());
                });
}

grpc::ServerUnaryReactor* AdminService::ListConversations(
    grpc::CallbackServerContext* context, const omnibroker::v1::ListConversationsRequest* request,
    omnibroker::v1::ListConversationsResponse* response) {
  return OnCore(context, Role::kSupervisor, "Admin.ListConversations", Answer::kAtOnce,
                [this, request, response](const std::string& tenant) {
                  return Fill(core_.ListConversations(tenant, *request), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetConversation(grpc::CallbackServerContext* context,
                                                        const omnibroker::v1::GetConversationRequest* request,
                                                        omnibroker::v1::Conversation* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetConversation", Answer::kAtOnce,
                [this, request, response](const std::string& tenant) {
                  return Fill(core_.GetConversation(tenant, request->conversation_id()), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetQueueSnapshot(grpc::CallbackServerContext* context,
                                                         const omnibroker::v1::GetQueueSnapshotRequest*,
                                                         omnibroker::v1::QueueSnapshot* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetQueueSnapshot", Answer::kAtOnce,
                [this, response](const std::string& tenant) { return Fill(core_.QueueSnapshot(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::GetFloorStats(grpc::CallbackServerContext* context,
                                                      const omnibroker::v1::GetFloorStatsRequest*,
                                                      omnibroker::v1::FloorStats* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetFloorStats", Answer::kAtOnce,
                [this, response](const std::string& tenant) { return Fill(core_.FloorStats(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::ExplainRouting(grpc::CallbackServerContext* context,
                                                       const omnibroker::v1::ExplainRoutingRequest* request,
                                                       omnibroker::v1::RoutingExplanation* response) {
  return OnCore(context, Role::kSupervisor, "Admin.ExplainRouting", Answer::kAtOnce,
                [this, request, response](const std::string& tenant) {
                  return Fill(core_.ExplainRouting(tenant, request->conversation_id()), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetRoutingPolicy(grpc::CallbackServerContext* context,
                                                         const omnibroker::v1::GetRoutingPolicyRequest*,
                                                         omnibroker::v1::RoutingPolicy* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetRoutingPolicy", Answer::kAtOnce,
                [this, response](const std::string& tenant) { return Fill(core_.RoutingPolicy(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::SetRoutingPolicy(grpc::CallbackServerContext* context,
                                                         const omnibroker::v1::SetRoutingPolicyRequest* request,
                                                         omnibroker::v1::RoutingPolicy* response) {
  return OnCore(context, Role::kAdmin, "Admin.SetRoutingPolicy", Answer::kWhenDurable,
                [this, request, response](const std::string& tenant) {
                  return Fill(core_.SetRoutingPolicy(tenant, *request), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetCustomerHistory(grpc::CallbackServerContext* context,
                                                           const omnibroker::v1::GetCustomerHistoryRequest* request,
                                                           omnibroker::v1::GetHistoryResponse* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetCustomerHistory", Answer::kAtOnce,
                [this, request, response](const std::string& tenant) {
    return Fill(core_.CustomerHistory(tenant, request->customer_id(), request->page_size(), request->page_token(),
                                      request->newest_first()),
                *response);
  });
}

grpc::ServerUnaryReactor* AdminService::Backup(grpc::CallbackServerContext* context,
                                               const omnibroker::v1::BackupRequest* request,
                                               omnibroker::v1::BackupResult* response) {
  // Every tenant's data: the platform operator's.
  return OnCoreAs(context, Role::kOperator, "Admin.Backup", Answer::kAtOnce,
                  [this, request, response](const auth::Caller&) {
                  return Fill(core_.Backup(request->target_dir()), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetCustomer(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::GetCustomerRequest* request,
                                                    omnibroker::v1::Customer* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetCustomer", Answer::kAtOnce,
                [this, request, response](const std::string& tenant) {
                  return Fill(core_.CustomerRecord(tenant, request->customer_id()), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::MergeCustomers(grpc::CallbackServerContext* context,
                                                       const omnibroker::v1::MergeCustomersRequest* request,
                                                       omnibroker::v1::Customer* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.MergeCustomers", Answer::kWhenDurable,
                  [this, request, response](const auth::Caller& caller) {
                    return Fill(core_.MergeCustomers(caller.tenant, Accountable(*request, caller)), *response);
                  });
}

grpc::ServerUnaryReactor* AdminService::UnmergeCustomer(grpc::CallbackServerContext* context,
                                                        const omnibroker::v1::UnmergeCustomerRequest* request,
                                                        omnibroker::v1::Customer* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.UnmergeCustomer", Answer::kWhenDurable,
                  [this, request, response](const auth::Caller& caller) {
                    return Fill(core_.UnmergeCustomer(caller.tenant, Accountable(*request, caller)), *response);
                  });
}

grpc::ServerUnaryReactor* AdminService::EraseCustomer(grpc::CallbackServerContext* context,
                                                      const omnibroker::v1::EraseCustomerRequest* request,
                                                      omnibroker::v1::AuditRecord* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.EraseCustomer", Answer::kWhenDurable,
                  [this, request, response](const auth::Caller& caller) {
                    return Fill(core_.EraseCustomer(caller.tenant, Accountable(*request, caller)), *response);
                  });
}

grpc::ServerUnaryReactor* AdminService::SweepRetention(grpc::CallbackServerContext* context,
                                                       const omnibroker::v1::SweepRetentionRequest*,
                                                       omnibroker::v1::RetentionResult* response) {
  // Every tenant's events, each by its own retention: the platform operator's.
  return OnCoreAs(context, Role::kOperator, "Admin.SweepRetention", Answer::kWhenDurable,
                  [this, response](const auth::Caller&) { return Fill(core_.SweepRetention(100'000), *response); });
}

grpc::ServerUnaryReactor* AdminService::ListAudit(grpc::CallbackServerContext* context,
                                                  const omnibroker::v1::ListAuditRequest* request,
                                                  omnibroker::v1::ListAuditResponse* response) {
  return OnCore(context, Role::kAdmin, "Admin.ListAudit", Answer::kAtOnce,
                [this, request, response](const std::string& tenant) {
                  return Fill(core_.ListAudit(tenant, request->limit()), *response);
                });
}

void AdminService::Revoked(const omnibroker::v1::TokenRevocation& revocation) {
  auth_.Revoke(revocation);
  tokens_revoked_();
}

grpc::ServerUnaryReactor* AdminService::RevokeTokens(grpc::CallbackServerContext* context,
                                                     const omnibroker::v1::RevokeTokensRequest* request,
                                                     omnibroker::v1::TokenRevocation* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.RevokeTokens", Answer::kWhenDurable,
                  [this, request, response](const auth::Caller& caller) -> absl::Status {
                    const auto accountable = Accountable(*request, caller);
                    OMNI_ASSIGN_OR_RETURN(omnibroker::v1::TokenRevocation revocation,
                                          auth_.NewRevocation(accountable.token_id(), accountable.agent_id(), caller.tenant));
                    revocation.set_requested_by(accountable.requested_by());
                    revocation.set_reason(accountable.reason());
                    OMNI_ASSIGN_OR_RETURN(*response, core_.RevokeTokens(std::move(revocation)));
                    Revoked(*response);
                    return absl::OkStatus();
                  });
}

grpc::ServerUnaryReactor* AdminService::ListRevocations(grpc::CallbackServerContext* context,
                                                        const omnibroker::v1::ListRevocationsRequest*,
                                                        omnibroker::v1::ListRevocationsResponse* response) {
  return OnCore(context, Role::kAdmin, "Admin.ListRevocations", Answer::kAtOnce,
                [this, response](const std::string& tenant) { return Fill(core_.Revocations(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::RemoveAgent(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::RemoveAgentRequest* request,
                                                    omnibroker::v1::AuditRecord* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.RemoveAgent", Answer::kWhenDurable,
                  [this, request, response](const auth::Caller& caller) -> absl::Status {
                    if (request->agent_id().empty()) {
                      return absl::InvalidArgumentError("agent_id: the agent to remove");
                    }
                    const auto accountable = Accountable(*request, caller);
                    OMNI_ASSIGN_OR_RETURN(omnibroker::v1::TokenRevocation revocation,
                                          auth_.NewRevocation("", accountable.agent_id(), caller.tenant));
                    revocation.set_requested_by(accountable.requested_by());
                    revocation.set_reason(accountable.reason());
                    OMNI_ASSIGN_OR_RETURN(*response, core_.RemoveAgent(caller.tenant, accountable, revocation));
                    Revoked(revocation);
                    return absl::OkStatus();
                  });
}

grpc::ServerUnaryReactor* AdminService::UpdateCustomer(grpc::CallbackServerContext* context,
                                                       const omnibroker::v1::UpdateCustomerRequest* request,
                                                       omnibroker::v1::Customer* response) {
  return OnCore(context, Role::kAdmin, "Admin.UpdateCustomer", Answer::kWhenDurable,
                [this, request, response](const std::string& tenant) {
                  return Fill(core_.UpdateCustomer(tenant, *request), *response);
                });
}

}  // namespace omni::admin
