// What the agent SDK's reconnect tests share: a real broker (in process, or the binary for
// kill -9), a TcpProxy between the SDK and its gRPC port that the test cuts, a connector-side
// publisher of customer messages, and collecting what the SDK delivers.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "omni/agent/agent_client.h"
#include "tests/support/broker_harness.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_support.h"

namespace omni::testing {

using namespace std::chrono_literals;

inline int PortOf(const std::string& address) {
  return std::stoi(address.substr(address.rfind(':') + 1));
}

// An agent through `proxy`, quick to reconnect, available.
inline std::unique_ptr<agent::AgentClient> AvailableAgent(const TcpProxy& proxy,
                                                          const std::string& agent_id) {
  agent::AgentClientOptions options{.target = proxy.address(), .agent_id = agent_id};
  options.reconnect.initial_backoff = 20ms;
  options.reconnect.max_backoff = 200ms;
  auto client = agent::AgentClient::Connect(options);
  EXPECT_TRUE(client.ok()) << client.status();
  if (!client.ok()) return nullptr;
  EXPECT_TRUE((*client)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  return std::move(client).value();
}

// A customer message of the "loadgen" provider from `handle` (one conversation per handle).
inline omnibroker::v1::IngestAck Say(IngestPublisher& publisher, const std::string& event_id,
                                     const std::string& handle, const std::string& text) {
  auto event = MessageFrom(event_id, "loadgen", handle, text);
  event.set_channel(omnibroker::v1::CHANNEL_CHAT);
  auto ack = publisher.Publish(event);
  EXPECT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << event_id;
  return ack;
}

// Everything an agent was given, in order.
struct Received {
  std::vector<omnibroker::v1::AgentUpdate> updates;

  // Takes updates until `done` holds or `timeout` passes; whether it held.
  template <typename Done>
  bool Until(agent::AgentClient& agent, Done done, std::chrono::milliseconds timeout = 15s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done(*this)) {
      if (std::chrono::steady_clock::now() > end) return false;
      if (auto u = agent.Next(50ms)) updates.push_back(*std::move(u));
    }
    return true;
  }
  // Keeps taking updates for `time`, for any repeat to show.
  void Linger(agent::AgentClient& agent, std::chrono::milliseconds time = 300ms) {
    Until(
        agent, [](auto&) { return false; }, time);
  }
  // Event ids of the customer messages, in the order they came.
  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    for (const auto& u : updates) {
      if (u.has_message()) out.push_back(u.message().event().id());
    }
    return out;
  }
  // Offers by conversation id: how many times each came.
  std::map<std::string, int> Offers() const {
    std::map<std::string, int> out;
    for (const auto& u : updates) {
      if (u.has_offer()) ++out[u.offer().conversation().id()];
    }
    return out;
  }
  const omnibroker::v1::Offer* OfferFor(const std::string& conversation_id) const {
    for (const auto& u : updates) {
      if (u.has_offer() && u.offer().conversation().id() == conversation_id) return &u.offer();
    }
    return nullptr;
  }
  int Count(omnibroker::v1::AgentUpdate::BodyCase kind) const {
    int n = 0;
    for (const auto& u : updates) n += u.body_case() == kind;
    return n;
  }
  // The connection changes, as "RECONNECTING", "CONNECTED resumed", "CONNECTED caught up"…
  std::vector<std::string> Connection() const {
    std::vector<std::string> out;
    for (const auto& u : updates) {
      if (!u.has_connection()) continue;
      std::string s = omnibroker::v1::ConnectionChange::State_Name(u.connection().state());
      if (u.connection().state() == omnibroker::v1::ConnectionChange::CONNECTED) {
        s += u.connection().resumed() ? " resumed" : " caught up";
      }
      out.push_back(s);
    }
    return out;
  }
};

// The texts of a conversation's history, oldest first.
inline std::vector<std::string> HistoryTexts(agent::AgentClient& agent,
                                             const std::string& conversation_id) {
  std::vector<std::string> out;
  auto page = agent.History(conversation_id, 500);
  EXPECT_TRUE(page.ok()) << page.status();
  if (!page.ok()) return out;
  for (const auto& e : page->events()) out.push_back(e.content().text());
  return out;
}

}  // namespace omni::testing
