// AgentClient: connecting, the update queue and callbacks, requests, history, closing. The
// connection thread (streams, logins, reconnects) is in connection.cc.
#include "omni/agent/agent_client.h"

#include "absl/strings/str_cat.h"
#include "agent-sdk/src/delivery_ledger.h"
#include "base/ids.h"
#include "omni/agent/security.h"

namespace omni::agent {
namespace {

using omnibroker::v1::AgentRequest;
using omnibroker::v1::AgentUpdate;
using omnibroker::v1::ConnectionChange;

absl::Status FromResult(const omnibroker::v1::RequestResult& result) {
  return absl::Status(static_cast<absl::StatusCode>(result.code()), result.message());
}

std::shared_ptr<grpc::Channel> MakeChannel(const AgentClientOptions& options,
                                          const std::string& target) {
  grpc::ChannelArguments args;
  // gRPC's own reconnect backoff (1 s and growing to 2 min by default) would hold back ours.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              static_cast<int>(options.reconnect.initial_backoff.count()));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
              static_cast<int>(options.reconnect.initial_backoff.count()));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(options.reconnect.max_backoff.count()));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(options.keepalive_time.count()));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, static_cast<int>(options.keepalive_timeout.count()));
  // The stream is quiet for as long as nothing happens on the floor: ping all the same.
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  auto credentials = options.credentials ? options.credentials : grpc::InsecureChannelCredentials();
  return AuthorizedChannel(target, credentials, options.token, options.tenant, args);
}

std::string RandomPrefix() {
  std::string prefix = "r";
  AppendHex64(prefix, RandomUint64());
  return prefix;
}

}  // namespace

AgentClient::AgentClient(AgentClientOptions options)
    : options_(std::move(options)),
      target_(options_.target),
      channel_(MakeChannel(options_, target_)),
      stub_(omnibroker::v1::AgentConsole::NewStub(channel_)),
      request_prefix_(RandomPrefix()),
      ledger_(std::make_unique<DeliveryLedger>()) {}

void AgentClient::UseTarget(const std::string& target) {
  auto channel = MakeChannel(options_, target);
  std::shared_ptr<omnibroker::v1::AgentConsole::Stub> stub =
      omnibroker::v1::AgentConsole::NewStub(channel);
  std::lock_guard lock(mu_);
  target_ = target;
  channel_ = std::move(channel);
  stub_ = std::move(stub);
}

absl::StatusOr<std::unique_ptr<AgentClient>> AgentClient::Connect(
    const std::string& target, const std::string& agent_id, std::chrono::milliseconds timeout) {
  return Connect(
      AgentClientOptions{.target = target, .agent_id = agent_id, .connect_timeout = timeout});
}

absl::StatusOr<std::unique_ptr<AgentClient>> AgentClient::Connect(AgentClientOptions options) {
  const auto timeout = options.connect_timeout;
  std::unique_ptr<AgentClient> client(new AgentClient(std::move(options)));
  client->connection_ = std::thread([c = client.get()] { c->Run(); });
  absl::Status first;
  {
    std::unique_lock lock(client->mu_);
    // The connection thread gives up on its own after the timeout; this is its margin.
    if (!client->cv_.wait_for(lock, timeout + std::chrono::seconds(1),
                              [&] { return client->first_login_.has_value(); })) {
      first = absl::DeadlineExceededError("no answer to the login in time");
    } else {
      first = *client->first_login_;
    }
  }
  if (!first.ok()) {
    client->Close();
    return first;
  }
  if (client->options_.callbacks.any())
    client->dispatcher_ = std::thread([c = client.get()] { c->Dispatch(); });
  return client;
}

AgentClient::~AgentClient() { Close(); }

std::optional<AgentUpdate> AgentClient::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !updates_.empty() || closed_; });
  if (updates_.empty()) return std::nullopt;
  AgentUpdate update = std::move(updates_.front());
  updates_.pop_front();
  return update;
}

void AgentClient::Deliver(AgentUpdate update) {
  updates_.push_back(std::move(update));
  cv_.notify_all();
}

