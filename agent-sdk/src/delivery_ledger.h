// DeliveryLedger: what the agent SDK has delivered to its user, so that across a reconnect every
// offer and message reaches the user once. It drops updates the broker replays or repeats
// (numbered at or below the last received), and after a login that could not resume it works
// out what the user missed: offers new or gone, conversations gained or lost, and which
// conversations' history to read for the customer messages in between.
//
// Pure and not thread-safe: the AgentClient holds it under its lock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "omnibroker/v1/agent_console.pb.h"

namespace omni::agent {

class DeliveryLedger {
 public:
  // The session to resume and the last update received in it.
  const std::string& session() const { return session_; }
  uint64_t last_sequence() const { return last_sequence_; }

  // Whether `update` (from the broker) is new to the user; records it if so.
  bool Admit(const omnibroker::v1::AgentUpdate& update);

  // A LoginResult arrived. Resumed: nothing to do (the replay follows). Otherwise a new session
  // starts: returns the updates that put the user in line with `login` (offers new to the user,
  // revocations of those gone, and after the first login, assignments gained and closings of
  // conversations lost). The first login's assignments are the user's to read in login().
  std::vector<omnibroker::v1::AgentUpdate> Login(const omnibroker::v1::LoginResult& login,
                                                 bool initial);

  // Conversations whose customer messages may have been missed (assigned before and after a
  // login that did not resume), with the last event sequence delivered of each.
  const std::map<std::string, uint64_t>& ToCatchUp() const { return catch_up_; }
  // `events` (a conversation's history after the last sequence delivered, any order): the
  // customer's messages the user has not had, as updates in order. Done with that conversation.
  std::vector<omnibroker::v1::AgentUpdate> CaughtUp(
      const std::string& conversation_id, const std::vector<omnibroker::v1::Event>& events);

 private:
  std::string session_;
  uint64_t last_sequence_ = 0;
  std::map<std::string, omnibroker::v1::Offer> offers_;  // delivered, still open; by offer id
  std::map<std::string, uint64_t> conversations_;        // assigned: last event sequence delivered
  std::map<std::string, uint64_t> catch_up_;
};

}  // namespace omni::agent
