// AgentOutbox: what the broker keeps per agent so a console that lost its stream can resume.
// Every update to the agent gets the next sequence number and is kept in a bounded replay buffer
// (also while the agent is disconnected); the results of the session's requests are kept so a
// request resent with the same request_id is answered as the first time, not applied twice.
//
// Pure and single-threaded: owned by the broker core thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "omnibroker/v1/agent_console.pb.h"

namespace omni::core {

class AgentOutbox {
 public:
  // `capacity` updates are kept for replay, and as many request results.
  explicit AgentOutbox(size_t capacity = 2000) : capacity_(capacity) {}

  // Starts session `session` with nothing sent yet.
  void Reset(std::string session);
  const std::string& session() const { return session_; }

  // Numbers `update` and keeps it for replay (and its result, if it answers a request).
  omnibroker::v1::AgentUpdate Stamp(omnibroker::v1::AgentUpdate update);

  // The updates after `last_sequence` of `session`, or nullopt if they cannot all be replayed
  // (another session, or some already dropped from the buffer).
  std::optional<std::vector<omnibroker::v1::AgentUpdate>> Since(const std::string& session,
                                                                uint64_t last_sequence) const;

  // How a request with `request_id` stands in this session.
  enum class Request { kNew, kRunning, kAnswered };
  Request Status(const std::string& request_id) const;
  // The result that answered `request_id` (Status() == kAnswered).
  const omnibroker::v1::RequestResult& Result(const std::string& request_id) const;
  // The request is being applied; its result comes later through Stamp().
  void Started(const std::string& request_id);

 private:
  void RememberResult(const omnibroker::v1::RequestResult& result);

  const size_t capacity_;
  std::string session_;
  uint64_t last_sequence_ = 0;
  std::deque<omnibroker::v1::AgentUpdate> replay_;  // oldest first, at most capacity_
  std::unordered_set<std::string> running_;
  std::unordered_map<std::string, omnibroker::v1::RequestResult> results_;
  std::deque<std::string> result_order_;  // oldest first, to bound results_
};

}  // namespace omni::core
