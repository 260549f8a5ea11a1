// Many crashes: a load generator publishes events through the connector SDK over tcp while two
// agents take and close conversations, and the real broker binary is killed with SIGKILL at
// random moments and started again, OMNI_CRASH_CYCLES times (20 by default). Afterwards every
// event is acknowledged and stored exactly once, every conversation and thread is whole, and no
// conversation has two open assignments. The events belong to two tenants, in two partitions
// (each its own store, core thread and group commit), which are killed together.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "broker/partitions/partitions.h"
#include "broker/store/store.h"
#include "connectors/sdk/reliable_client.h"
#include "omni/agent/agent_client.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "omnibroker/v1/conversation.pb.h"
#include "tests/support/broker_process.h"
#include "tests/support/events.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::BrokerProcess;
using omni::testing::FreePort;
using omni::testing::TempDir;
using omni::testing::WaitFor;

int Cycles() {
  const char* env = std::getenv("OMNI_CRASH_CYCLES");
  return env != nullptr ? std::max(1, std::atoi(env)) : 20;
}

// Two tenants, in two partitions (by the hash of their names: 15 and 10).
const std::vector<std::string> kTenants = {"default", "globex"};

omnibroker::v1::Event LoadEvent(int n) {
  auto e = omni::testing::MessageFrom("load-" + std::to_string(n), "loadgen", "customer-" + std::to_string(n % 40),
                                      "message " + std::to_string(n));
  e.set_channel(omnibroker::v1::CHANNEL_CHAT);
  e.set_tenant(kTenants[n % kTenants.size()]);
  return e;
}

