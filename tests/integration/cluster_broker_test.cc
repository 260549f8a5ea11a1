// The real omnibroker binary in a cluster (--config with a cluster section) on a real nats-server:
// every write of its partitions is appended to the partition's log before it is acknowledged, so
// when the broker's machine dies with its disk, a broker started on an empty disk finds every
// acknowledged message there; and a broker standing by takes a dead leader's partition over.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <future>

#include <nlohmann/json.hpp>

#include <grpcpp/grpcpp.h>

#include "broker/cluster/partition_leases.h"
#include "broker/partitions/partition_map.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_process.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::testing::FreePort;
using omni::testing::NatsServers;
using omni::testing::TempDir;
using omni::testing::WaitFor;

// A broker in the cluster of `servers`, named `id`, with its data in `dir`.
class ClusteredBroker : public omni::testing::BrokerProcess {
 public:
  ClusteredBroker(const std::filesystem::path& dir, const NatsServers& servers, const std::string& id,
                  int grpc_port, int web_port)
      : omni::testing::BrokerProcess(
            OMNI_BROKER_BINARY, dir,
            {"--config=" + WriteConfig(dir, servers, id).string(),
             "--grpc-listen=127.0.0.1:" + std::to_string(grpc_port),
             "--webchat-listen=127.0.0.1:" + std::to_string(web_port), "--ingest-listen="}) {}

 private:
  static std::filesystem::path WriteConfig(const std::filesystem::path& dir,
                                           const NatsServers& servers, const std::string& id) {
    std::filesystem::create_directories(dir);
    const auto path = dir.parent_path() / (id + ".yaml");
    std::ofstream(path) << "cluster:\n  servers: [" << servers.Url(0) << "]\n  broker_id: " << id
                        << "\n  replicas: 1\n  lease_ttl_ms: 2000\n";
    return path;
  }
};

bool Ready(httplib::Client& http) {
  auto res = http.Post("/v1/visitors", "{}", "application/json");
  return res && res->status == 201;
}

std::unique_ptr<omnibroker::v1::Admin::Stub> AdminOf(int grpc_port) {
  return omnibroker::v1::Admin::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureChannelCredentials()));
}

