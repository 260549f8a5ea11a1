// omni::agent::AgentClient: a C++ client for the AgentConsole service. One object = one agent
// logged in over one bidirectional stream, which it keeps up: when the stream is lost it
// reconnects (with backoff, see ReconnectPolicy) and resumes where it was.
//
// Updates: pull them with Next() (offers, messages and other updates, in order), or set
// AgentCallbacks in the options to have them called. Requests: Request() or the helpers below
// send one and wait for its result.
//
// Across a reconnect nothing is lost or repeated: the broker numbers every update of a session
// and replays what came after the last one received; requests not answered yet are sent again
// with the same request_id and answered once (a reply keeps its client_message_id). If the broker
// cannot replay (it restarted, or the gap is too long), the client catches up by itself: offers
// still open come again (same id and expiry), offers gone are revoked, conversations no longer
// assigned are closed ("not assigned after reconnect"), and customer messages missed are read
// from the history — each delivered once. The last presence set is set again after a reconnect.
// The connection coming and going is itself an update (ConnectionChange: RECONNECTING, then
// CONNECTED with the new LoginResult, or CLOSED).
//
// Thread-safe: any thread may call any method (but not Close() from a callback). Threads: one
// connection thread, plus one dispatch thread with callbacks; both are joined by Close() or the
// destructor.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "omni/agent/options.h"
#include "omnibroker/v1/agent_console.grpc.pb.h"

