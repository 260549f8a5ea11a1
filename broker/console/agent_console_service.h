// The AgentConsole gRPC service (callback API): each Connect stream becomes an AgentSession of
// the core of the agent's tenant's partition; requests are handed to it, updates are written back
// in order. At shutdown CloseStreams() ends every open stream with a status the console can show.
// Every call is authenticated (auth::CallAuthenticator) as it starts; on a stream, Login must name
// the token's agent and each request takes from the agent's rate budget. A stream lives no longer
// than its token: it ends with UNAUTHENTICATED once the token expires (checked at each request
// and, for a console that sends nothing, by the service's watch thread every
// kCredentialCheckInterval) or is revoked (CheckStreams, at once), nor longer than its tenant is
// served.
//
// Threads: gRPC's for the calls; one watch thread of its own, joined on destruction.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/metrics.h"
#include "broker/auth/call_auth.h"
#include "broker/core/broker_core.h"
#include "broker/partitions/partitions.h"
#include "omnibroker/v1/agent_console.grpc.pb.h"

namespace omni::console {

class AgentConsoleService final : public omnibroker::v1::AgentConsole::CallbackService {
 public:
  // `streams` counts the open Connect streams.
  // How late, at most, the watch ends the stream of a console that sends nothing once its token
  // has expired.
  static constexpr std::chrono::milliseconds kCredentialCheckInterval{500};

  // `streams` counts the open Connect streams. Starts the watch thread.
  AgentConsoleService(partitions::Partitions& partitions, auth::CallAuthenticator& auth,
                      Gauge& streams);
  ~AgentConsoleService() override;

  // Finishes every open stream with `status` (after the update being written, if any); streams
  // opened afterwards are finished at once. Thread-safe.
  void CloseStreams(const grpc::Status& status);
  // Ends every open stream whose token has expired or been revoked, with UNAUTHENTICATED saying
  // which, or whose tenant is no longer served (Admin removed it), with NOT_FOUND. Thread-safe;
  // the watch thread calls it, and whoever revokes tokens or removes a tenant after they did.
  void CheckStreams();

  grpc::ServerBidiReactor<omnibroker::v1::AgentRequest, omnibroker::v1::AgentUpdate>* Connect(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* GetHistory(grpc::CallbackServerContext* context,
                                       const omnibroker::v1::GetHistoryRequest* request,
                                       omnibroker::v1::GetHistoryResponse* response) override;

  // One open Connect stream, as CloseStreams and CheckStreams reach it.
  class OpenStream {
   public:
    virtual ~OpenStream() = default;
    virtual void Close(const grpc::Status& status) = 0;
    // Ends the stream if its caller's token is no longer valid or its tenant no longer served;
    // true when it is ending for that.
    virtual bool EndIfCredentialsLapsed() = 0;
  };
  // Whether `core` still serves `tenant` (a stream's tenant removed by Admin: it is not).
  bool Serves(std::string_view tenant, const core::BrokerCore& core) const;
  // Called by each stream when it starts and from its OnDone.
  void Opened(OpenStream* stream);
  void Ended(OpenStream* stream);

 private:
  partitions::Partitions& partitions_;
  auth::CallAuthenticator& auth_;
  Gauge& streams_;
  // Recursive: a stream's OnDone (Ended) may run inline from the Finish that Close calls.
  std::recursive_mutex mu_;
  std::set<OpenStream*> open_;
  std::optional<grpc::Status> closed_;  // set by CloseStreams

  // Runs CheckStreams every kCredentialCheckInterval until stopping_.
  void Watch();
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool stopping_ = false;  // guarded by watch_mu_
  std::thread watch_;      // last: started once everything above is constructed
};

}  // namespace omni::console