TEST(ClusterBrokerTest, ABrokerOnAnEmptyDiskFindsEveryAcknowledgedMessageInTheLog) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  const int grpc_port = FreePort();
  const int web_port = FreePort();
  httplib::Client http("127.0.0.1", web_port);
  http.set_connection_timeout(1, 0);

  std::set<std::string> acked_conversations;
  {
    ClusteredBroker broker(dir.path() / "b1", servers, "b1", grpc_port, web_port);
    ASSERT_TRUE(WaitFor([&] { return Ready(http); }, 20s))
        << omni::testing::ReadFile(dir.path() / "b1" / "broker.log");
    for (int v = 0; v < 5; ++v) {
      auto reg = http.Post("/v1/visitors", json{{"name", "visitor " + std::to_string(v)}}.dump(),
                           "application/json");
      ASSERT_TRUE(reg && reg->status == 201);
      const std::string token = json::parse(reg->body)["token"];
      for (int m = 0; m < 2; ++m) {
        auto res = http.Post("/v1/messages", {{"Authorization", "Bearer " + token}},
                             json{{"text", "message " + std::to_string(m)}}.dump(),
                             "application/json");
        ASSERT_TRUE(res);
        ASSERT_EQ(res->status, 202) << res->body;
        acked_conversations.insert(json::parse(res->body)["conversation_id"].get<std::string>());
      }
    }
    // The machine dies, and its disk with it.
    ASSERT_TRUE(WIFSIGNALED(broker.Stop(SIGKILL)));
  }
  ASSERT_EQ(acked_conversations.size(), 5u);
  std::filesystem::remove_all(dir.path() / "b1");

  // The same broker id on a new machine: its lease (not given up: it was killed) is its own.
  ClusteredBroker broker(dir.path() / "b1", servers, "b1", grpc_port, web_port);
  ASSERT_TRUE(WaitFor([&] { return Ready(http); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b1" / "broker.log");
  auto admin = AdminOf(grpc_port);
  grpc::ClientContext ctx;
  omnibroker::v1::ListConversationsResponse open;
  ASSERT_TRUE(admin->ListConversations(&ctx, {}, &open).ok());
  std::set<std::string> recovered;
  for (const auto& c : open.conversations()) {
    recovered.insert(c.id());
    EXPECT_EQ(c.last_sequence(), 2u) << c.id();
    EXPECT_EQ(c.state(), omnibroker::v1::CONVERSATION_STATE_QUEUED);
  }
  EXPECT_EQ(recovered, acked_conversations);
  grpc::ClientContext ctx2;
  omnibroker::v1::QueueSnapshot queue;
  ASSERT_TRUE(admin->GetQueueSnapshot(&ctx2, {}, &queue).ok());
  EXPECT_EQ(queue.entries_size(), 5);
  // A clean stop gives its leases up at once.
  ASSERT_TRUE(WIFEXITED(broker.Stop(SIGTERM)));
  auto js = cluster::JetStream::Connect({.servers = servers.Urls()});
  ASSERT_TRUE(js.ok());
  auto leases = cluster::PartitionLeases::Open(**js, {.replicas = 1, .ttl = 2s});
  ASSERT_TRUE(leases.ok());
  EXPECT_TRUE(absl::IsNotFound(
      (*leases)->Holder(partitions::PartitionMap{}.Of("default")).status()));
}

// Two brokers: the first leads, the second stands by; the first is killed, and once its lease
// expires the second takes the partition over with every acknowledged message.
TEST(ClusterBrokerTest, AStandbyTakesOverWhenTheLeaderDies) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  const int web_port = FreePort();
  httplib::Client http("127.0.0.1", web_port);
  http.set_connection_timeout(1, 0);
  auto first = std::make_unique<ClusteredBroker>(dir.path() / "b1", servers, "b1", FreePort(),
                                                 web_port);
  ASSERT_TRUE(WaitFor([&] { return Ready(http); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b1" / "broker.log");
  const int standby_grpc = FreePort();
  const int standby_web = FreePort();
  ClusteredBroker second(dir.path() / "b2", servers, "b2", standby_grpc, standby_web);
  ASSERT_TRUE(WaitFor(
      [&] {
        return omni::testing::ReadFile(dir.path() / "b2" / "broker.log").find("standing by") !=
               std::string::npos;
      },
      20s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");

  std::set<std::string> acked_conversations;
  for (int v = 0; v < 3; ++v) {
    auto reg = http.Post("/v1/visitors", json{{"name", "visitor"}}.dump(), "application/json");
    ASSERT_TRUE(reg && reg->status == 201);
    const std::string token = json::parse(reg->body)["token"];
    auto res = http.Post("/v1/messages", {{"Authorization", "Bearer " + token}},
                         json{{"text", "hello"}}.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
    acked_conversations.insert(json::parse(res->body)["conversation_id"].get<std::string>());
  }
  // A visitor who reached the standby's web chat: its message is not refused but kept by the
  // connector, which resends it until a broker leading the partition takes it.
  httplib::Client standby_http("127.0.0.1", standby_web);
  standby_http.set_read_timeout(15, 0);
  ASSERT_TRUE(WaitFor([&] { return Ready(standby_http); }, 20s));
  auto reg = standby_http.Post("/v1/visitors", json{{"name", "late"}}.dump(), "application/json");
  ASSERT_TRUE(reg && reg->status == 201);
  const std::string late_token = json::parse(reg->body)["token"];
  auto late = std::async(std::launch::async, [&] {
    auto res = standby_http.Post("/v1/messages", {{"Authorization", "Bearer " + late_token}},
                                 json{{"text", "anyone there?"}}.dump(), "application/json");
    return res ? res->status : 0;
  });
  ASSERT_TRUE(WIFSIGNALED(first->Stop(SIGKILL)));
  first.reset();

  // Within the lease's ttl (2 s) and a renewal period, the standby leads and serves them all, and
  // the message sent to it meanwhile.
  auto admin = AdminOf(standby_grpc);
  std::set<std::string> recovered;
  ASSERT_TRUE(WaitFor(
      [&] {
        grpc::ClientContext ctx;
        omnibroker::v1::ListConversationsResponse open;
        if (!admin->ListConversations(&ctx, {}, &open).ok()) return false;
        recovered.clear();
        for (const auto& c : open.conversations()) recovered.insert(c.id());
        return recovered.size() == acked_conversations.size() + 1;
      },
      20s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");
  for (const auto& id : acked_conversations) EXPECT_TRUE(recovered.contains(id)) << id;
  // Answered once the standby took it (202), or after the web chat's 10 s wait (503): either way
  // it was kept, not refused.
  const int late_status = late.get();
  EXPECT_TRUE(late_status == 202 || late_status == 503) << late_status;
  EXPECT_NE(omni::testing::ReadFile(dir.path() / "b2" / "broker.log").find("took over partition"),
            std::string::npos);
}

}  // namespace
}  // namespace omni