namespace omni::agent {

class DeliveryLedger;

class AgentClient {
 public:
  // Connects to `target` ("127.0.0.1:50051") and logs in as `agent_id` (default options).
  static absl::StatusOr<std::unique_ptr<AgentClient>> Connect(
      const std::string& target, const std::string& agent_id,
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Connects and logs in; fails if the broker cannot be reached or refuses the login within
  // options.connect_timeout. Later losses are reconnected.
  static absl::StatusOr<std::unique_ptr<AgentClient>> Connect(AgentClientOptions options);
  ~AgentClient();

  // The first login's result (a reconnect's comes in its ConnectionChange).
  const omnibroker::v1::LoginResult& login() const { return login_; }

  // The next update that is not a request's result; nullopt on timeout or once the client is
  // closed and every update was taken.
  std::optional<omnibroker::v1::AgentUpdate> Next(std::chrono::milliseconds timeout);

  // Sends `request` (its request_id is set here, and a SendMessage without client_message_id
  // gets one) and waits for its result; the result's code becomes the status. While the client
  // reconnects the request waits and is sent once logged in again. DEADLINE_EXCEEDED: no answer
  // in time (it may have been applied; it is not sent again).
  absl::StatusOr<omnibroker::v1::RequestResult> Request(
      omnibroker::v1::AgentRequest request,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  absl::Status SetPresence(omnibroker::v1::Presence presence);
  // The assigned conversation id.
  absl::StatusOr<std::string> Accept(const std::string& offer_id);
  absl::Status Decline(const std::string& offer_id, const std::string& reason = "");
  // The stored event id of the reply. `client_message_id` makes a resend idempotent.
  absl::StatusOr<std::string> SendText(const std::string& conversation_id, const std::string& text,
                                       const std::string& client_message_id = "");
  // Closes with a disposition code; capacity frees after the broker's wrap-up time or EndWrapUp.
  absl::Status CloseConversation(const std::string& conversation_id,
                                 const std::string& disposition = "");
  absl::Status EndWrapUp(const std::string& conversation_id);
  // Hands the conversation to another agent, or back to a queue with new requirements; the note
  // stays in the history for whoever takes it next.
  absl::Status TransferToAgent(const std::string& conversation_id, const std::string& to_agent_id,
                               const std::string& note);
  absl::Status TransferToQueue(const std::string& conversation_id,
                               const omnibroker::v1::Requirements& requirements,
                               const std::string& note);
  // A page of a conversation's history (unary call, not retried while reconnecting).
  absl::StatusOr<omnibroker::v1::GetHistoryResponse> History(const std::string& conversation_id,
                                                             int page_size = 50,
                                                             bool newest_first = false,
                                                             const std::string& page_token = "");
  // The customer's history across every channel and conversation (while one of their
  // conversations is assigned to this agent).
  absl::StatusOr<omnibroker::v1::GetHistoryResponse> CustomerHistory(
      const std::string& customer_id, int page_size = 50, bool newest_first = false,
      const std::string& page_token = "");

  // Ends the stream (the broker sees the agent go offline; open offers are withdrawn at once,
  // assigned conversations wait out the broker's grace period) and joins the threads.
  void Close();
  // Logged in over a live stream (false while reconnecting and once closed).
  bool connected() const;
  omnibroker::v1::ConnectionChange::State connection_state() const;

 private:
  explicit AgentClient(AgentClientOptions options);
  // Connection thread: streams, logins and reconnects until closed.
  void Run();
  // One stream: connects, logs in (resuming if it can), reads until the stream ends.
  absl::Status Attempt(bool initial);
  // Attempt, then again at the broker a refusal named as the tenant's leader (a cluster); back
  // to options_.target for the next time when that fails.
  absl::Status AttemptFollowingLeader(bool initial);
  // Calls go to `target` from now on.
  void UseTarget(const std::string& target);
  // A LoginResult arrived: what the user must see for the client to be in line with it.
  void OnLoginResult(const omnibroker::v1::LoginResult& result, bool initial);
  // The login was answered OK: requests wait no more.
  void OnLoggedIn();
  // Customer messages of `conversation_id` after `last_sequence`, from the history.
  void CatchUp(const std::string& conversation_id);
  // An update from the broker (not a login's): dropped if seen already, else delivered.
  void OnUpdate(omnibroker::v1::AgentUpdate update);
  void Deliver(omnibroker::v1::AgentUpdate update);  // mu_ held
  void DeliverConnection(omnibroker::v1::ConnectionChange::State state, const std::string& reason,
                         const omnibroker::v1::LoginResult* login = nullptr);
  void Dispatch();  // dispatch thread
  // Writes `request` if logged in and not written on this stream yet (write_mu_ held).
  void WriteLocked(uint64_t number);
  std::string NextRequestId(uint64_t& number);  // mu_ held
  absl::StatusOr<omnibroker::v1::GetHistoryResponse> GetHistory(
      const omnibroker::v1::GetHistoryRequest& request);

  const AgentClientOptions options_;
  // Where calls go: options_.target, or the leader a broker named. Changed by the connection
  // thread holding mu_; other threads read them holding mu_.
  std::string target_;
  std::shared_ptr<grpc::Channel> channel_;
  std::shared_ptr<omnibroker::v1::AgentConsole::Stub> stub_;
  std::string redirect_;  // the leader the last refused stream named (mu_)
  const std::string request_prefix_;  // random per client: request ids never repeat across clients
  omnibroker::v1::LoginResult login_;

  // The current stream: changed with both write_mu_ and mu_ held (write_mu_ first), so either
  // is enough to read it; writes to it hold write_mu_.
  std::timed_mutex write_mu_;
  grpc::ClientContext* context_ = nullptr;
  grpc::ClientReaderWriter<omnibroker::v1::AgentRequest, omnibroker::v1::AgentUpdate>* stream_ =
      nullptr;
  bool logged_in_ = false;
  bool writes_done_ = false;
  uint64_t stream_number_ = 0;  // counts streams, so a request is written once per stream

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<DeliveryLedger> ledger_;
  std::deque<omnibroker::v1::AgentUpdate> updates_;
  struct Pending {
    omnibroker::v1::AgentRequest request;
    uint64_t written_on = 0;  // stream_number_ it was written on
  };
  std::map<uint64_t, Pending> pending_;  // by request number: resent in order
  std::map<std::string, uint64_t> pending_ids_;
  std::map<std::string, omnibroker::v1::RequestResult> results_;
  std::optional<omnibroker::v1::Presence> presence_;  // the last presence set, set again on login
  omnibroker::v1::ConnectionChange::State state_ =
      omnibroker::v1::ConnectionChange::STATE_UNSPECIFIED;
  std::optional<absl::Status> first_login_;  // the initial attempt's outcome, for Connect()
  std::string login_request_id_;
  bool lost_ = false;     // a logged-in stream ended: RECONNECTING is to be told
  bool closing_ = false;  // Close() began: no reconnect
  bool closed_ = false;   // no more updates will come
  bool run_done_ = false;
  uint64_t next_request_ = 1;
  std::thread connection_;
  std::thread dispatcher_;
};

}  // namespace omni::agent
