// AgentClient's connection thread: opens the stream, logs in (resuming the session when it
// can), reads updates, and reconnects with backoff when the stream is lost.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent-sdk/src/backoff.h"
#include "agent-sdk/src/delivery_ledger.h"
#include "base/ids.h"
#include "omni/agent/agent_client.h"

namespace omni::agent {
namespace {

using omnibroker::v1::AgentRequest;
using omnibroker::v1::AgentUpdate;
using omnibroker::v1::ConnectionChange;

// A broker of a cluster that does not lead the agent's tenant names the one that does in this
// trailing metadata of its refusal (broker/auth/call_auth.h kLeaderMetadata).
constexpr char kLeaderMetadata[] = "x-omni-leader";
// Leadership may be moving: a named leader that names another is followed this many times at
// once, then the usual backoff applies.
constexpr int kMaxLeaderHops = 3;

absl::Status FromGrpc(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

// A login refused for a reason that another attempt will not change.
bool Permanent(const absl::Status& s) {
  return absl::IsNotFound(s) || absl::IsPermissionDenied(s) || absl::IsUnauthenticated(s) ||
         absl::IsInvalidArgument(s);
}

}  // namespace

void AgentClient::Run() {
  Backoff backoff(options_.reconnect, RandomUint64());
  absl::Status status = AttemptFollowingLeader(/*initial=*/true);
  for (;;) {
    std::unique_lock lock(mu_);
    if (!first_login_)
      first_login_ = status.ok() ? absl::UnavailableError("the stream ended at login") : status;
    if (closing_ || !options_.reconnect.enabled || !first_login_->ok() || Permanent(status)) break;
    if (lost_) {
      // A stream that was logged in: the first attempt again comes soon.
      lost_ = false;
      backoff.Reset();
      lock.unlock();
      DeliverConnection(ConnectionChange::RECONNECTING, status.ToString());
      lock.lock();
    }
    cv_.wait_for(lock, backoff.Next(), [&] { return closing_; });
    if (closing_) break;
    lock.unlock();
    status = AttemptFollowingLeader(/*initial=*/false);
  }
  std::unique_lock lock(mu_);
  const bool report = first_login_->ok() && !closing_;
  lock.unlock();
  if (report) DeliverConnection(ConnectionChange::CLOSED, status.ToString());
  lock.lock();
  closed_ = true;
  run_done_ = true;
  cv_.notify_all();
}

absl::Status AgentClient::AttemptFollowingLeader(bool initial) {
  absl::Status status = Attempt(initial);
  for (int hop = 0; hop < kMaxLeaderHops; ++hop) {
    std::string leader;
    {
      std::lock_guard lock(mu_);
      leader = std::exchange(redirect_, "");
    }
    if (leader.empty()) break;
    UseTarget(leader);
    status = Attempt(initial);
  }
  std::string target;
  {
    std::lock_guard lock(mu_);
    redirect_.clear();
    target = target_;
  }
  // The leader named is gone (or the stream there ended): the broker configured knows who leads
  // now.
  if (!status.ok() && target != options_.target) UseTarget(options_.target);
  return status;
}

absl::Status AgentClient::Attempt(bool initial) {
  // Waits in slices, so that Close() is not kept waiting for the broker.
  const auto deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
  while (!channel_->WaitForConnected(std::chrono::system_clock::now() +
                                     std::chrono::milliseconds(100))) {
    std::lock_guard lock(mu_);
    if (closing_) return absl::CancelledError("closed");
    if (std::chrono::steady_clock::now() >= deadline) {
      return absl::UnavailableError(absl::StrCat("cannot reach the broker at ", target_));
    }
  }
  grpc::ClientContext context;
  context.AddMetadata("x-omni-agent-id", options_.agent_id);
  auto stream = stub_->Connect(&context);

  AgentRequest login;
  login.mutable_login()->set_agent_id(options_.agent_id);
  login.mutable_login()->set_token(options_.token);
  {
    std::lock_guard write_lock(write_mu_);
    std::lock_guard lock(mu_);
    if (closing_) return absl::CancelledError("closed");
    login.mutable_login()->set_resume_session(ledger_->session());
    login.mutable_login()->set_last_sequence(ledger_->last_sequence());
    uint64_t number = 0;
    login_request_id_ = NextRequestId(number);
    login.set_request_id(login_request_id_);
    context_ = &context;
    stream_ = stream.get();
    logged_in_ = false;
    writes_done_ = false;
    ++stream_number_;
  }
  absl::Status login_status =
      absl::UnavailableError("the stream ended before the login was answered");
  bool answered = false;
  if (stream->Write(login)) {
    AgentUpdate update;
    while (stream->Read(&update)) {
      if (update.has_login_result()) {
        OnLoginResult(update.login_result(), initial);
        continue;
      }
      if (update.has_result() && update.result().request_id() == login_request_id_) {
        answered = true;
        login_status = absl::Status(static_cast<absl::StatusCode>(update.result().code()),
                                    update.result().message());
        if (!login_status.ok()) break;
        OnLoggedIn();
        continue;
      }
      OnUpdate(std::move(update));
    }
  }
  {
    std::lock_guard write_lock(write_mu_);
    std::lock_guard lock(mu_);
    context_ = nullptr;
    stream_ = nullptr;
    logged_in_ = false;
    if (state_ == ConnectionChange::CONNECTED) {
      state_ = ConnectionChange::RECONNECTING;
      lost_ = true;
    }
  }
  if (!answered) {
    // The broker ended the stream first (a refused token, say): its status says why.
    const absl::Status ended = FromGrpc(stream->Finish());
    if (!ended.ok()) login_status = ended;
    const auto& trailers = context.GetServerTrailingMetadata();
    if (auto leader = trailers.find(kLeaderMetadata);
        absl::IsUnavailable(ended) && leader != trailers.end()) {
      std::lock_guard lock(mu_);
      redirect_.assign(leader->second.data(), leader->second.size());
      return login_status;  // not the first login's outcome: the leader is asked next
    }
  } else if (!login_status.ok()) {
    context.TryCancel();
    stream->Finish();
  }
  if (!login_status.ok()) {
    std::lock_guard lock(mu_);
    if (initial && !first_login_) first_login_ = login_status;
    return login_status;
  }
  const absl::Status ended = FromGrpc(stream->Finish());
  return ended.ok() ? absl::UnavailableError("the broker ended the stream") : ended;
}

void AgentClient::OnLoginResult(const omnibroker::v1::LoginResult& result, bool initial) {
  std::vector<AgentUpdate> missed;
  std::vector<std::string> catch_up;
  {
    std::lock_guard lock(mu_);
    missed = ledger_->Login(result, initial);
    for (const auto& [id, last] : ledger_->ToCatchUp()) catch_up.push_back(id);
    if (initial) login_ = result;
  }
  if (!initial) DeliverConnection(ConnectionChange::CONNECTED, "", &result);
  {
    std::lock_guard lock(mu_);
    for (auto& update : missed) Deliver(std::move(update));
  }
  for (const auto& id : catch_up) CatchUp(id);
}

void AgentClient::CatchUp(const std::string& conversation_id) {
  uint64_t last = 0;
  {
    std::lock_guard lock(mu_);
    auto it = ledger_->ToCatchUp().find(conversation_id);
    if (it == ledger_->ToCatchUp().end()) return;
    last = it->second;
  }
  // Newest first, back to the last event delivered.
  std::vector<omnibroker::v1::Event> events;
  omnibroker::v1::GetHistoryRequest request;
  request.set_conversation_id(conversation_id);
  request.set_newest_first(true);
  request.set_page_size(100);
  for (bool more = true; more;) {
    auto page = GetHistory(request);
    if (!page.ok()) break;  // then what is missed stays missed: the history still has it
    for (const auto& event : page->events()) {
      if (event.sequence() <= last) {
        more = false;
        break;
      }
      events.push_back(event);
    }
    if (page->next_page_token().empty()) more = false;
    request.set_page_token(page->next_page_token());
  }
  std::lock_guard lock(mu_);
  for (auto& update : ledger_->CaughtUp(conversation_id, events)) Deliver(std::move(update));
}

void AgentClient::OnLoggedIn() {
  std::lock_guard write_lock(write_mu_);
  std::unique_lock lock(mu_);
  logged_in_ = true;
  if (state_ != ConnectionChange::STATE_UNSPECIFIED) {
    // A reconnect: the broker took the agent as busy again; they were what they last said.
    if (presence_) {
      AgentRequest presence;
      uint64_t number = 0;
      // Its answer matches no waiting request and is dropped.
      presence.set_request_id(NextRequestId(number) + "-presence");
      presence.mutable_set_presence()->set_presence(*presence_);
      lock.unlock();
      stream_->Write(presence);
      lock.lock();
    }
  }
  state_ = ConnectionChange::CONNECTED;
  if (!first_login_) first_login_ = absl::OkStatus();
  std::vector<uint64_t> unanswered;
  for (const auto& [number, pending] : pending_) unanswered.push_back(number);
  lock.unlock();
  for (uint64_t number : unanswered) WriteLocked(number);
  lock.lock();
  cv_.notify_all();
}

void AgentClient::OnUpdate(AgentUpdate update) {
  std::lock_guard lock(mu_);
  if (!ledger_->Admit(update)) return;  // a replay or repeat of what the user has
  if (update.has_result() && !update.result().request_id().empty()) {
    // A result nobody waits for any more (timed out, or a repeat's) has no one to go to.
    if (pending_ids_.contains(update.result().request_id())) {
      results_[update.result().request_id()] = update.result();
      cv_.notify_all();
    }
    return;
  }
  Deliver(std::move(update));
}

void AgentClient::DeliverConnection(ConnectionChange::State state, const std::string& reason,
                                    const omnibroker::v1::LoginResult* login) {
  AgentUpdate update;
  auto* change = update.mutable_connection();
  change->set_state(state);
  change->set_reason(reason);
  if (login != nullptr) {
    change->set_resumed(login->resumed());
    *change->mutable_login() = *login;
  }
  std::lock_guard lock(mu_);
  // CONNECTED is set once the login is answered (OnLoggedIn); the others at once.
  if (state != ConnectionChange::CONNECTED) state_ = state;
  Deliver(std::move(update));
}

}  // namespace omni::agent
