// AgentOutbox: sequence numbers, the replay buffer and the request results of an agent session.
#include "broker/core/agent_outbox.h"

namespace omni::core {

using omnibroker::v1::AgentUpdate;

void AgentOutbox::Reset(std::string session) {
  session_ = std::move(session);
  last_sequence_ = 0;
  replay_.clear();
  running_.clear();
  results_.clear();
  result_order_.clear();
}

AgentUpdate AgentOutbox::Stamp(AgentUpdate update) {
  update.set_sequence(++last_sequence_);
  if (update.has_result() && !update.result().request_id().empty()) RememberResult(update.result());
  replay_.push_back(update);
  if (replay_.size() > capacity_) replay_.pop_front();
  return update;
}

std::optional<std::vector<AgentUpdate>> AgentOutbox::Since(const std::string& session,
                                                           uint64_t last_sequence) const {
  if (session.empty() || session != session_ || last_sequence > last_sequence_) return std::nullopt;
  // Nothing was dropped that the client has not seen: the oldest kept is at most one past it.
  const uint64_t oldest = replay_.empty() ? last_sequence_ + 1 : replay_.front().sequence();
  if (oldest > last_sequence + 1) return std::nullopt;
  std::vector<AgentUpdate> out;
  for (const auto& update : replay_) {
    if (update.sequence() > last_sequence) out.push_back(update);
  }
  return out;
}

AgentOutbox::Request AgentOutbox::Status(const std::string& request_id) const {
  if (results_.contains(request_id)) return Request::kAnswered;
  if (running_.contains(request_id)) return Request::kRunning;
  return Request::kNew;
}

const omnibroker::v1::RequestResult& AgentOutbox::Result(const std::string& request_id) const {
  return results_.at(request_id);
}

void AgentOutbox::Started(const std::string& request_id) { running_.insert(request_id); }

void AgentOutbox::RememberResult(const omnibroker::v1::RequestResult& result) {
  running_.erase(result.request_id());
  if (!results_.insert_or_assign(result.request_id(), result).second) return;
  result_order_.push_back(result.request_id());
  if (result_order_.size() > capacity_) {
    results_.erase(result_order_.front());
    result_order_.pop_front();
  }
}

}  // namespace omni::core
