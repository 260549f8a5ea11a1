// The real omnibroker binary in a cluster (--config with a cluster section) on a real nats-server:
// every write of its partitions is appended to the partition's log before it is acknowledged, so
// when the broker's machine dies with its disk, a broker started on an empty disk finds every
// acknowledged message there; a broker standing by takes a dead leader's partition over; and a
// connector that reached a standby is sent to the leader, and follows the partition when it moves.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <future>
#include <iostream>

#include <nlohmann/json.hpp>

#include <grpcpp/grpcpp.h>

#include "broker/cluster/partition_leases.h"
#include "broker/partitions/partition_map.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_harness.h"
#include "tests/support/clustered_broker.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::testing::AdminOf;
using omni::testing::ClusteredBroker;
using omni::testing::ClusteredBrokerOptions;
using omni::testing::FreePort;
using omni::testing::LogHas;
using omni::testing::NatsServers;
using omni::testing::TempDir;
using omni::testing::WaitFor;

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
    ClusteredBroker broker(dir.path() / "b1", servers,
                           {.id = "b1", .grpc_port = grpc_port, .web_port = web_port});
    ASSERT_TRUE(WaitFor([&] { return omni::testing::WebChatReady(web_port); }, 20s))
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
  ClusteredBroker broker(dir.path() / "b1", servers,
                         {.id = "b1", .grpc_port = grpc_port, .web_port = web_port});
  ASSERT_TRUE(WaitFor([&] { return omni::testing::WebChatReady(web_port); }, 20s))
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

