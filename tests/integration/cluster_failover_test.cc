// Leaders killed under load: two real brokers in a cluster on a real nats-server, a load generator
// publishing through the connector SDK (given both brokers) while two agents (each given one
// broker) take, answer and close conversations. Each cycle kills the leader with SIGKILL at a
// random moment, waits for the other to take over, and starts the killed one again as the
// standby (rebuilding its store if it died between its WAL and the log). OMNI_FAILOVER_CYCLES
// times (5 by default; 100 for the long run). Afterwards every event is acknowledged and stored
// exactly once in the last leader's store, and no conversation was ever held by two agents.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "broker/partitions/partitions.h"
#include "connectors/sdk/reliable_client.h"
#include "tests/support/agent_loop.h"
#include "tests/support/clustered_broker.h"
#include "tests/support/events.h"
#include "tests/support/load_generator.h"
#include "tests/support/stored_partition.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::ClusterMember;
using omni::testing::ClusteredBrokerOptions;
using omni::testing::FreePort;
using omni::testing::Leads;
using omni::testing::NatsServers;
using omni::testing::StandsBy;
using omni::testing::TempDir;
using omni::testing::WaitFor;

int Cycles() { return omni::testing::CyclesFromEnvironment("OMNI_FAILOVER_CYCLES", 5); }

omnibroker::v1::Event LoadEvent(int n) {
  auto e = omni::testing::MessageFrom("load-" + std::to_string(n), "loadgen",
                                      "customer-" + std::to_string(n % 40),
                                      "message " + std::to_string(n));
  e.set_channel(omnibroker::v1::CHANNEL_CHAT);
  return e;
}

TEST(ClusterFailoverTest, NothingAcknowledgedIsLostAndNothingHeldTwiceAcrossLeaderKills) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  std::vector<ClusterMember> members;
  for (const char* id : {"b1", "b2"}) {
    members.push_back({.id = id,
                       .dir = dir.path() / id,
                       .options = {.id = id,
                                   .grpc_port = FreePort(),
                                   .ingest_port = FreePort(),
                                   .lease_ttl_ms = 1000}});
  }
  members[0].Start(servers);
  ASSERT_TRUE(WaitFor([&] { return Leads(members[0].options.grpc_port); }, 20s))
      << members[0].Log();
  members[1].Start(servers);
  ASSERT_TRUE(WaitFor([&] { return StandsBy(members[1].options.grpc_port); }, 20s))
      << members[1].Log();

  zmq::context_t zmq;
  connectors::ReliableClient client(
      zmq,
      {.broker_endpoint = omni::testing::IngestEndpoints(members),
       .connector_name = "loadgen",
       .providers = {"loadgen"},
       .ack_timeout = 300ms,
       .spool_dir = dir.path() / "loadgen-spool"},
      [](omnibroker::v1::Delivery) {});
  ASSERT_OK(client.Start());
  omni::testing::LoadGenerator load(client, LoadEvent);
  std::atomic<bool> stop_agents{false};
  std::vector<std::thread> agents;
  for (size_t i = 0; i < members.size(); ++i) {
    agents.emplace_back([&, i] {
      omni::testing::AgentLoop("127.0.0.1:" + std::to_string(members[i].options.grpc_port),
                               i == 0 ? "alice" : "boris", stop_agents);
    });
  }

  std::mt19937 rng(11);
  std::vector<double> takeover_seconds;  // from the kill to the survivor leading
  for (int cycle = 0; cycle < Cycles(); ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const size_t leader = Leads(members[0].options.grpc_port) ? 0 : 1;
    ClusterMember& dying = members[leader];
    ClusterMember& survivor = members[1 - leader];
    ASSERT_TRUE(Leads(dying.options.grpc_port)) << dying.Log();
    const size_t before = load.acked();
    ASSERT_TRUE(WaitFor([&] { return load.acked() > before + 50; }, 20s)) << "load goes through";
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 500));  // a random moment
    ASSERT_TRUE(WIFSIGNALED(dying.process->Stop(SIGKILL)));
    const auto killed = std::chrono::steady_clock::now();
    dying.process.reset();
    ASSERT_TRUE(WaitFor([&] { return Leads(survivor.options.grpc_port); }, 20s))
        << survivor.Log();
    takeover_seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count());
    dying.Start(servers);
    ASSERT_TRUE(WaitFor([&] { return StandsBy(dying.options.grpc_port); }, 20s)) << dying.Log();
  }

  load.Stop();
  ASSERT_TRUE(WaitFor([&] { return client.pending() == 0; }, 60s))
      << client.pending() << " never acknowledged";
  stop_agents = true;
  for (auto& a : agents) a.join();
  client.Stop();
  // The standby stops first, then the leader; the leader's store is the partition.
  const size_t leader = Leads(members[0].options.grpc_port) ? 0 : 1;
  ASSERT_TRUE(Leads(members[leader].options.grpc_port));
  for (size_t i : {1 - leader, leader}) {
    const int status = members[i].process->Stop(SIGTERM);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << members[i].Log();
  }

  omni::testing::StoredPartition stored;
  omni::testing::ReadStoredPartition(
      partitions::Partitions::Dir(members[leader].dir, partitions::PartitionMap{}.Of("default")),
      "default", stored);
  load.ExpectEachStoredOnce(stored.inbound);
  // How often a killed leader's store was ahead of the log (died between its WAL and the log)
  // and rebuilt at its restart.
  int rebuilt = 0;
  for (const ClusterMember& member : members) {
    const std::string log = member.Log();
    for (size_t at = log.find("rebuilt from the log"); at != std::string::npos;
         at = log.find("rebuilt from the log", at + 1)) {
      ++rebuilt;
    }
  }
  std::sort(takeover_seconds.begin(), takeover_seconds.end());
  std::cout << "failover cycles: " << Cycles() << ", events: " << load.published()
            << ", conversations: " << stored.conversations.size()
            << ", stores rebuilt: " << rebuilt << ", takeover (kill to leading, 1 s lease): median "
            << takeover_seconds[takeover_seconds.size() / 2] << " s, max "
            << takeover_seconds.back() << " s\n";
}

}  // namespace
}  // namespace omni