// An agent that keeps working through crashes: connects, takes offers, answers, sometimes
// closes, and connects again whenever the broker went away.
void AgentLoop(const std::string& grpc_address, const std::string& agent_id, const std::atomic<bool>& stop) {
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

TEST(CrashCyclesTest, EveryAcknowledgedEventIsStoredExactlyOnceAcrossKills) {
  TempDir dir;
  const int grpc_port = FreePort();
  const int ingest_port = FreePort();
  const std::string grpc_address = "127.0.0.1:" + std::to_string(grpc_port);
  const auto config = dir.path() / "broker.yaml";
  std::ofstream(config) << "tenants: [{name: globex}]\n";
  const std::vector<std::string> args = {"--grpc-listen=" + grpc_address, "--no-webchat",
                                         "--ingest-listen=tcp://127.0.0.1:" + std::to_string(ingest_port),
                                         "--config=" + config.string()};

  zmq::context_t zmq;
  connectors::ReliableClient client(zmq,
                                    {.broker_endpoint = "tcp://127.0.0.1:" + std::to_string(ingest_port),
                                     .connector_name = "loadgen",
                                     .providers = {"loadgen"},
                                     .ack_timeout = 300ms,
                                     .spool_dir = dir.path() / "loadgen-spool"},
                                    [](omnibroker::v1::Delivery) {});
  ASSERT_OK(client.Start());

  std::mutex mu;
  std::map<std::string, omnibroker::v1::IngestStatus> acks;  // event id -> first ack
  std::atomic<int> published{0};
  std::atomic<bool> stop_load{false}, stop_agents{false};
  std::thread load([&] {
    for (int n = 0; !stop_load; ++n) {
      // About 2000 events a second, and a bounded backlog while the broker is down: the point is
      // many crashes under load, not a huge outbox.
      if (n % 20 == 0) std::this_thread::sleep_for(10ms);
      while (client.pending() > 300 && !stop_load) std::this_thread::sleep_for(5ms);
      ASSERT_TRUE(client.Publish(LoadEvent(n), [&](const omnibroker::v1::IngestAck& ack) {
        std::lock_guard lock(mu);
        acks.emplace(ack.event_id(), ack.status());
      }).ok());
      published = n + 1;
    }
  });
  std::vector<std::thread> agents;
  for (const char* id : {"alice", "boris"}) {
    agents.emplace_back([&, id] { AgentLoop(grpc_address, id, stop_agents); });
  }

  // Reconnect at once: gRPC's default backoff (1 s and growing) would make every cycle wait.
  grpc::ChannelArguments quick;
  quick.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  quick.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
  quick.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  auto admin = omnibroker::v1::Admin::NewStub(
      grpc::CreateCustomChannel(grpc_address, grpc::InsecureChannelCredentials(), quick));
  auto serving = [&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 200ms);
    omnibroker::v1::ListAgentsResponse agents_response;
    return admin->ListAgents(&context, {}, &agents_response).ok();
  };
  std::mt19937 rng(7);
  for (int cycle = 0; cycle < Cycles(); ++cycle) {
    BrokerProcess broker(OMNI_BROKER_BINARY, dir.path(), args);
    ASSERT_TRUE(WaitFor(serving, 20s)) << omni::testing::ReadFile(dir.path() / "broker.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 500));  // a random moment
    const int status = broker.Stop(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status)) << "cycle " << cycle;
  }

  // The last start: everything still unacknowledged gets through, then a clean stop.
  BrokerProcess broker(OMNI_BROKER_BINARY, dir.path(), args);
  ASSERT_TRUE(WaitFor(serving, 20s));
  stop_load = true;
  load.join();
  ASSERT_TRUE(WaitFor([&] { return client.pending() == 0; }, 60s)) << client.pending() << " never acknowledged";
  stop_agents = true;
  for (auto& a : agents) a.join();
  client.Stop();
  const int status = broker.Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << omni::testing::ReadFile(dir.path() / "broker.log");

  // What the stores hold: each tenant's partition holds its tenant's events, and only those.
  std::map<std::string, int> stored;  // inbound event id -> copies
  std::set<std::string> event_conversations;
  std::set<std::string> conversations;
  for (const auto& tenant : kTenants) {
    SCOPED_TRACE("the partition of " + tenant);
    auto store = store::Store::Open(
        {.dir = partitions::Partitions::Dir(dir.path(), partitions::PartitionMap{}.Of(tenant))});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Scan(store::Family::kEvents, "", false, std::nullopt, [&](std::string_view, std::string_view v) {
      omnibroker::v1::Event e;
      EXPECT_TRUE(e.ParseFromArray(v.data(), static_cast<int>(v.size())));
      EXPECT_EQ(e.tenant(), tenant) << e.id();
      if (e.direction() == omnibroker::v1::DIRECTION_INBOUND) stored[e.id()]++;
      event_conversations.insert(e.conversation_id());
      return true;
    }).ok());
    ASSERT_TRUE((*store)->Scan(store::Family::kConversations, "", false, std::nullopt,
                               [&](std::string_view, std::string_view v) {
      omnibroker::v1::Conversation c;
      EXPECT_TRUE(c.ParseFromArray(v.data(), static_cast<int>(v.size())));
      conversations.insert(c.id());
      int open_assignments = 0;
      for (const auto& a : c.assignments()) open_assignments += a.has_ended_at() ? 0 : 1;
      const bool closed = c.state() == omnibroker::v1::CONVERSATION_STATE_CLOSED;
      EXPECT_LE(open_assignments, closed ? 0 : 1) << c.id() << " is held twice";
      if (c.state() == omnibroker::v1::CONVERSATION_STATE_ASSIGNED) {
        EXPECT_EQ(open_assignments, 1) << c.id();
        EXPECT_EQ(c.assignments().rbegin()->agent_id(), c.assigned_agent_id()) << c.id();
      }
      return true;
    }).ok());
    ASSERT_TRUE((*store)->Scan(store::Family::kThreads, "", false, std::nullopt, [&](std::string_view k, std::string_view v) {
      EXPECT_TRUE(conversations.contains(std::string(v))) << "thread " << k << " points nowhere";
      return true;
    }).ok());
  }
  for (const auto& id : event_conversations) EXPECT_TRUE(conversations.contains(id)) << "events of a lost conversation " << id;

  std::lock_guard lock(mu);
  ASSERT_EQ(static_cast<int>(acks.size()), published.load()) << "every published event was acknowledged";
  size_t wrong = 0;
  for (const auto& [id, ack] : acks) {
    if (ack != omnibroker::v1::INGEST_STATUS_ACCEPTED && ack != omnibroker::v1::INGEST_STATUS_DUPLICATE) {
      ADD_FAILURE() << id << " answered " << omnibroker::v1::IngestStatus_Name(ack);
      ++wrong;
    }
    if (stored[id] != 1) {
      ADD_FAILURE() << id << " stored " << stored[id] << " times";
      if (++wrong > 10) break;
    }
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(stored.size(), acks.size()) << "stored events nobody published";
  std::cout << "crash cycles: " << Cycles() << ", events: " << published.load() << ", conversations: "
            << conversations.size() << "\n";
}

}  // namespace
}  // namespace omni