// Two brokers: the first leads, the second stands by, its store following the log; the first is
// killed, and once its lease expires the second takes the partition over with every acknowledged
// message, already applied.
TEST(ClusterBrokerTest, AStandbyTakesOverWhenTheLeaderDies) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  const int web_port = FreePort();
  const int leader_grpc = FreePort();
  auto first = std::make_unique<ClusteredBroker>(
      dir.path() / "b1", servers,
      ClusteredBrokerOptions{.id = "b1", .grpc_port = leader_grpc, .web_port = web_port});
  ASSERT_TRUE(WaitFor([&] { return omni::testing::WebChatReady(web_port); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b1" / "broker.log");
  const int standby_grpc = FreePort();
  const int standby_web = FreePort();
  const int standby_admin = FreePort();
  ClusteredBroker second(dir.path() / "b2", servers,
                         {.id = "b2",
                          .grpc_port = standby_grpc,
                          .web_port = standby_web,
                          .admin_port = standby_admin});
  ASSERT_TRUE(WaitFor(
      [&] {
        return omni::testing::ReadFile(dir.path() / "b2" / "broker.log").find("standing by") !=
               std::string::npos;
      },
      20s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");

  std::set<std::string> acked_conversations;
  omni::testing::VisitorsSay(web_port, 3, "hello", acked_conversations);
  if (HasFatalFailure()) return;
  // A visitor who reached the standby's web chat: its message is not refused but kept by the
  // connector, which resends it until a broker leading the partition takes it.
  httplib::Client standby_http("127.0.0.1", standby_web);
  standby_http.set_read_timeout(15, 0);
  ASSERT_TRUE(WaitFor([&] { return omni::testing::WebChatReady(standby_web); }, 20s));
  auto reg = standby_http.Post("/v1/visitors", json{{"name", "late"}}.dump(), "application/json");
  ASSERT_TRUE(reg && reg->status == 201);
  const std::string late_token = json::parse(reg->body)["token"];
  auto late = std::async(std::launch::async, [&] {
    auto res = standby_http.Post("/v1/messages", {{"Authorization", "Bearer " + late_token}},
                                 json{{"text", "anyone there?"}}.dump(), "application/json");
    return res ? res->status : 0;
  });
  // Each sees its role; the standby's store follows the log to its end (a hot standby).
  const auto leading = *omni::testing::StatusOfDefault(leader_grpc);
  EXPECT_EQ(leading.role(), omnibroker::v1::PartitionStatus::ROLE_LEADING);
  EXPECT_EQ(leading.leader(), "b1");
  EXPECT_GT(leading.epoch(), 0u);
  EXPECT_EQ(leading.tenants(0), "default");
  omnibroker::v1::PartitionStatus standing_by;
  ASSERT_TRUE(WaitFor(
      [&] {
        standing_by = omni::testing::StatusOfDefault(standby_grpc).value_or(standing_by);
        return standing_by.log_last() > 0 && standing_by.applied() == standing_by.log_last();
      },
      10s))
      << standing_by.DebugString();
  EXPECT_EQ(standing_by.role(), omnibroker::v1::PartitionStatus::ROLE_STANDING_BY);
  EXPECT_EQ(standing_by.leader(), "b1");
  EXPECT_EQ(standing_by.epoch(), leading.epoch());
  EXPECT_EQ(standing_by.log_last(), omni::testing::StatusOfDefault(leader_grpc)->applied());
  // The same in its metrics; and a standby is ready: it sends clients to the leader.
  httplib::Client standby_admin_http("127.0.0.1", standby_admin);
  const std::string partition =
      std::to_string(partitions::PartitionMap{}.Of("default"));
  auto metrics = standby_admin_http.Get("/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  EXPECT_NE(metrics->body.find("omni_cluster_partition_leading{partition=\"" + partition + "\"} 0"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(
      metrics->body.find("omni_cluster_partition_lag_records{partition=\"" + partition + "\"} 0"),
      std::string::npos);
  EXPECT_NE(metrics->body.find("omni_cluster_partition_epoch{partition=\"" + partition + "\"} " +
                               std::to_string(leading.epoch())),
            std::string::npos);
  auto ready = standby_admin_http.Get("/readyz");
  EXPECT_TRUE(ready && ready->status == 200);

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
  // It had nothing left to apply when it took over.
  EXPECT_TRUE(LogHas(dir.path() / "b2", ", 0 applied from the log"))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");
  const auto taken_over =
      omni::testing::StatusOfDefault(standby_grpc).value_or(omnibroker::v1::PartitionStatus{});
  EXPECT_EQ(taken_over.role(), omnibroker::v1::PartitionStatus::ROLE_LEADING);
  EXPECT_EQ(taken_over.leader(), "b2");
  EXPECT_GT(taken_over.epoch(), leading.epoch());
  metrics = standby_admin_http.Get("/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  EXPECT_NE(metrics->body.find("omni_cluster_partition_leading{partition=\"" + partition + "\"} 1"),
            std::string::npos)
      << metrics->body;
}

// A leader stopped with SIGTERM (a scale-down, a rolling update) finishes what it was writing and
// gives its lease up; the broker standing by sees it given up and takes the partition over at
// once, not at its next look at the leases (a third of the ttl: 20 s here). A visitor's message
// sent to the standby meanwhile is acknowledged once it leads: the pause a client sees.
TEST(ClusterBrokerTest, ALeaderStoppedWithSigtermHandsItsPartitionOverAtOnce) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  const int web_port = FreePort();
  auto first = std::make_unique<ClusteredBroker>(
      dir.path() / "b1", servers,
      ClusteredBrokerOptions{
          .id = "b1", .grpc_port = FreePort(), .web_port = web_port, .lease_ttl_ms = 60000});
  ASSERT_TRUE(WaitFor([&] { return omni::testing::WebChatReady(web_port); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b1" / "broker.log");
  const int standby_grpc = FreePort();
  const int standby_web = FreePort();
  ClusteredBroker second(
      dir.path() / "b2", servers,
      {.id = "b2", .grpc_port = standby_grpc, .web_port = standby_web, .lease_ttl_ms = 60000});
  ASSERT_TRUE(WaitFor([&] { return LogHas(dir.path() / "b2", "standing by"); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");
  std::set<std::string> acked_conversations;
  omni::testing::VisitorsSay(web_port, 3, "hello", acked_conversations);
  if (HasFatalFailure()) return;
  httplib::Client standby_http("127.0.0.1", standby_web);
  standby_http.set_read_timeout(15, 0);
  ASSERT_TRUE(WaitFor([&] { return omni::testing::WebChatReady(standby_web); }, 20s));
  auto reg = standby_http.Post("/v1/visitors", json{{"name", "late"}}.dump(), "application/json");
  ASSERT_TRUE(reg && reg->status == 201);
  const std::string late_token = json::parse(reg->body)["token"];

  const auto sigterm = std::chrono::steady_clock::now();
  auto late = std::async(std::launch::async, [&] {
    auto res = standby_http.Post("/v1/messages", {{"Authorization", "Bearer " + late_token}},
                                 json{{"text", "anyone there?"}}.dump(), "application/json");
    return std::make_pair(res ? res->status : 0, std::chrono::steady_clock::now());
  });
  ASSERT_TRUE(WIFEXITED(first->Stop(SIGTERM)));
  const auto exited = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return omni::testing::Leads(standby_grpc); }, 10s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");
  const auto leads = std::chrono::steady_clock::now();
  const auto [late_status, late_acked] = late.get();
  EXPECT_EQ(late_status, 202);
  const auto ms = [&](auto t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - sigterm).count();
  };
  std::cout << "handover: the leader exited " << ms(exited) << " ms after SIGTERM; the standby "
            << "led by " << ms(leads) << " ms; the visitor's message sent meanwhile acked at "
            << ms(late_acked) << " ms (lease ttl 60 s)\n";

  auto admin = AdminOf(standby_grpc);
  grpc::ClientContext ctx;
  omnibroker::v1::ListConversationsResponse open;
  ASSERT_TRUE(admin->ListConversations(&ctx, {}, &open).ok());
  std::set<std::string> served;
  for (const auto& c : open.conversations()) served.insert(c.id());
  for (const auto& id : acked_conversations) EXPECT_TRUE(served.contains(id)) << id;
  EXPECT_EQ(served.size(), acked_conversations.size() + 1);
}

// A connector and an agent's console configured with a standby only (as a load balancer may pick
// one): the standby names the leader, they go there, and the agent's reply is delivered to the
// connector by the leader. The leader dies: both go back to the standby, which serves them once it
// leads, the agent's new offer included.
TEST(ClusterBrokerTest, ConnectorsAndAgentsAreSentToTheLeaderAndFollowThePartition) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  const int leader_grpc = FreePort();
  auto leader = std::make_unique<ClusteredBroker>(
      dir.path() / "b1", servers,
      ClusteredBrokerOptions{.id = "b1", .grpc_port = leader_grpc, .ingest_port = FreePort()});
  ASSERT_TRUE(WaitFor([&] { return LogHas(dir.path() / "b1", "leads partition"); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b1" / "broker.log");
  const int standby_grpc = FreePort();
  const int standby_ingest = FreePort();
  ClusteredBroker standby(
      dir.path() / "b2", servers,
      {.id = "b2", .grpc_port = standby_grpc, .ingest_port = standby_ingest});
  ASSERT_TRUE(WaitFor([&] { return LogHas(dir.path() / "b2", "standing by"); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");

  std::mutex mu;
  std::map<std::string, omnibroker::v1::IngestAck> acks;
  std::vector<omnibroker::v1::Delivery> deliveries;
  zmq::context_t zmq;
  connectors::ReliableClient* client_ptr = nullptr;
  connectors::ReliableClient client(
      zmq,
      {.broker_endpoint = ClusteredBroker::IngestEndpoint(standby_ingest),
       .connector_name = "test",
       .providers = {"telegram"},
       .ack_timeout = 1s},
      [&](omnibroker::v1::Delivery delivery) {
        omnibroker::v1::DeliveryAck ack;
        ack.set_delivery_id(delivery.delivery_id());
        ack.set_ok(true);
        ack.set_provider_message_id("tg-1");
        {
          std::lock_guard lock(mu);
          deliveries.push_back(std::move(delivery));
        }
        client_ptr->SendDeliveryAck(std::move(ack));
      });
  client_ptr = &client;
  ASSERT_OK(client.Start());
  auto publish = [&](const std::string& id) {
    return client.Publish(omni::testing::MessageFrom(id, "telegram", "chat-" + id, "hello " + id),
                          [&, id](const omnibroker::v1::IngestAck& ack) {
                            std::lock_guard lock(mu);
                            acks[id] = ack;
                          });
  };
  auto accepted = [&](const std::string& id) {
    std::lock_guard lock(mu);
    return acks.contains(id) && acks[id].status() == omnibroker::v1::INGEST_STATUS_ACCEPTED;
  };

  ASSERT_OK(publish("e1"));
  ASSERT_TRUE(WaitFor([&] { return accepted("e1"); }, 10s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");
  // The leader has it; an agent who reached the standby is sent there, answers, and the reply is
  // delivered to the connector over its link to the leader.
  auto alice = agent::AgentClient::Connect("127.0.0.1:" + std::to_string(standby_grpc), "alice");
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_OK((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE));
  auto offer = omni::testing::NextOffer(**alice);
  ASSERT_TRUE(offer.has_value());
  auto conversation = (*alice)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  std::string first_conversation;
  {
    std::lock_guard lock(mu);
    first_conversation = acks["e1"].conversation_id();
  }
  EXPECT_EQ(*conversation, first_conversation);
  ASSERT_TRUE((*alice)->SendText(*conversation, "on its way").ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard lock(mu);
        return !deliveries.empty();
      },
      10s));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(deliveries.front().event().content().text(), "on its way");
  }

  // The leader dies; the standby leads once the lease expires and takes what the connector kept.
  ASSERT_TRUE(WIFSIGNALED(leader->Stop(SIGKILL)));
  leader.reset();
  ASSERT_OK(publish("e2"));
  ASSERT_TRUE(WaitFor([&] { return accepted("e2"); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");
  EXPECT_TRUE(LogHas(dir.path() / "b2", "took over partition"));
  std::string second_conversation;
  {
    std::lock_guard lock(mu);
    second_conversation = acks["e2"].conversation_id();
  }
  // The agent is back, at the new leader, and is offered the new conversation.
  auto second_offer = omni::testing::NextOffer(**alice, 20s);
  ASSERT_TRUE(second_offer.has_value()) << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");
  EXPECT_EQ(second_offer->conversation().id(), second_conversation);
  EXPECT_TRUE((*alice)->connected());
  auto admin = AdminOf(standby_grpc);
  grpc::ClientContext ctx;
  omnibroker::v1::ListConversationsResponse open;
  ASSERT_TRUE(admin->ListConversations(&ctx, {}, &open).ok());
  std::map<std::string, std::string> assigned;
  for (const auto& c : open.conversations()) assigned[c.id()] = c.assigned_agent_id();
  EXPECT_EQ(assigned[first_conversation], "alice");
  EXPECT_TRUE(assigned.contains(second_conversation));
  (*alice)->Close();
  client.Stop();
  EXPECT_EQ(client.pending(), 0u);
}

// A leader whose lease another broker took (here the test deletes it, as an expiry would while
// the leader was cut off from the engine) leads no more: it exits with status 75 for its
// supervisor to start it again, and comes back as the standby of the new leader.
TEST(ClusterBrokerTest, ALeaderThatLostItsLeaseExitsAndComesBackAsAStandby) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  const ClusteredBrokerOptions first_options{.id = "b1", .grpc_port = FreePort()};
  const ClusteredBrokerOptions second_options{.id = "b2", .grpc_port = FreePort()};
  auto first = std::make_unique<ClusteredBroker>(dir.path() / "b1", servers, first_options);
  ASSERT_TRUE(WaitFor([&] { return omni::testing::Leads(first_options.grpc_port); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b1" / "broker.log");
  ClusteredBroker second(dir.path() / "b2", servers, second_options);
  ASSERT_TRUE(WaitFor([&] { return omni::testing::StandsBy(second_options.grpc_port); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");

  auto js = cluster::JetStream::Connect({.servers = servers.Urls()});
  ASSERT_TRUE(js.ok());
  auto leases = cluster::PartitionLeases::Open(**js, {.replicas = 1, .ttl = 2s});
  ASSERT_TRUE(leases.ok());
  const int partition = partitions::PartitionMap{}.Of("default");
  auto held = (*leases)->Holder(partition);
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_EQ(held->value.broker(), "b1");
  ASSERT_TRUE((*leases)->Release(*held).ok());

  std::optional<int> ended;
  ASSERT_TRUE(WaitFor([&] { return (ended = first->Ended()).has_value(); }, 10s));
  EXPECT_TRUE(WIFEXITED(*ended) && WEXITSTATUS(*ended) == 75) << *ended;
  EXPECT_TRUE(LogHas(dir.path() / "b1", "no longer leads a partition"))
      << omni::testing::ReadFile(dir.path() / "b1" / "broker.log");
  ASSERT_TRUE(WaitFor([&] { return omni::testing::Leads(second_options.grpc_port); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b2" / "broker.log");

  first = std::make_unique<ClusteredBroker>(dir.path() / "b1", servers, first_options);
  ASSERT_TRUE(WaitFor([&] { return omni::testing::StandsBy(first_options.grpc_port); }, 20s))
      << omni::testing::ReadFile(dir.path() / "b1" / "broker.log");
  EXPECT_EQ(omni::testing::StatusOfDefault(first_options.grpc_port)->leader(), "b2");
}

}  // namespace
}  // namespace omni