void AgentClient::Dispatch() {
  const AgentCallbacks& c = options_.callbacks;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !updates_.empty() || closed_; });
      if (updates_.empty()) return;
    }
    auto update = Next(std::chrono::milliseconds(0));
    if (!update) continue;
    auto call = [&](const auto& callback, const auto& body) {
      if (callback) {
        callback(*this, body);
      } else if (c.on_update) {
        c.on_update(*this, *update);
      }
    };
    switch (update->body_case()) {
      case AgentUpdate::kOffer:
        call(c.on_offer, update->offer());
        break;
      case AgentUpdate::kOfferRevoked:
        call(c.on_offer_revoked, update->offer_revoked());
        break;
      case AgentUpdate::kAssigned:
        call(c.on_assigned, update->assigned());
        break;
      case AgentUpdate::kMessage:
        call(c.on_message, update->message());
        break;
      case AgentUpdate::kClosed:
        call(c.on_closed, update->closed());
        break;
      case AgentUpdate::kEscalation:
        call(c.on_escalation, update->escalation());
        break;
      case AgentUpdate::kConnection:
        call(c.on_connection, update->connection());
        break;
      default:
        if (c.on_update) c.on_update(*this, *update);
    }
  }
}

std::string AgentClient::NextRequestId(uint64_t& number) {
  number = next_request_++;
  return absl::StrCat(request_prefix_, "-", number);
}

void AgentClient::WriteLocked(uint64_t number) {
  AgentRequest request;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(number);
    if (it == pending_.end() || !logged_in_ || writes_done_ ||
        it->second.written_on == stream_number_ ||
        results_.contains(it->second.request.request_id())) {
      return;
    }
    it->second.written_on = stream_number_;
    request = it->second.request;
  }
  // A failed write means the stream is lost: the connection thread sees it end, and the request
  // is written again on the next stream.
  stream_->Write(request);
}

absl::StatusOr<omnibroker::v1::RequestResult> AgentClient::Request(
    AgentRequest request, std::chrono::milliseconds timeout) {
  uint64_t number = 0;
  std::string id;
  {
    std::lock_guard lock(mu_);
    if (closing_ || closed_) return absl::UnavailableError("the client is closed");
    id = NextRequestId(number);
    request.set_request_id(id);
    // So that a resend is the same reply, also to a broker that restarted.
    if (request.has_send() && request.send().client_message_id().empty()) {
      request.mutable_send()->set_client_message_id(id);
    }
    pending_[number] = Pending{.request = request};
    pending_ids_[id] = number;
  }
  {
    std::lock_guard write_lock(write_mu_);
    WriteLocked(number);
  }
  std::unique_lock lock(mu_);
  const bool answered =
      cv_.wait_for(lock, timeout, [&] { return results_.contains(id) || closed_; });
  pending_.erase(number);
  pending_ids_.erase(id);
  auto it = results_.find(id);
  if (it == results_.end()) {
    if (!answered)
      return absl::DeadlineExceededError(
          "no answer from the broker in time (it may have been applied)");
    return absl::UnavailableError("the client closed before the broker answered");
  }
  omnibroker::v1::RequestResult result = std::move(it->second);
  results_.erase(it);
  if (auto s = FromResult(result); !s.ok()) return s;
  return result;
}

absl::Status AgentClient::SetPresence(omnibroker::v1::Presence presence) {
  AgentRequest request;
  request.mutable_set_presence()->set_presence(presence);
  auto result = Request(request, options_.request_timeout);
  if (!result.ok()) return result.status();
  std::lock_guard lock(mu_);
  presence_ = presence;
  return absl::OkStatus();
}

absl::StatusOr<std::string> AgentClient::Accept(const std::string& offer_id) {
  AgentRequest request;
  request.mutable_accept()->set_offer_id(offer_id);
  auto result = Request(request, options_.request_timeout);
  if (!result.ok()) return result.status();
  return result->conversation_id();
}

absl::Status AgentClient::Decline(const std::string& offer_id, const std::string& reason) {
  AgentRequest request;
  request.mutable_decline()->set_offer_id(offer_id);
  request.mutable_decline()->set_reason(reason);
  return Request(request, options_.request_timeout).status();
}

absl::StatusOr<std::string> AgentClient::SendText(const std::string& conversation_id,
                                                  const std::string& text,
                                                  const std::string& client_message_id) {
  AgentRequest request;
  request.mutable_send()->set_conversation_id(conversation_id);
  request.mutable_send()->set_client_message_id(client_message_id);
  request.mutable_send()->mutable_content()->set_text(text);
  auto result = Request(request, options_.request_timeout);
  if (!result.ok()) return result.status();
  return result->event_id();
}

