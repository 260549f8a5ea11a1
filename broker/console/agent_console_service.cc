#include "broker/console/agent_console_service.h"

#include <deque>
#include <mutex>

#include "base/grpc_status.h"

namespace omni::console {
namespace {

using omnibroker::v1::AgentRequest;
using omnibroker::v1::AgentUpdate;

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

class AgentStream : public grpc::ServerBidiReactor<AgentRequest, AgentUpdate>,
                    public AgentConsoleService::OpenStream {
 public:
  AgentStream(core::BrokerCore& core, grpc::CallbackServerContext* context,
              AgentConsoleService& service)
      : core_(core),
        context_(context),
        service_(service),
        session_(std::make_shared<StreamSession>(this)) {
    StartRead(&request_);
    service_.Opened(this);
  }

  void Close(const grpc::Status& status) override { session_->Finish(status); }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side, or the call was cancelled
      session_->Finish();
      return;
    }
    core_.HandleAgentRequest(session_, request_);
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
  core::BrokerCore& core_;
  grpc::CallbackServerContext* context_;
  AgentConsoleService& service_;
  std::shared_ptr<StreamSession> session_;
  AgentRequest request_;
};

}  // namespace

grpc::ServerBidiReactor<AgentRequest, AgentUpdate>* AgentConsoleService::Connect(
    grpc::CallbackServerContext* context) {
  return new AgentStream(core_, context, *this);
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
  auto it = context->client_metadata().find(kAgentIdMetadata);
  if (it == context->client_metadata().end()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                 std::string("missing metadata ") + kAgentIdMetadata));
    return reactor;
  }
  std::string agent_id(it->second.data(), it->second.size());
  core_.Post([this, reactor, request, response, agent_id] {
    auto page = core_.History(agent_id, *request);
    if (page.ok()) *response = std::move(page).value();
    reactor->Finish(ToGrpcStatus(page.status()));
  });
  return reactor;
}

}  // namespace omni::console
