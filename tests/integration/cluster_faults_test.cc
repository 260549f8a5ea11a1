// Faults of the engine under a cluster of real brokers, with load: a load generator publishing
// through the connector SDK given both brokers, and agents taking, answering and closing
// conversations, while NATS servers die (one of three: the brokers go on after a retry; two of
// three: they stop acknowledging, lose nothing, and go on once a quorum is back) or the leader is
// cut off from the engine but not from its clients (it stops acknowledging, the standby takes the
// partition over, and the old leader, back in touch, finds itself deposed and comes back as a
// standby). Afterwards every event is acknowledged and stored exactly once, and no conversation
// was held by two agents.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "broker/app/broker_app.h"
#include "tests/support/admin_page.h"
#include "tests/support/clustered_broker.h"
#include "tests/support/loaded_cluster.h"
#include "tests/support/tcp_proxy.h"
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
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int ReadyzStatus(const ClusterMember& member) {
  return omni::testing::AdminGet("127.0.0.1:" + std::to_string(member.options.admin_port), "/readyz")
      .first;
}

// Three NATS servers, every log and lease on all three. One killed: the brokers go on once their
// connection and the streams moved to the others. Two killed: no quorum, so nothing is
// acknowledged (the leader is not ready) and nothing is lost; one back: they go on.
TEST(ClusterFaultsTest, OneEngineServerLostChangesNothingTwoStopAcknowledgementsUntilOneReturns) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 3);
  ASSERT_TRUE(servers.WaitReady());
  // Leases that outlast the quorum's absence: this test is about the logs.
  LoadedCluster cluster(dir, servers, [](auto& options) {
    options.replicas = 3;
    options.lease_ttl_ms = 60000;
  });
  cluster.Start();
  if (HasFatalFailure()) return;
  const ClusterMember& leader = cluster.members[0];
  ASSERT_TRUE(cluster.AcknowledgesMore(200, 30s));

  const auto one_lost = Clock::now();
  servers.Kill(0);
  ASSERT_TRUE(cluster.AcknowledgesMore(50, 30s)) << leader.Log();
  const double one_lost_pause = SecondsSince(one_lost);
  ASSERT_TRUE(cluster.AcknowledgesMore(200, 30s));
  EXPECT_EQ(ReadyzStatus(leader), 200);

  servers.Kill(1);
  // Appends on their way when the quorum went fail within the engine's timeout (5 s); from then
  // on nothing is acknowledged, and the leader says it is not ready.
  ASSERT_TRUE(WaitFor([&] { return ReadyzStatus(leader) == 503; }, 20s))
      << leader.Log();
  std::this_thread::sleep_for(1s);
  const size_t stalled = cluster.load->acked();
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(cluster.load->acked(), stalled) << "acknowledged without a quorum";

  const auto quorum_back = Clock::now();
  servers.Start(1);
  ASSERT_TRUE(cluster.AcknowledgesMore(50, 90s)) << leader.Log();
  const double resumed_after = SecondsSince(quorum_back);
  ASSERT_TRUE(WaitFor([&] { return ReadyzStatus(leader) == 200; }, 30s));
  servers.Start(0);
  ASSERT_TRUE(cluster.AcknowledgesMore(200, 30s));
  std::cout << "engine faults: one NATS server of three killed: acknowledgements went on within "
            << one_lost_pause << " s; two killed: none for as long; the quorum back: they went on "
            << resumed_after << " s later\n";
  cluster.StopAndCheck("b1");
}

// The leader cut off from the engine, not from its clients (a proxy between it and NATS that
// turns into a black hole): it cannot append, so it acknowledges nothing more; its lease expires,
// the standby takes the partition over, and the connector follows. The old leader, whose lease ran
// out by its own clock, exits with 75 without waiting to hear it was deposed; its supervisor starts
// it again and, back in touch, it stands by. (That a deposed leader's late append is refused:
// LogLeaderTest.)
TEST(ClusterFaultsTest, ALeaderCutOffFromTheEngineStopsAcknowledgingAndComesBackAsAStandby) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  const std::string direct = servers.Url(0);
  omni::testing::TcpProxy proxy(std::stoi(direct.substr(direct.rfind(':') + 1)));
  LoadedCluster cluster(dir, servers, [&](auto& options) {
    options.lease_ttl_ms = 2000;
    if (options.id == "b1") options.nats_urls = {"nats://" + proxy.address()};
  });
  cluster.Start();
  if (HasFatalFailure()) return;
  ClusterMember& old_leader = cluster.members[0];
  ClusterMember& standby = cluster.members[1];
  ASSERT_TRUE(cluster.AcknowledgesMore(200, 30s));

  const auto cut = Clock::now();
  proxy.SetBlackHole(true);
  ASSERT_TRUE(WaitFor([&] { return Leads(standby.options.grpc_port); }, 30s)) << standby.Log();
  const double takeover = SecondsSince(cut);
  ASSERT_TRUE(cluster.AcknowledgesMore(200, 30s)) << "the connector follows the new leader";
  const double acknowledged_again = SecondsSince(cut);
  // It cannot hear that it was deposed, but its lease ran out by its own clock: it stops.
  std::optional<int> ended;
  ASSERT_TRUE(WaitFor([&] { return (ended = old_leader.process->Ended()).has_value(); }, 30s))
      << old_leader.Log();
  EXPECT_TRUE(WIFEXITED(*ended) && WEXITSTATUS(*ended) == app::kExitLostLeadership)
      << old_leader.Log();
  const double stopped = SecondsSince(cut);

  // Back in touch (what was lost on the way leaves the old connection unusable: it is closed),
  // and started again by its supervisor: it stands by.
  proxy.SetBlackHole(false);
  proxy.Cut();
  old_leader.Start(servers);
  ASSERT_TRUE(WaitFor([&] { return StandsBy(old_leader.options.grpc_port); }, 30s))
      << old_leader.Log();
  ASSERT_TRUE(cluster.AcknowledgesMore(200, 30s));
  std::cout << "leader cut off from the engine (2 s lease): the standby led " << takeover
            << " s after the cut, the load acknowledged again by " << acknowledged_again
            << " s; the old leader stopped (exit 75) at " << stopped
            << " s, and came back as a standby once back in touch\n";
  cluster.StopAndCheck("b2");
}

}  // namespace
}  // namespace omni
