// Leaders killed under load: two real brokers in a cluster on real nats-servers (one; three with
// snapshots), a load generator publishing through the connector SDK (given both brokers) while
// two agents (each given one broker) take, answer and close conversations. Each cycle kills the leader with SIGKILL at a
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

// How often `text` appears in the members' logs.
int Count(const std::vector<ClusterMember>& members, const std::string& text) {
  int count = 0;
  for (const ClusterMember& member : members) {
    const std::string log = member.Log();
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++count;
  }
  return count;
}

struct Engine {
  int servers = 1;                // NATS servers
  int lease_ttl_ms = 1000;
  uint64_t snapshot_records = 0;  // 0: the brokers' default (no snapshot in a short run)
};

// Kills the leader Cycles() times under load (see the top of the file) on `engine`.
void KillLeadersUnderLoad(const Engine& engine) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", engine.servers);
  ASSERT_TRUE(servers.WaitReady());
  LoadedCluster cluster(dir, servers, [&](auto& options) {
    options.lease_ttl_ms = engine.lease_ttl_ms;
    options.replicas = engine.servers;
    options.snapshot_records = engine.snapshot_records;
  });
  cluster.Start();
  if (::testing::Test::HasFatalFailure()) return;
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
    ASSERT_TRUE(WIFSIGNALED(dying.process->Stop(SIGKILL))) << dying.Log();
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
  if (::testing::Test::HasFatalFailure()) return;
  std::sort(takeover_seconds.begin(), takeover_seconds.end());
  // How often a killed leader's store was ahead of the log (died between its WAL and the log)
  // and rebuilt at its restart; how often a leader snapshotted and a store was restored.
  std::cout << "failover cycles on " << engine.servers << " NATS server(s): " << Cycles()
            << ", events: " << cluster.load->published()
            << ", conversations: " << cluster.stored.conversations.size()
            << ", stores rebuilt: " << Count(members, "rebuilt from the log")
            << ", snapshots: " << Count(members, ": snapshot at record")
            << ", restored from one: " << Count(members, "restored from the snapshot")
            << ", takeover (kill to leading, " << engine.lease_ttl_ms << " ms lease): median "
            << takeover_seconds[takeover_seconds.size() / 2] << " s, max "
            << takeover_seconds.back() << " s\n";
}

TEST(ClusterFailoverTest, NothingAcknowledgedIsLostAndNothingHeldTwiceAcrossLeaderKills) {
  KillLeadersUnderLoad({.servers = 1});
}

// The same on three NATS servers, each log and lease on all three (a lease renewal waits for two
// of them: 2 s leases on this shared machine), with a snapshot every 50 records, so that leaders
// may die while they snapshot and trim and restarted brokers may start from snapshots (how often
// each happened is printed, not required: the load's records per second vary with the machine).
TEST(ClusterFailoverTest, OnThreeEngineServersWithSnapshotsNothingIsLostEither) {
  KillLeadersUnderLoad({.servers = 3, .lease_ttl_ms = 2000, .snapshot_records = 50});
}

}  // namespace
}  // namespace omni
