#include "broker/console/agent_console_service.h"

#include <deque>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "base/grpc_status.h"

namespace omni::console {
namespace {

using omnibroker::v1::AgentRequest;
using omnibroker::v1::AgentUpdate;

// Why a call for `tenant` cannot be served here: in a cluster, when another broker leads its
// partition, UNAVAILABLE with that broker's address in the trailing metadata (the agent SDK
// calls there); else NOT_FOUND.
absl::Status NotServed(const partitions::Partitions& partitions, const std::string& tenant,
                       grpc::CallbackServerContext& context) {
  if (auto leader = partitions.LeaderElsewhere(tenant)) {
    if (leader->grpc_address().empty()) {
      return absl::UnavailableError(absl::StrCat(
          "tenant '", tenant, "' is moving to another broker of the cluster; try again"));
    }
    context.AddTrailingMetadata(auth::kLeaderMetadata, leader->grpc_address());
    return absl::UnavailableError(absl::StrCat("tenant '", tenant, "' is led by broker '",
                                               leader->broker(), "' at ",
                                               leader->grpc_address()));
  }
  return absl::NotFoundError(absl::StrCat("tenant '", tenant, "' is not served by this broker"));
}

class AgentStream;

// What the core holds for a stream: a queue of updates, written one at a time (the callback API
// allows one outstanding write). Outlives the stream; after the stream is done, Send drops.
class StreamSession : public core::AgentSession {
 public:
  explicit StreamSession(grpc::ServerBidiReactor<AgentRequest, AgentUpdate>* stream) : stream_(stream) {}

  void Send(AgentUpdate update) override {
    std::lock_guard lock(mu_);
    if (stream_ == nullptr || finishing_) return;
    queue_.push_back(std::move(update));
    if (!writing_) {
      writing_ = true;
      stream_->StartWrite(&queue_.front());
    }
  }

  void WriteDone(bool ok) {
    std::lock_guard lock(mu_);
    queue_.pop_front();
    if (!ok) queue_.clear();  // the client is gone; the read side finishes the stream
    if (!queue_.empty() && !finishing_) {
      stream_->StartWrite(&queue_.front());
      return;
    }
    writing_ = false;
    if (finishing_) FinishLocked();
  }

  // Ends the stream with `status` once the write in progress (if any) is done.
  void Finish(const grpc::Status& status = grpc::Status::OK) {
    std::lock_guard lock(mu_);
    if (finishing_) return;
    finishing_ = true;
    status_ = status;
    if (!writing_) FinishLocked();
  }

  void Detach() {
    std::lock_guard lock(mu_);
    stream_ = nullptr;
  }

 private:
  void FinishLocked() {
    if (finished_ || stream_ == nullptr) return;
    finished_ = true;
    stream_->Finish(status_);
  }

