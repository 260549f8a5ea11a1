#include "broker/admin/admin_service.h"

#include "base/grpc_status.h"

namespace omni::admin {

grpc::ServerUnaryReactor* AdminService::OnCore(grpc::CallbackServerContext* context,
                                               std::function<absl::Status()> work) {
  auto* reactor = context->DefaultReactor();
  core_.Post([reactor, work = std::move(work)] { reactor->Finish(ToGrpcStatus(work())); });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::ListAgents(grpc::CallbackServerContext* context,
                                                   const omnibroker::v1::ListAgentsRequest*,
                                                   omnibroker::v1::ListAgentsResponse* response) {
  return OnCore(context, [this, response] {
    *response = core_.ListAgents();
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::UpsertAgent(grpc::CallbackServerContext* context,
                                                    const omnibroker::v1::UpsertAgentRequest* request,
                                                    omnibroker::v1::Agent* response) {
  return OnCore(context, [this, request, response] {
    *response = request->agent();
    return core_.UpsertAgent(request->agent());
  });
}

grpc::ServerUnaryReactor* AdminService::ListConversations(
    grpc::CallbackServerContext* context, const omnibroker::v1::ListConversationsRequest* request,
    omnibroker::v1::ListConversationsResponse* response) {
  return OnCore(context, [this, request, response] {
    *response = core_.ListConversations(*request);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::GetConversation(grpc::CallbackServerContext* context,
                                                        const omnibroker::v1::GetConversationRequest* request,
                                                        omnibroker::v1::Conversation* response) {
  return OnCore(context, [this, request, response] {
    auto c = core_.GetConversation(request->conversation_id());
    if (c.ok()) *response = std::move(c).value();
    return c.status();
  });
}

grpc::ServerUnaryReactor* AdminService::GetQueueSnapshot(grpc::CallbackServerContext* context,
                                                         const omnibroker::v1::GetQueueSnapshotRequest*,
                                                         omnibroker::v1::QueueSnapshot* response) {
  return OnCore(context, [this, response] {
    *response = core_.QueueSnapshot();
    return absl::OkStatus();
  });
}

}  // namespace omni::admin
