// The AgentConsole gRPC service (callback API): each Connect stream becomes an AgentSession of
// the broker core; requests are handed to the core, updates are written back in order.
#pragma once

#include "broker/core/broker_core.h"
#include "omnibroker/v1/agent_console.grpc.pb.h"

namespace omni::console {

// The metadata key that names the calling agent on unary calls.
inline constexpr char kAgentIdMetadata[] = "x-omni-agent-id";

class AgentConsoleService final : public omnibroker::v1::AgentConsole::CallbackService {
 public:
  explicit AgentConsoleService(core::BrokerCore& core) : core_(core) {}

  grpc::ServerBidiReactor<omnibroker::v1::AgentRequest, omnibroker::v1::AgentUpdate>* Connect(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* GetHistory(grpc::CallbackServerContext* context,
                                       const omnibroker::v1::GetHistoryRequest* request,
                                       omnibroker::v1::GetHistoryResponse* response) override;

 private:
  core::BrokerCore& core_;
};

}  // namespace omni::console
