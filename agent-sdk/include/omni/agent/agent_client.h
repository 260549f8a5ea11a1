// omni::agent::AgentClient: a C++ client for the AgentConsole service. One object = one agent
// logged in over one bidirectional stream. Pull API: Next() returns offers, messages and other
// updates in order; Request() sends a request and waits for its result.
//
// Thread-safe: any thread may call any method. A reader thread (joined by Close or destruction)
// receives updates.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "omnibroker/v1/agent_console.grpc.pb.h"

namespace omni::agent {

class AgentClient {
 public:
  // Connects to `target` ("127.0.0.1:50051") and logs in as `agent_id`.
  static absl::StatusOr<std::unique_ptr<AgentClient>> Connect(
      const std::string& target, const std::string& agent_id,
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~AgentClient();

  const omnibroker::v1::LoginResult& login() const { return login_; }

  // The next update that is not a request's result; nullopt on timeout or when the stream ended.
  std::optional<omnibroker::v1::AgentUpdate> Next(std::chrono::milliseconds timeout);

  // Sends `request` (its request_id is set here) and waits for its result; the result's code
  // becomes the status.
  absl::StatusOr<omnibroker::v1::RequestResult> Request(
      omnibroker::v1::AgentRequest request, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  absl::Status SetPresence(omnibroker::v1::Presence presence);
  // The assigned conversation id.
  absl::StatusOr<std::string> Accept(const std::string& offer_id);
  absl::Status Decline(const std::string& offer_id, const std::string& reason = "");
  // The stored event id of the reply. `client_message_id` makes a resend idempotent.
  absl::StatusOr<std::string> SendText(const std::string& conversation_id, const std::string& text,
                                       const std::string& client_message_id = "");
  // Closes with a disposition code; capacity frees after the broker's wrap-up time or EndWrapUp.
  absl::Status CloseConversation(const std::string& conversation_id, const std::string& disposition = "");
  absl::Status EndWrapUp(const std::string& conversation_id);
  // Hands the conversation to another agent, or back to a queue with new requirements; the note
  // stays in the history for whoever takes it next.
  absl::Status TransferToAgent(const std::string& conversation_id, const std::string& to_agent_id,
                               const std::string& note);
  absl::Status TransferToQueue(const std::string& conversation_id, const omnibroker::v1::Requirements& requirements,
                               const std::string& note);
  absl::StatusOr<omnibroker::v1::GetHistoryResponse> History(const std::string& conversation_id,
                                                             int page_size = 50, bool newest_first = false,
                                                             const std::string& page_token = "");
  // The customer's history across every channel and conversation (while one of their
  // conversations is assigned to this agent).
  absl::StatusOr<omnibroker::v1::GetHistoryResponse> CustomerHistory(const std::string& customer_id, int page_size = 50,
                                                                     bool newest_first = false,
                                                                     const std::string& page_token = "");

  // Ends the stream (the broker sees the agent go offline).
  void Close();
  bool connected() const;

 private:
  AgentClient(std::shared_ptr<grpc::Channel> channel, std::string agent_id);
  void ReadLoop();
  absl::StatusOr<omnibroker::v1::GetHistoryResponse> GetHistory(const omnibroker::v1::GetHistoryRequest& request);

  const std::string agent_id_;
  std::unique_ptr<omnibroker::v1::AgentConsole::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<omnibroker::v1::AgentRequest, omnibroker::v1::AgentUpdate>> stream_;
  omnibroker::v1::LoginResult login_;

  std::mutex write_mu_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<omnibroker::v1::AgentUpdate> updates_;
  std::map<std::string, omnibroker::v1::RequestResult> results_;
  bool ended_ = false;
  uint64_t next_request_ = 1;
  std::thread reader_;
};

}  // namespace omni::agent
