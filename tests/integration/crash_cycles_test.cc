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
#include "tests/support/agent_loop.h"
#include "tests/support/broker_process.h"
#include "tests/support/events.h"
#include "tests/support/load_generator.h"
#include "tests/support/stored_partition.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::BrokerProcess;
using omni::testing::FreePort;
using omni::testing::TempDir;
using omni::testing::WaitFor;

int Cycles() { return omni::testing::CyclesFromEnvironment("OMNI_CRASH_CYCLES", 20); }

// Two tenants, in two partitions (by the hash of their names: 15 and 10).
const std::vector<std::string> kTenants = {"default", "globex"};

omnibroker::v1::Event LoadEvent(int n) {
  auto e = omni::testing::MessageFrom("load-" + std::to_string(n), "loadgen", "customer-" + std::to_string(n % 40),
                                      "message " + std::to_string(n));
  e.set_channel(omnibroker::v1::CHANNEL_CHAT);
  e.set_tenant(kTenants[n % kTenants.size()]);
  return e;
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

  omni::testing::LoadGenerator load(client, LoadEvent);
  std::atomic<bool> stop_agents{false};
  std::vector<std::thread> agents;
  for (const char* id : {"alice", "boris"}) {
    agents.emplace_back([&, id] { omni::testing::AgentLoop(grpc_address, id, stop_agents); });
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
  load.Stop();
  ASSERT_TRUE(WaitFor([&] { return client.pending() == 0; }, 60s)) << client.pending() << " never acknowledged";
  stop_agents = true;
  for (auto& a : agents) a.join();
  client.Stop();
  const int status = broker.Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << omni::testing::ReadFile(dir.path() / "broker.log");

  // What the stores hold: each tenant's partition holds its tenant's events, and only those.
  omni::testing::StoredPartition stored_partitions;
  for (const auto& tenant : kTenants) {
    omni::testing::ReadStoredPartition(
        partitions::Partitions::Dir(dir.path(), partitions::PartitionMap{}.Of(tenant)), tenant,
        stored_partitions);
  }
  load.ExpectEachStoredOnce(stored_partitions.inbound);
  std::cout << "crash cycles: " << Cycles() << ", events: " << load.published()
            << ", conversations: " << stored_partitions.conversations.size() << "\n";
}

}  // namespace
}  // namespace omni
