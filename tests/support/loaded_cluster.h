// Two real brokers in a cluster under load, for the tests that break brokers or the engine: b1
// leading and b2 standing by, a load generator publishing through the connector SDK given both,
// and two agents (alice on b1, boris on b2) taking, answering and closing conversations. At the
// end every event must be acknowledged and stored exactly once in the leader's store.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "broker/partitions/partitions.h"
#include "connectors/sdk/reliable_client.h"
#include "tests/support/agent_loop.h"
#include "tests/support/clustered_broker.h"
#include "tests/support/events.h"
#include "tests/support/load_generator.h"
#include "tests/support/stored_partition.h"
#include "tests/support/test_support.h"

namespace omni::testing {

// The load's n-th event: a chat message from one of 40 customers.
inline omnibroker::v1::Event LoadEvent(int n) {
  auto e = MessageFrom("load-" + std::to_string(n), "loadgen", "customer-" + std::to_string(n % 40),
                       "message " + std::to_string(n));
  e.set_channel(omnibroker::v1::CHANNEL_CHAT);
  return e;
}

class LoadedCluster {
 public:
  // `options_of` sets each member's options beyond its id, ports and data directory.
  LoadedCluster(const TempDir& dir, const NatsServers& servers,
                const std::function<void(ClusteredBrokerOptions&)>& options_of)
      : dir_(dir), servers_(servers) {
    for (const char* id : {"b1", "b2"}) {
      ClusterMember member{.id = id,
                           .dir = dir.path() / id,
                           .options = {.id = id,
                                       .grpc_port = FreePort(),
                                       .ingest_port = FreePort(),
                                       .admin_port = FreePort()}};
      options_of(member.options);
      members.push_back(std::move(member));
    }
  }

  // The load first: it publishes through the client, which goes before it.
  ~LoadedCluster() {
    load.reset();
    StopAgents();
  }

  // Starts the brokers, the load and the agents (a failure when one does not come).
  void Start() {
    using namespace std::chrono_literals;
    members[0].Start(servers_);
    ASSERT_TRUE(WaitFor([&] { return Leads(members[0].options.grpc_port); }, 30s))
        << members[0].Log();
    members[1].Start(servers_);
    ASSERT_TRUE(WaitFor([&] { return StandsBy(members[1].options.grpc_port); }, 30s))
        << members[1].Log();
    client_ = std::make_unique<connectors::ReliableClient>(
        zmq_,
        connectors::ReliableClientOptions{.broker_endpoint = IngestEndpoints(members),
                                          .connector_name = "loadgen",
                                          .providers = {"loadgen"},
                                          .ack_timeout = 300ms,
                                          .spool_dir = dir_.path() / "loadgen-spool"},
        [](omnibroker::v1::Delivery) {});
    ASSERT_OK(client_->Start());
    load = std::make_unique<LoadGenerator>(*client_, LoadEvent);
    for (size_t i = 0; i < members.size(); ++i) {
      agents_.emplace_back([this, i] {
        AgentLoop("127.0.0.1:" + std::to_string(members[i].options.grpc_port),
                  i == 0 ? "alice" : "boris", stop_agents_);
      });
    }
  }

  // Whether `more` events are acknowledged within `within`.
  bool AcknowledgesMore(size_t more, std::chrono::seconds within) {
    const size_t before = load->acked();
    return WaitFor([&] { return load->acked() >= before + more; }, within);
  }

  // The member leading now (b1 unless b2 does).
  ClusterMember& Leader() { return Leads(members[1].options.grpc_port) ? members[1] : members[0]; }

  // Stops the load once all of it is acknowledged, the agents and the brokers (the standby
  // first), and checks the store of `leader`, which must be leading: each event stored once.
  // What was stored is left in `stored`.
  void StopAndCheck(const std::string& leader_id) {
    using namespace std::chrono_literals;
    load->Stop();
    ASSERT_TRUE(WaitFor([&] { return client_->pending() == 0; }, 60s))
        << client_->pending() << " never acknowledged";
    StopAgents();
    client_->Stop();
    const size_t leader = members[0].id == leader_id ? 0 : 1;
    ASSERT_TRUE(Leads(members[leader].options.grpc_port)) << members[leader].Log();
    for (size_t i : {1 - leader, leader}) {
      const int status = members[i].process->Stop(SIGTERM);
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << members[i].Log();
    }
    ReadStoredPartition(
        partitions::Partitions::Dir(members[leader].dir, partitions::PartitionMap{}.Of("default")),
        "default", stored);
    load->ExpectEachStoredOnce(stored.inbound);
  }

  std::vector<ClusterMember> members;
  std::unique_ptr<LoadGenerator> load;
  StoredPartition stored;

 private:
  void StopAgents() {
    stop_agents_ = true;
    for (auto& a : agents_) {
      if (a.joinable()) a.join();
    }
  }

  const TempDir& dir_;
  const NatsServers& servers_;
  zmq::context_t zmq_;
  std::unique_ptr<connectors::ReliableClient> client_;
  std::atomic<bool> stop_agents_{false};
  std::vector<std::thread> agents_;
};

}  // namespace omni::testing