  // Recursive: gRPC may run a reaction inline from StartWrite.
  std::recursive_mutex mu_;
  grpc::ServerBidiReactor<AgentRequest, AgentUpdate>* stream_;
  std::deque<AgentUpdate> queue_;  // front() is being written while writing_
  bool writing_ = false;
  bool finishing_ = false;
  bool finished_ = false;
  grpc::Status status_;
};

// A stream whose caller was not authenticated: finished at once, nothing read.
class RefusedStream : public grpc::ServerBidiReactor<AgentRequest, AgentUpdate> {
 public:
  explicit RefusedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

class AgentStream : public grpc::ServerBidiReactor<AgentRequest, AgentUpdate>,
                    public AgentConsoleService::OpenStream {
 public:
  AgentStream(core::BrokerCore& core, auth::CallAuthenticator& auth, auth::Caller caller,
              grpc::CallbackServerContext* context, AgentConsoleService& service)
      : core_(core),
        auth_(auth),
        caller_(std::move(caller)),
        context_(context),
        service_(service),
        session_(std::make_shared<StreamSession>(this)) {
    StartRead(&request_);
    service_.Opened(this);
  }

  void Close(const grpc::Status& status) override { session_->Finish(status); }

  bool EndIfCredentialsLapsed() override {
    absl::Status valid;
    {
      // Once: the read side and the service's watch both ask, and the failure is counted once.
      std::lock_guard lock(credentials_mu_);
      if (credentials_lapsed_) return true;
      valid = auth_.StillValid(caller_);
      if (valid.ok() && !service_.Serves(caller_.tenant, core_)) {
        valid = absl::NotFoundError(
            absl::StrCat("tenant '", caller_.tenant, "' is no longer served by this broker"));
      }
      if (valid.ok()) return false;
      credentials_lapsed_ = true;
    }
    // A copy: the stream (and its session_) may be deleted inline by the Finish.
    std::shared_ptr<StreamSession> session = session_;
    session->Finish(ToGrpcStatus(valid));
    return true;
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side, or the call was cancelled
      session_->Finish();
      return;
    }
    if (EndIfCredentialsLapsed()) return;
    if (auto refused = Refusal(); !refused.ok()) {
      core_.RefuseAgentRequest(session_, request_.request_id(), refused);
    } else {
      core_.HandleAgentRequest(session_, caller_.tenant, request_);
    }
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override { session_->WriteDone(ok); }

  void OnDone() override {
    service_.Ended(this);
    session_->Detach();
    // Cancelled: the connection was lost (the console may come back and resume), not ended by
    // the console.
    core_.Disconnect(session_, context_->IsCancelled());
    delete this;
  }

 private:
  // Why request_ is refused before the core sees it: a login as someone the token does not name,
  // or over the rate limit.
  absl::Status Refusal() {
    if (request_.has_login()) {
      agent_id_ = request_.login().agent_id();
      if (caller_.verified && agent_id_ != caller_.agent_id) {
        return absl::PermissionDeniedError(absl::StrCat("login.agent_id: the token is for '",
                                                        caller_.agent_id, "', not '", agent_id_,
                                                        "'"));
      }
      return absl::OkStatus();
    }
    return auth_.TakeRate(caller_.verified ? caller_ : auth::Caller{.agent_id = agent_id_, .tenant = caller_.tenant},
                          ops::RateLimitedCall::kConsoleRequest);
  }

  core::BrokerCore& core_;
  auth::CallAuthenticator& auth_;
  const auth::Caller caller_;
  grpc::CallbackServerContext* context_;
  AgentConsoleService& service_;
  std::shared_ptr<StreamSession> session_;
  AgentRequest request_;
  std::string agent_id_;  // as the last Login named
  std::mutex credentials_mu_;
  bool credentials_lapsed_ = false;  // the stream is ending for its token
};

}  // namespace

AgentConsoleService::AgentConsoleService(partitions::Partitions& partitions,
                                         auth::CallAuthenticator& auth, Gauge& streams)
    : partitions_(partitions), auth_(auth), streams_(streams), watch_([this] { Watch(); }) {}

AgentConsoleService::~AgentConsoleService() {
  {
    std::lock_guard lock(watch_mu_);
    stopping_ = true;
  }
  watch_cv_.notify_all();
  watch_.join();
}

void AgentConsoleService::Watch() {
  std::unique_lock lock(watch_mu_);
  while (!watch_cv_.wait_for(lock, kCredentialCheckInterval, [this] { return stopping_; })) {
    lock.unlock();
    CheckStreams();
    lock.lock();
  }
}

void AgentConsoleService::CheckStreams() {
  std::lock_guard lock(mu_);
  // A copy: a stream's OnDone may run inline and leave open_ (checked before each one).
  const std::set<OpenStream*> streams = open_;
  for (OpenStream* stream : streams) {
    if (open_.contains(stream)) stream->EndIfCredentialsLapsed();
  }
}

grpc::ServerBidiReactor<AgentRequest, AgentUpdate>* AgentConsoleService::Connect(
    grpc::CallbackServerContext* context) {
  auto caller = auth_.Authenticate(*context);
  if (caller.ok()) {
    if (auto tenant = auth::RequireTenant(*caller); !tenant.ok()) caller = tenant;
  }
  if (!caller.ok()) return new RefusedStream(ToGrpcStatus(caller.status()));
  // An agent's stream is served by their tenant's partition.
  core::BrokerCore* core = partitions_.ForTenant(caller->tenant);
  if (core == nullptr) {
    return new RefusedStream(ToGrpcStatus(NotServed(partitions_, caller->tenant, *context)));
  }
  return new AgentStream(*core, auth_, *std::move(caller), context, *this);
}

bool AgentConsoleService::Serves(std::string_view tenant, const core::BrokerCore& core) const {
  return partitions_.ForTenant(tenant) == &core;
}

void AgentConsoleService::Opened(OpenStream* stream) {
  std::lock_guard lock(mu_);
  streams_.Add(1);
  open_.insert(stream);
  if (closed_) stream->Close(*closed_);
}

void AgentConsoleService::Ended(OpenStream* stream) {
  std::lock_guard lock(mu_);
  if (open_.erase(stream) > 0) streams_.Add(-1);
}

void AgentConsoleService::CloseStreams(const grpc::Status& status) {
  std::lock_guard lock(mu_);
  closed_ = status;
  // A copy: a stream's OnDone may run inline and leave open_ (checked before each Close).
  const std::set<OpenStream*> streams = open_;
  for (OpenStream* stream : streams) {
    if (open_.contains(stream)) stream->Close(status);
  }
}

grpc::ServerUnaryReactor* AgentConsoleService::GetHistory(grpc::CallbackServerContext* context,
                                                          const omnibroker::v1::GetHistoryRequest* request,
                                                          omnibroker::v1::GetHistoryResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto caller = auth_.Authenticate(*context);
  if (caller.ok() && caller->agent_id.empty()) {
    caller = absl::UnauthenticatedError(absl::StrCat("missing metadata ", auth::kAgentIdMetadata));
  }
  absl::Status allowed = caller.status();
  if (allowed.ok()) allowed = auth::RequireTenant(*caller);
  core::BrokerCore* core = allowed.ok() ? partitions_.ForTenant(caller->tenant) : nullptr;
  if (allowed.ok() && core == nullptr) allowed = NotServed(partitions_, caller->tenant, *context);
  if (allowed.ok()) allowed = auth_.TakeRate(*caller, ops::RateLimitedCall::kHistory);
  if (!allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  const core::HistoryReader reader = !caller->verified                        ? core::HistoryReader::kAgent
                                     : caller->role >= auth::Role::kSupervisor ? core::HistoryReader::kSupervisor
                                     : caller->role == auth::Role::kQuality    ? core::HistoryReader::kReviewer
                                                                               : core::HistoryReader::kAgent;
  core->Post([core, reactor, request, response, tenant = caller->tenant, agent_id = caller->agent_id, reader] {
    auto page = core->History(tenant, agent_id, reader, *request);
    if (page.ok()) *response = std::move(page).value();
    reactor->Finish(ToGrpcStatus(page.status()));
  });
  return reactor;
}

}  // namespace omni::console
