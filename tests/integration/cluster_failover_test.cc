// Leaders killed under load: two real brokers in a cluster on a real nats-server, a load generator
// publishing through the connector SDK (given both brokers) while two agents (each given one
// broker) take, answer and close conversations. Each cycle kills the leader with SIGKILL at a
// random moment, waits for the other to take over, and starts the killed one again as the
// standby (rebuilding its store if it died between its WAL and the log). OMNI_FAILOVER_CYCLES
// times (5 by default; 100 for the long run). Afterwards every event is acknowledged and stored
// exactly once in the last leader's store, and no conversation was ever held by two agents.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/clustered_broker.h"
#include "tests/support/load_generator.h"
#include "tests/support/loaded_cluster.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::ClusterMember;
using omni::testing::Leads;
using omni::testing::LoadedCluster;
using omni::testing::NatsServers;
using omni::testing::StandsBy;
using omni::testing::TempDir;
using omni::testing::WaitFor;

int Cycles() { return omni::testing::CyclesFromEnvironment("OMNI_FAILOVER_CYCLES", 5); }

TEST(ClusterFailoverTest, NothingAcknowledgedIsLostAndNothingHeldTwiceAcrossLeaderKills) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  LoadedCluster cluster(dir, servers, [](auto& options) { options.lease_ttl_ms = 1000; });
  cluster.Start();
  if (HasFatalFailure()) return;
  auto& members = cluster.members;

  std::mt19937 rng(11);
  std::vector<double> takeover_seconds;  // from the kill to the survivor leading
  for (int cycle = 0; cycle < Cycles(); ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const size_t leader = Leads(members[0].options.grpc_port) ? 0 : 1;
    ClusterMember& dying = members[leader];
    ClusterMember& survivor = members[1 - leader];
    ASSERT_TRUE(Leads(dying.options.grpc_port)) << dying.Log();
    ASSERT_TRUE(cluster.AcknowledgesMore(51, 20s)) << "load goes through";
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

  cluster.StopAndCheck(cluster.Leader().id);
  if (HasFatalFailure()) return;
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
  std::cout << "failover cycles: " << Cycles() << ", events: " << cluster.load->published()
            << ", conversations: " << cluster.stored.conversations.size()
            << ", stores rebuilt: " << rebuilt << ", takeover (kill to leading, 1 s lease): median "
            << takeover_seconds[takeover_seconds.size() / 2] << " s, max "
            << takeover_seconds.back() << " s\n";
}

}  // namespace
}  // namespace omni
