// An agent that keeps working through broker crashes, for the tests that kill brokers under load:
// connects, takes offers, answers, sometimes closes, and connects again whenever the broker went
// away.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "omni/agent/agent_client.h"

namespace omni::testing {

inline void AgentLoop(const std::string& grpc_address, const std::string& agent_id,
                      const std::atomic<bool>& stop) {
  using namespace std::chrono_literals;
  std::mt19937 rng(std::hash<std::string>()(agent_id));
  while (!stop) {
    auto client = agent::AgentClient::Connect(grpc_address, agent_id, 1s);
    if (!client.ok()) {
      std::this_thread::sleep_for(50ms);
      continue;
    }
    if (!(*client)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok()) continue;
    while (!stop && (*client)->connected()) {
      auto update = (*client)->Next(100ms);
      if (!update || !update->has_offer()) continue;
      auto conversation = (*client)->Accept(update->offer().offer_id());
      if (!conversation.ok()) continue;
      (void)(*client)->SendText(*conversation, "on it");
      if (rng() % 2 == 0) (void)(*client)->CloseConversation(*conversation, "resolved");
    }
  }
}

}  // namespace omni::testing
