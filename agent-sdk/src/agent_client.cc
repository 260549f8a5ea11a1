#include "omni/agent/agent_client.h"

namespace omni::agent {
namespace {

using omnibroker::v1::AgentRequest;
using omnibroker::v1::AgentUpdate;

absl::Status FromResult(const omnibroker::v1::RequestResult& result) {
  return absl::Status(static_cast<absl::StatusCode>(result.code()), result.message());
}

}  // namespace

AgentClient::AgentClient(std::shared_ptr<grpc::Channel> channel, std::string agent_id)
    : agent_id_(std::move(agent_id)), stub_(omnibroker::v1::AgentConsole::NewStub(channel)) {}

absl::StatusOr<std::unique_ptr<AgentClient>> AgentClient::Connect(const std::string& target,
                                                                  const std::string& agent_id,
                                                                  std::chrono::milliseconds timeout) {
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + timeout)) {
    return absl::UnavailableError("cannot reach the broker at " + target);
  }
  std::unique_ptr<AgentClient> client(new AgentClient(channel, agent_id));
  client->stream_ = client->stub_->Connect(&client->context_);
  client->reader_ = std::thread([c = client.get()] { c->ReadLoop(); });

  AgentRequest login;
  login.mutable_login()->set_agent_id(agent_id);
  auto result = client->Request(login, timeout);
  if (!result.ok()) return result.status();
  // The LoginResult comes before the request's result on the same stream.
  std::lock_guard lock(client->mu_);
  for (auto it = client->updates_.begin(); it != client->updates_.end(); ++it) {
    if (it->has_login_result()) {
      client->login_ = it->login_result();
      client->updates_.erase(it);
      break;
    }
  }
  return client;
}

AgentClient::~AgentClient() { Close(); }

void AgentClient::ReadLoop() {
  AgentUpdate update;
  while (stream_->Read(&update)) {
    std::lock_guard lock(mu_);
    if (update.has_result() && !update.result().request_id().empty()) {
      results_[update.result().request_id()] = update.result();
    } else {
      updates_.push_back(update);
    }
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  ended_ = true;
  cv_.notify_all();
}

std::optional<AgentUpdate> AgentClient::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !updates_.empty() || ended_; });
  if (updates_.empty()) return std::nullopt;
  AgentUpdate update = std::move(updates_.front());
  updates_.pop_front();
  return update;
}

absl::StatusOr<omnibroker::v1::RequestResult> AgentClient::Request(AgentRequest request,
                                                                   std::chrono::milliseconds timeout) {
  std::string id;
  {
    std::lock_guard lock(mu_);
    id = std::to_string(next_request_++);
  }
  request.set_request_id(id);
  {
    std::lock_guard lock(write_mu_);
    if (!stream_->Write(request)) return absl::UnavailableError("the stream to the broker is closed");
  }
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return results_.contains(id) || ended_; })) {
    return absl::DeadlineExceededError("no answer from the broker in time");
  }
  auto it = results_.find(id);
  if (it == results_.end()) return absl::UnavailableError("the stream to the broker ended");
  omnibroker::v1::RequestResult result = it->second;
  results_.erase(it);
  if (auto s = FromResult(result); !s.ok()) return s;
  return result;
}

absl::Status AgentClient::SetPresence(omnibroker::v1::Presence presence) {
  AgentRequest request;
  request.mutable_set_presence()->set_presence(presence);
  return Request(request).status();
}

absl::StatusOr<std::string> AgentClient::Accept(const std::string& offer_id) {
  AgentRequest request;
  request.mutable_accept()->set_offer_id(offer_id);
  auto result = Request(request);
  if (!result.ok()) return result.status();
  return result->conversation_id();
}

absl::Status AgentClient::Decline(const std::string& offer_id, const std::string& reason) {
  AgentRequest request;
  request.mutable_decline()->set_offer_id(offer_id);
  request.mutable_decline()->set_reason(reason);
  return Request(request).status();
}

absl::StatusOr<std::string> AgentClient::SendText(const std::string& conversation_id, const std::string& text,
                                                  const std::string& client_message_id) {
  AgentRequest request;
  request.mutable_send()->set_conversation_id(conversation_id);
  request.mutable_send()->set_client_message_id(client_message_id);
  request.mutable_send()->mutable_content()->set_text(text);
  auto result = Request(request);
  if (!result.ok()) return result.status();
  return result->event_id();
}

absl::Status AgentClient::CloseConversation(const std::string& conversation_id, const std::string& disposition) {
  AgentRequest request;
  request.mutable_close()->set_conversation_id(conversation_id);
  request.mutable_close()->set_disposition(disposition);
  return Request(request).status();
}

absl::Status AgentClient::TransferToAgent(const std::string& conversation_id, const std::string& to_agent_id,
                                          const std::string& note) {
  AgentRequest request;
  request.mutable_transfer()->set_conversation_id(conversation_id);
  request.mutable_transfer()->set_to_agent_id(to_agent_id);
  request.mutable_transfer()->set_note(note);
  return Request(request).status();
}

absl::Status AgentClient::TransferToQueue(const std::string& conversation_id,
                                          const omnibroker::v1::Requirements& requirements, const std::string& note) {
  AgentRequest request;
  request.mutable_transfer()->set_conversation_id(conversation_id);
  *request.mutable_transfer()->mutable_to_queue() = requirements;
  request.mutable_transfer()->set_note(note);
  return Request(request).status();
}

absl::Status AgentClient::EndWrapUp(const std::string& conversation_id) {
  AgentRequest request;
  request.mutable_end_wrap_up()->set_conversation_id(conversation_id);
  return Request(request).status();
}

absl::StatusOr<omnibroker::v1::GetHistoryResponse> AgentClient::History(const std::string& conversation_id,
                                                                        int page_size, bool newest_first,
                                                                        const std::string& page_token) {
  omnibroker::v1::GetHistoryRequest request;
  request.set_conversation_id(conversation_id);
  request.set_page_size(page_size);
  request.set_newest_first(newest_first);
  request.set_page_token(page_token);
  return GetHistory(request);
}

absl::StatusOr<omnibroker::v1::GetHistoryResponse> AgentClient::CustomerHistory(const std::string& customer_id,
                                                                                int page_size, bool newest_first,
                                                                                const std::string& page_token) {
  omnibroker::v1::GetHistoryRequest request;
  request.set_customer_id(customer_id);
  request.set_page_size(page_size);
  request.set_newest_first(newest_first);
  request.set_page_token(page_token);
  return GetHistory(request);
}

absl::StatusOr<omnibroker::v1::GetHistoryResponse> AgentClient::GetHistory(const omnibroker::v1::GetHistoryRequest& request) {
  grpc::ClientContext context;
  context.AddMetadata("x-omni-agent-id", agent_id_);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  omnibroker::v1::GetHistoryResponse response;
  const grpc::Status s = stub_->GetHistory(&context, request, &response);
  if (!s.ok()) return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  return response;
}

void AgentClient::Close() {
  if (!reader_.joinable()) return;
  {
    std::lock_guard lock(write_mu_);
    stream_->WritesDone();
  }
  reader_.join();
  stream_->Finish();
}

bool AgentClient::connected() const {
  std::lock_guard lock(mu_);
  return !ended_;
}

}  // namespace omni::agent
