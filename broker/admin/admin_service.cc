#include "broker/admin/admin_service.h"

#include <filesystem>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "base/grpc_status.h"
#include "base/status_macros.h"

namespace omni::admin {

using auth::Role;

grpc::ServerUnaryReactor* AdminService::OnCore(
    grpc::CallbackServerContext* context, Role required, std::string_view what, Answer answer,
    std::function<absl::Status(core::BrokerCore&, const std::string&)> work) {
  return OnCoreAs(context, required, what, answer,
                  [work = std::move(work)](core::BrokerCore& core, const auth::Caller& caller) {
                    OMNI_RETURN_IF_ERROR(auth::RequireTenant(caller));
                    return work(core, caller.tenant);
                  });
}

namespace {

// Finishes the call with `done`, or once everything `core` wrote is durable.
void FinishCall(core::BrokerCore& core, grpc::ServerUnaryReactor* reactor, absl::Status done,
            bool when_durable) {
  if (!done.ok() || !when_durable) return reactor->Finish(ToGrpcStatus(done));
  core.WhenDurable([reactor](absl::Status durable) { reactor->Finish(ToGrpcStatus(durable)); });
}

}  // namespace

absl::StatusOr<auth::Caller> AdminService::Authorized(grpc::CallbackServerContext& context,
                                                      Role required, std::string_view what) {
  auto caller = auth_.Authenticate(context);
  if (!caller.ok()) return caller.status();
  OMNI_RETURN_IF_ERROR(auth_.Require(*caller, required, what));
  return caller;
}

grpc::ServerUnaryReactor* AdminService::OnCoreAs(
    grpc::CallbackServerContext* context, Role required, std::string_view what, Answer answer,
    std::function<absl::Status(core::BrokerCore&, const auth::Caller&)> work) {
  return OnCoreIf(
      context, [this, required, what](const auth::Caller& caller) { return auth_.Require(caller, required, what); },
      answer, std::move(work));
}

grpc::ServerUnaryReactor* AdminService::OnCoreIf(
    grpc::CallbackServerContext* context, std::function<absl::Status(const auth::Caller&)> allowed, Answer answer,
    std::function<absl::Status(core::BrokerCore&, const auth::Caller&)> work) {
  auto* reactor = context->DefaultReactor();
  auto caller = auth_.Authenticate(*context);
  if (caller.ok()) {
    if (absl::Status may = allowed(*caller); !may.ok()) caller = may;
  }
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  core::BrokerCore* core = partitions_.ForTenant(caller->tenant);
  if (core == nullptr) {
    // The same answer as for an object that does not exist: a tenant no partition serves.
    const absl::Status none = caller->tenant.empty()
                                  ? auth::RequireTenant(*caller)
                                  : absl::NotFoundError(absl::StrCat("tenant '", caller->tenant,
                                                                     "' is not served by this broker"));
    reactor->Finish(ToGrpcStatus(none));
    return reactor;
  }
  core->Post([core, reactor, answer, work = std::move(work), caller = *caller] {
    FinishCall(*core, reactor, work(*core, caller), answer == Answer::kWhenDurable);
  });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::OnEveryPartition(
    grpc::CallbackServerContext* context, Role required, std::string_view what, Answer answer,
    std::function<absl::Status(core::BrokerCore&, int)> work,
    std::function<absl::Status(absl::Status)> finish) {
  auto* reactor = context->DefaultReactor();
  const auto caller = Authorized(*context, required, what);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  partitions_.OnEveryCore(
      std::move(work), [this, reactor, answer, finish = std::move(finish)](absl::Status done) {
        done = finish(done);
        if (!done.ok() || answer == Answer::kAtOnce) return reactor->Finish(ToGrpcStatus(done));
        partitions_.WhenEveryCoreDurable(
            [reactor](absl::Status durable) { reactor->Finish(ToGrpcStatus(durable)); });
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
                [this, response](core::BrokerCore& core, const std::string& tenant) { return Fill(core.ListAgents(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::UpsertAgent(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::UpsertAgentRequest* request,
                                                    omnibroker::v1::Agent* response) {
  return OnCore(context, Role::kAdmin, "Admin.UpsertAgent", Answer::kWhenDurable,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
                  *response = request->agent();
                  response->set_tenant(tenant);
                  return core.UpsertAgent(tenant, request->agent());
                });
}

grpc::ServerUnaryReactor* AdminService::ListConversations(
    grpc::CallbackServerContext* context, const omnibroker::v1::ListConversationsRequest* request,
    omnibroker::v1::ListConversationsResponse* response) {
  return OnCore(context, Role::kSupervisor, "Admin.ListConversations", Answer::kAtOnce,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
                  return Fill(core.ListConversations(tenant, *request), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetConversation(grpc::CallbackServerContext* context,
                                                        const omnibroker::v1::GetConversationRequest* request,
                                                        omnibroker::v1::Conversation* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetConversation", Answer::kAtOnce,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
                  return Fill(core.GetConversation(tenant, request->conversation_id()), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetQueueSnapshot(grpc::CallbackServerContext* context,
                                                         const omnibroker::v1::GetQueueSnapshotRequest*,
                                                         omnibroker::v1::QueueSnapshot* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetQueueSnapshot", Answer::kAtOnce,
                [this, response](core::BrokerCore& core, const std::string& tenant) { return Fill(core.QueueSnapshot(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::GetFloorStats(grpc::CallbackServerContext* context,
                                                      const omnibroker::v1::GetFloorStatsRequest*,
                                                      omnibroker::v1::FloorStats* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetFloorStats", Answer::kAtOnce,
                [this, response](core::BrokerCore& core, const std::string& tenant) { return Fill(core.FloorStats(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::ExplainRouting(grpc::CallbackServerContext* context,
                                                       const omnibroker::v1::ExplainRoutingRequest* request,
                                                       omnibroker::v1::RoutingExplanation* response) {
  return OnCore(context, Role::kSupervisor, "Admin.ExplainRouting", Answer::kAtOnce,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
                  return Fill(core.ExplainRouting(tenant, request->conversation_id()), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetRoutingPolicy(grpc::CallbackServerContext* context,
                                                         const omnibroker::v1::GetRoutingPolicyRequest*,
                                                         omnibroker::v1::RoutingPolicy* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetRoutingPolicy", Answer::kAtOnce,
                [this, response](core::BrokerCore& core, const std::string& tenant) { return Fill(core.RoutingPolicy(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::SetRoutingPolicy(grpc::CallbackServerContext* context,
                                                         const omnibroker::v1::SetRoutingPolicyRequest* request,
                                                         omnibroker::v1::RoutingPolicy* response) {
  return OnCore(context, Role::kAdmin, "Admin.SetRoutingPolicy", Answer::kWhenDurable,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
                  return Fill(core.SetRoutingPolicy(tenant, *request), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetCustomerHistory(grpc::CallbackServerContext* context,
                                                           const omnibroker::v1::GetCustomerHistoryRequest* request,
                                                           omnibroker::v1::GetHistoryResponse* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetCustomerHistory", Answer::kAtOnce,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
    return Fill(core.CustomerHistory(tenant, request->customer_id(), request->page_size(), request->page_token(),
                                      request->newest_first()),
                *response);
  });
}

grpc::ServerUnaryReactor* AdminService::Backup(grpc::CallbackServerContext* context,
                                               const omnibroker::v1::BackupRequest* request,
                                               omnibroker::v1::BackupResult* response) {
  // Every tenant's data, a partition at a time into <target_dir>/partitions/<n>: the layout of a
  // data directory, so restoring is starting a broker on a copy of it. The platform operator's.
  const std::filesystem::path target = request->target_dir();
  auto copies = std::make_shared<std::pair<std::mutex, std::map<int, omnibroker::v1::BackupResult>>>();
  return OnEveryPartition(
      context, Role::kOperator, "Admin.Backup", Answer::kAtOnce,
      [target, copies](core::BrokerCore& core, int index) -> absl::Status {
        if (!target.is_absolute()) {
          return absl::InvalidArgumentError("target_dir: an absolute path on the broker's host");
        }
        const auto dir = partitions::Partitions::Dir(target, index);
        std::error_code error;
        std::filesystem::create_directories(dir.parent_path(), error);
        OMNI_ASSIGN_OR_RETURN(auto copy, core.Backup(dir.string()));
        std::lock_guard lock(copies->first);
        copies->second[index] = std::move(copy);
        return absl::OkStatus();
      },
      [target, copies, response](absl::Status done) {
        if (!done.ok()) return done;
        response->set_target_dir(target.string());
        for (const auto& [index, copy] : copies->second) {
          auto& partition = *response->add_partitions();
          partition.set_partition(index);
          partition.set_target_dir(copy.target_dir());
          partition.set_sequence(copy.sequence());
          if (copies->second.size() == 1) response->set_sequence(copy.sequence());
        }
        return done;
      });
}

grpc::ServerUnaryReactor* AdminService::GetCustomer(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::GetCustomerRequest* request,
                                                    omnibroker::v1::Customer* response) {
  return OnCore(context, Role::kSupervisor, "Admin.GetCustomer", Answer::kAtOnce,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
                  return Fill(core.CustomerRecord(tenant, request->customer_id()), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::MergeCustomers(grpc::CallbackServerContext* context,
                                                       const omnibroker::v1::MergeCustomersRequest* request,
                                                       omnibroker::v1::Customer* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.MergeCustomers", Answer::kWhenDurable,
                  [this, request, response](core::BrokerCore& core, const auth::Caller& caller) {
                    return Fill(core.MergeCustomers(caller.tenant, Accountable(*request, caller)), *response);
                  });
}

grpc::ServerUnaryReactor* AdminService::UnmergeCustomer(grpc::CallbackServerContext* context,
                                                        const omnibroker::v1::UnmergeCustomerRequest* request,
                                                        omnibroker::v1::Customer* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.UnmergeCustomer", Answer::kWhenDurable,
                  [this, request, response](core::BrokerCore& core, const auth::Caller& caller) {
                    return Fill(core.UnmergeCustomer(caller.tenant, Accountable(*request, caller)), *response);
                  });
}

grpc::ServerUnaryReactor* AdminService::EraseCustomer(grpc::CallbackServerContext* context,
                                                      const omnibroker::v1::EraseCustomerRequest* request,
                                                      omnibroker::v1::AuditRecord* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.EraseCustomer", Answer::kWhenDurable,
                  [this, request, response](core::BrokerCore& core, const auth::Caller& caller) {
                    return Fill(core.EraseCustomer(caller.tenant, Accountable(*request, caller)), *response);
                  });
}

grpc::ServerUnaryReactor* AdminService::SweepRetention(grpc::CallbackServerContext* context,
                                                       const omnibroker::v1::SweepRetentionRequest*,
                                                       omnibroker::v1::RetentionResult* response) {
  // Every tenant's events, each by its own retention, partition by partition: the platform
  // operator's.
  auto sums = std::make_shared<std::pair<std::mutex, omnibroker::v1::RetentionResult>>();
  return OnEveryPartition(
      context, Role::kOperator, "Admin.SweepRetention", Answer::kWhenDurable,
      [sums](core::BrokerCore& core, int) -> absl::Status {
        OMNI_ASSIGN_OR_RETURN(const auto swept, core.SweepRetention(100'000));
        std::lock_guard lock(sums->first);
        auto& sum = sums->second;
        sum.set_events_deleted(sum.events_deleted() + swept.events_deleted());
        sum.set_attachments_purged(sum.attachments_purged() + swept.attachments_purged());
        sum.set_revocations_dropped(sum.revocations_dropped() + swept.revocations_dropped());
        sum.set_more(sum.more() || swept.more());
        return absl::OkStatus();
      },
      [sums, response](absl::Status done) {
        if (done.ok()) *response = sums->second;
        return done;
      });
}

grpc::ServerUnaryReactor* AdminService::ListAudit(grpc::CallbackServerContext* context,
                                                  const omnibroker::v1::ListAuditRequest* request,
                                                  omnibroker::v1::ListAuditResponse* response) {
  return OnCore(context, Role::kAdmin, "Admin.ListAudit", Answer::kAtOnce,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
                  return Fill(core.ListAudit(tenant, request->limit()), *response);
                });
}

void AdminService::Revoked(const omnibroker::v1::TokenRevocation& revocation) {
  auth_.Revoke(revocation);
  check_streams_();
}

grpc::ServerUnaryReactor* AdminService::RevokeTokens(grpc::CallbackServerContext* context,
                                                     const omnibroker::v1::RevokeTokensRequest* request,
                                                     omnibroker::v1::TokenRevocation* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.RevokeTokens", Answer::kWhenDurable,
                  [this, request, response](core::BrokerCore& core, const auth::Caller& caller) -> absl::Status {
                    const auto accountable = Accountable(*request, caller);
                    OMNI_ASSIGN_OR_RETURN(omnibroker::v1::TokenRevocation revocation,
                                          auth_.NewRevocation(accountable.token_id(), accountable.agent_id(), caller.tenant));
                    revocation.set_requested_by(accountable.requested_by());
                    revocation.set_reason(accountable.reason());
                    OMNI_ASSIGN_OR_RETURN(*response, core.RevokeTokens(std::move(revocation)));
                    Revoked(*response);
                    return absl::OkStatus();
                  });
}

grpc::ServerUnaryReactor* AdminService::ListRevocations(grpc::CallbackServerContext* context,
                                                        const omnibroker::v1::ListRevocationsRequest*,
                                                        omnibroker::v1::ListRevocationsResponse* response) {
  return OnCore(context, Role::kAdmin, "Admin.ListRevocations", Answer::kAtOnce,
                [this, response](core::BrokerCore& core, const std::string& tenant) { return Fill(core.Revocations(tenant), *response); });
}

grpc::ServerUnaryReactor* AdminService::RemoveAgent(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::RemoveAgentRequest* request,
                                                    omnibroker::v1::AuditRecord* response) {
  return OnCoreAs(context, Role::kAdmin, "Admin.RemoveAgent", Answer::kWhenDurable,
                  [this, request, response](core::BrokerCore& core, const auth::Caller& caller) -> absl::Status {
                    if (request->agent_id().empty()) {
                      return absl::InvalidArgumentError("agent_id: the agent to remove");
                    }
                    const auto accountable = Accountable(*request, caller);
                    OMNI_ASSIGN_OR_RETURN(omnibroker::v1::TokenRevocation revocation,
                                          auth_.NewRevocation("", accountable.agent_id(), caller.tenant));
                    revocation.set_requested_by(accountable.requested_by());
                    revocation.set_reason(accountable.reason());
                    OMNI_ASSIGN_OR_RETURN(*response, core.RemoveAgent(caller.tenant, accountable, revocation));
                    Revoked(revocation);
                    return absl::OkStatus();
                  });
}

grpc::ServerUnaryReactor* AdminService::UpdateCustomer(grpc::CallbackServerContext* context,
                                                       const omnibroker::v1::UpdateCustomerRequest* request,
                                                       omnibroker::v1::Customer* response) {
  return OnCore(context, Role::kAdmin, "Admin.UpdateCustomer", Answer::kWhenDurable,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
                  return Fill(core.UpdateCustomer(tenant, *request), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::ListReviews(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::ListReviewsRequest* request,
                                                    omnibroker::v1::ListReviewsResponse* response) {
  return OnCore(context, Role::kQuality, "Admin.ListReviews", Answer::kAtOnce,
                [this, request, response](core::BrokerCore& core, const std::string& tenant) {
                  return Fill(core.ListReviews(tenant, *request), *response);
                });
}

grpc::ServerUnaryReactor* AdminService::GetReview(grpc::CallbackServerContext* context,
                                                  const omnibroker::v1::GetReviewRequest* request,
                                                  omnibroker::v1::ReviewDetail* response) {
  return OnCoreAs(context, Role::kQuality, "Admin.GetReview", Answer::kAtOnce,
                  [this, request, response](core::BrokerCore& core, const auth::Caller& caller) {
                    // A reviewer reads the review's history as one; dev mode's callers are trusted.
                    const core::HistoryReader reader = !caller.verified || caller.role >= Role::kSupervisor
                                                           ? core::HistoryReader::kSupervisor
                                                           : core::HistoryReader::kReviewer;
                    return Fill(core.GetReview(caller.tenant, caller.agent_id, reader, *request), *response);
                  });
}

grpc::ServerUnaryReactor* AdminService::ScoreReview(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::ScoreReviewRequest* request,
                                                    omnibroker::v1::ScoreReviewResponse* response) {
  return OnCoreIf(
      context,
      [this](const auth::Caller& caller) { return auth_.RequireExactly(caller, Role::kQuality, "Admin.ScoreReview"); },
      Answer::kWhenDurable, [this, request, response](core::BrokerCore& core, const auth::Caller& caller) {
        return Fill(core.ScoreReview(caller.tenant, Accountable(*request, caller)), *response);
      });
}

grpc::ServerUnaryReactor* AdminService::RecertifyAgent(grpc::CallbackServerContext* context,
                                                       const omnibroker::v1::RecertifyAgentRequest* request,
                                                       omnibroker::v1::AgentQuality* response) {
  return OnCoreAs(context, Role::kSupervisor, "Admin.RecertifyAgent", Answer::kWhenDurable,
                  [this, request, response](core::BrokerCore& core, const auth::Caller& caller) {
                    return Fill(core.RecertifyAgent(caller.tenant, Accountable(*request, caller)), *response);
                  });
}

// Tenant changes block this callback thread until they are durable (a partition may be opened
// and recovered first): rare operator acts, short, and with nothing else of the call to wait on.
// Done off the core threads, which they wait for.
grpc::ServerUnaryReactor* AdminService::ListTenants(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::ListTenantsRequest*,
                                                    omnibroker::v1::ListTenantsResponse* response) {
  auto* reactor = context->DefaultReactor();
  const auto caller = Authorized(*context, Role::kOperator, "Admin.ListTenants");
  reactor->Finish(ToGrpcStatus(caller.ok() ? Fill(partitions_.ListTenants(), *response)
                                           : caller.status()));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::GetClusterStatus(
    grpc::CallbackServerContext* context, const omnibroker::v1::GetClusterStatusRequest*,
    omnibroker::v1::ClusterStatus* response) {
  auto* reactor = context->DefaultReactor();
  const auto caller = Authorized(*context, Role::kOperator, "Admin.GetClusterStatus");
  if (caller.ok()) *response = partitions_.ClusterStatus();
  reactor->Finish(ToGrpcStatus(caller.status()));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::AddTenant(grpc::CallbackServerContext* context,
                                                  const omnibroker::v1::AddTenantRequest* request,
                                                  omnibroker::v1::AuditRecord* response) {
  auto* reactor = context->DefaultReactor();
  const auto caller = Authorized(*context, Role::kOperator, "Admin.AddTenant");
  reactor->Finish(ToGrpcStatus(
      caller.ok() ? Fill(partitions_.AddTenant(Accountable(*request, *caller)), *response)
                  : caller.status()));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::RemoveTenant(
    grpc::CallbackServerContext* context, const omnibroker::v1::RemoveTenantRequest* request,
    omnibroker::v1::AuditRecord* response) {
  auto* reactor = context->DefaultReactor();
  const auto caller = Authorized(*context, Role::kOperator, "Admin.RemoveTenant");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const absl::Status removed =
      Fill(partitions_.RemoveTenant(Accountable(*request, *caller)), *response);
  check_streams_();  // its agents' streams end
  reactor->Finish(ToGrpcStatus(removed));
  return reactor;
}

}  // namespace omni::admin