absl::Status AgentClient::CloseConversation(const std::string& conversation_id,
                                            const std::string& disposition) {
  AgentRequest request;
  request.mutable_close()->set_conversation_id(conversation_id);
  request.mutable_close()->set_disposition(disposition);
  return Request(request, options_.request_timeout).status();
}

absl::Status AgentClient::TransferToAgent(const std::string& conversation_id,
                                          const std::string& to_agent_id, const std::string& note) {
  AgentRequest request;
  request.mutable_transfer()->set_conversation_id(conversation_id);
  request.mutable_transfer()->set_to_agent_id(to_agent_id);
  request.mutable_transfer()->set_note(note);
  return Request(request, options_.request_timeout).status();
}

absl::Status AgentClient::TransferToQueue(const std::string& conversation_id,
                                          const omnibroker::v1::Requirements& requirements,
                                          const std::string& note) {
  AgentRequest request;
  request.mutable_transfer()->set_conversation_id(conversation_id);
  *request.mutable_transfer()->mutable_to_queue() = requirements;
  request.mutable_transfer()->set_note(note);
  return Request(request, options_.request_timeout).status();
}

absl::Status AgentClient::EndWrapUp(const std::string& conversation_id) {
  AgentRequest request;
  request.mutable_end_wrap_up()->set_conversation_id(conversation_id);
  return Request(request, options_.request_timeout).status();
}

absl::StatusOr<omnibroker::v1::GetHistoryResponse> AgentClient::History(
    const std::string& conversation_id, int page_size, bool newest_first,
    const std::string& page_token) {
  omnibroker::v1::GetHistoryRequest request;
  request.set_conversation_id(conversation_id);
  request.set_page_size(page_size);
  request.set_newest_first(newest_first);
  request.set_page_token(page_token);
  return GetHistory(request);
}

absl::StatusOr<omnibroker::v1::GetHistoryResponse> AgentClient::CustomerHistory(
    const std::string& customer_id, int page_size, bool newest_first,
    const std::string& page_token) {
  omnibroker::v1::GetHistoryRequest request;
  request.set_customer_id(customer_id);
  request.set_page_size(page_size);
  request.set_newest_first(newest_first);
  request.set_page_token(page_token);
  return GetHistory(request);
}

absl::StatusOr<omnibroker::v1::GetHistoryResponse> AgentClient::GetHistory(
    const omnibroker::v1::GetHistoryRequest& request) {
  grpc::ClientContext context;
  context.AddMetadata("x-omni-agent-id", options_.agent_id);
  context.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
  omnibroker::v1::GetHistoryResponse response;
  std::shared_ptr<omnibroker::v1::AgentConsole::Stub> stub;
  {
    std::lock_guard lock(mu_);
    stub = stub_;
  }
  const grpc::Status s = stub->GetHistory(&context, request, &response);
  if (!s.ok())
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  return response;
}

void AgentClient::Close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    cv_.notify_all();
  }
  // A write stuck on a dead connection holds write_mu_: then the stream is cancelled instead.
  if (std::unique_lock write_lock(write_mu_, std::chrono::seconds(2)); write_lock.owns_lock()) {
    if (stream_ != nullptr && !writes_done_) {
      writes_done_ = true;
      // A clean end: the broker withdraws open offers at once rather than keeping them for a
      // reconnect.
      stream_->WritesDone();
    }
  }
  {
    std::unique_lock lock(mu_);
    // The broker answers a clean end at once; a stream that hangs is cancelled.
    if (!cv_.wait_for(lock, std::chrono::seconds(2), [&] { return run_done_; }) &&
        context_ != nullptr) {
      context_->TryCancel();
    }
  }
  if (connection_.joinable()) connection_.join();
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  if (dispatcher_.joinable() && dispatcher_.get_id() != std::this_thread::get_id())
    dispatcher_.join();
}

bool AgentClient::connected() const {
  std::lock_guard lock(mu_);
  return state_ == ConnectionChange::CONNECTED && !closed_;
}

ConnectionChange::State AgentClient::connection_state() const {
  std::lock_guard lock(mu_);
  return closed_ ? ConnectionChange::CLOSED : state_;
}

}  // namespace omni::agent
