// The AgentConsole gRPC service (callback API): each Connect stream becomes an AgentSession of
// the broker core; requests are handed to the core, updates are written back in order. At
// shutdown CloseStreams() ends every open stream with a status the console can show.
// Every call is authenticated (auth::CallAuthenticator) as it starts; on a stream, Login must name
// the token's agent, an expired token ends the stream, and each request takes from the agent's
// rate budget.
#pragma once

#include <mutex>
#include <optional>
#include <set>

#include "base/metrics.h"
#include "broker/auth/call_auth.h"
#include "broker/core/broker_core.h"
#include "omnibroker/v1/agent_console.grpc.pb.h"

namespace omni::console {

class AgentConsoleService final : public omnibroker::v1::AgentConsole::CallbackService {
 public:
  // `streams` counts the open Connect streams.
  AgentConsoleService(core::BrokerCore& core, auth::CallAuthenticator& auth, Gauge& streams)
      : core_(core), auth_(auth), streams_(streams) {}

  // Finishes every open stream with `status` (after the update being written, if any); streams
  // opened afterwards are finished at once. Thread-safe.
  void CloseStreams(const grpc::Status& status);

  grpc::ServerBidiReactor<omnibroker::v1::AgentRequest, omnibroker::v1::AgentUpdate>* Connect(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* GetHistory(grpc::CallbackServerContext* context,
                                       const omnibroker::v1::GetHistoryRequest* request,
                                       omnibroker::v1::GetHistoryResponse* response) override;

  // One open Connect stream, as CloseStreams reaches it.
  class OpenStream {
   public:
    virtual ~OpenStream() = default;
    virtual void Close(const grpc::Status& status) = 0;
  };
  // Called by each stream when it starts and from its OnDone.
  void Opened(OpenStream* stream);
  void Ended(OpenStream* stream);

 private:
  core::BrokerCore& core_;
  auth::CallAuthenticator& auth_;
  Gauge& streams_;
  // Recursive: a stream's OnDone (Ended) may run inline from the Finish that Close calls.
  std::recursive_mutex mu_;
  std::set<OpenStream*> open_;
  std::optional<grpc::Status> closed_;  // set by CloseStreams
};

}  // namespace omni::console
