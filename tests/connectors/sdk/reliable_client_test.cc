// ReliableClient against the broker's real ROUTER endpoint (broker/ingest) over real tcp sockets
// on 127.0.0.1: nothing is lost while the broker is away, unacked events are resent, what is left
// at stop is spooled for the next run, and what a killed process sent from its spool without an
// ack is sent again by the next; and in a cluster each tenant's events go to the broker named as
// its leader, and back to the configured brokers once that one is gone.
#include "connectors/sdk/reliable_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "broker/ingest/ingest_endpoint.h"
#include "tests/support/test_support.h"

namespace omni::connectors {
namespace {

using namespace std::chrono_literals;
using omni::testing::TempDir;
using omni::testing::WaitFor;

omnibroker::v1::Event MakeEvent(int i) {
  omnibroker::v1::Event e;
  e.set_id("test:" + std::to_string(i));
  e.mutable_content()->set_text("message " + std::to_string(i));
  return e;
}

// A free tcp endpoint on 127.0.0.1, found by binding and releasing it.
std::string FreeEndpoint(zmq::context_t& zmq) {
  ingest::IngestEndpoint probe(zmq);
  EXPECT_TRUE(probe.Bind({"tcp://127.0.0.1:*"}).ok());
  std::string endpoint = probe.bound()[0];
  probe.Close();
  return endpoint;
}

// Receives event frames on `endpoint`; acks each event unless `ack` says not to.
struct TestBroker {
  TestBroker(zmq::context_t& zmq, const std::string& endpoint) : ingest(zmq) {
    EXPECT_TRUE(WaitFor([&] { return ingest.Bind({endpoint}).ok(); }, 5s));
  }
  // Reads for up to `d`, acking events that `ack` accepts; returns the ids received.
  std::vector<std::string> Pump(std::chrono::milliseconds d,
                                const std::function<bool(const std::string&)>& ack) {
    std::vector<std::string> ids;
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      auto r = ingest.TryReceive();
      if (!r) {
        std::this_thread::sleep_for(1ms);
        continue;
      }
      if (!r->frame.ok() || !r->frame->has_event()) continue;
      const std::string id = r->frame->event().id();
      ids.push_back(id);
      if (!ack(id)) continue;
      omnibroker::v1::BrokerFrame frame;
      frame.mutable_ack()->set_event_id(id);
      frame.mutable_ack()->set_status(omnibroker::v1::INGEST_STATUS_ACCEPTED);
      ingest.Send(r->routing_id, frame);
    }
    return ids;
  }
  ingest::IngestEndpoint ingest;
};

TEST(ReliableClientTest, NothingIsLostWhileTheBrokerIsAwayAndUnackedEventsAreResent) {
  zmq::context_t zmq;
  const std::string endpoint = FreeEndpoint(zmq);
  ReliableClient client(zmq,
                        {.broker_endpoint = endpoint, .connector_name = "t", .ack_timeout = 200ms},
                        [](omnibroker::v1::Delivery) {});
  ASSERT_OK(client.Start());
  std::atomic<int> acked{0};
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(client.Publish(MakeEvent(i), [&](const auto&) { acked++; }).ok());
  }
  std::this_thread::sleep_for(300ms);  // the broker is not there yet
  EXPECT_EQ(client.pending(), 50u);

  TestBroker broker(zmq, endpoint);
  // The broker "loses" the first copy of event 7: the client must send it again.
  bool dropped = false;
  std::set<std::string> received;
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& id : broker.Pump(50ms, [&](const std::string& id) {
           if (id == "test:7" && !dropped) return !(dropped = true);
           return true;
         })) {
      received.insert(id);
    }
    return acked.load() == 50;
  }));
  EXPECT_TRUE(dropped);
  EXPECT_EQ(received.size(), 50u);
  EXPECT_EQ(client.pending(), 0u);
  client.Stop();
}

TEST(ReliableClientTest, OverflowSpillsToDiskAndUnackedEventsSurviveARestart) {
  zmq::context_t zmq;
  TempDir spool;
  const std::string endpoint = FreeEndpoint(zmq);
  {
    ReliableClient client(zmq,
                          {.broker_endpoint = endpoint,
                           .connector_name = "t",
                           .max_memory_bytes = 200,
                           .spool_dir = spool.path()},
                          [](omnibroker::v1::Delivery) {});
    ASSERT_OK(client.Start());
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(client.Publish(MakeEvent(i), nullptr).ok());
    EXPECT_EQ(client.pending(), 30u);
    client.Stop();  // no broker ever answered
  }
  EXPECT_GT(std::filesystem::file_size(spool.path() / "t.spool"), 0u);

  ReliableClient restarted(
      zmq, {.broker_endpoint = endpoint, .connector_name = "t", .spool_dir = spool.path()},
      [](omnibroker::v1::Delivery) {});
  ASSERT_OK(restarted.Start());
  EXPECT_EQ(restarted.pending(), 30u);
  TestBroker broker(zmq, endpoint);
  std::set<std::string> received;
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& id : broker.Pump(50ms, [](const std::string&) { return true; }))
      received.insert(id);
    return received.size() == 30 && restarted.pending() == 0;
  }));
  restarted.Stop();
}

// A free tcp endpoint on 127.0.0.1 found without ZeroMQ, so that a child can be forked before
// this process has a ZeroMQ context (whose threads a fork would not carry).
std::string FreeEndpointWithoutZmq() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return "tcp://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

// The process dies (SIGKILL) after it sent events read from its spool and before the broker
// acked them: the next run sends them all again.
TEST(ReliableClientTest, ACrashBetweenSendingFromTheSpoolAndTheAckReplaysTheEvents) {
  TempDir spool;
  const std::string endpoint = FreeEndpointWithoutZmq();
  constexpr int kEvents = 10;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    zmq::context_t zmq;
    ReliableClient client(zmq,
                          {.broker_endpoint = endpoint,
                           .connector_name = "t",
                           .max_memory_bytes = 0,  // every event goes through the spool
                           .spool_dir = spool.path()},
                          [](omnibroker::v1::Delivery) {});
    if (!client.Start().ok()) _exit(2);
    for (int i = 0; i < kEvents; ++i) {
      if (!client.Publish(MakeEvent(i), nullptr).ok()) _exit(3);
    }
    pause();  // until the kill
  }
  zmq::context_t zmq;
  TestBroker broker(zmq, endpoint);  // stays up while the connector's process dies and restarts
  std::set<std::string> received;
  const bool all_sent = WaitFor([&] {
    for (const auto& id : broker.Pump(50ms, [](const std::string&) { return false; }))
      received.insert(id);
    return received.size() == kEvents;
  });
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_TRUE(all_sent) << received.size() << " events arrived from the spool";

  ReliableClient restarted(
      zmq, {.broker_endpoint = endpoint, .connector_name = "t", .spool_dir = spool.path()},
      [](omnibroker::v1::Delivery) {});
  ASSERT_OK(restarted.Start());
  EXPECT_EQ(restarted.pending(), static_cast<size_t>(kEvents));
  received.clear();
  const bool replayed = WaitFor([&] {
    for (const auto& id : broker.Pump(50ms, [](const std::string&) { return true; }))
      received.insert(id);
    return received.size() == kEvents && restarted.pending() == 0;
  });
  EXPECT_TRUE(replayed) << received.size() << " replayed, " << restarted.pending() << " pending";
  restarted.Stop();
  EXPECT_EQ(std::filesystem::file_size(spool.path() / "t.spool"), 0u) << "all acked: emptied";
}

TEST(ReliableClientTest, WithoutASpoolAFullOutboxSaysSo) {
  zmq::context_t zmq;
  ReliableClient client(
      zmq, {.broker_endpoint = FreeEndpoint(zmq), .connector_name = "t", .max_memory_bytes = 100},
      [](omnibroker::v1::Delivery) {});
  ASSERT_OK(client.Start());
  absl::Status last;
  for (int i = 0; i < 10 && last.ok(); ++i) last = client.Publish(MakeEvent(i), nullptr);
  EXPECT_EQ(last.code(), absl::StatusCode::kResourceExhausted);
  client.Stop();
}

// What a broker of a cluster received: events by id, hellos and delivery acks counted.
struct ClusterMember {
  ClusterMember(zmq::context_t& zmq, const std::string& endpoint) : endpoint(endpoint), ingest(zmq) {
    EXPECT_TRUE(WaitFor([&] { return ingest.Bind({endpoint}).ok(); }, 5s));
  }
  // Reads what came; answers each event with `answer` (none when it returns nullopt).
  void Pump(const std::function<std::optional<omnibroker::v1::IngestAck>(const std::string&)>& answer) {
    while (auto r = ingest.TryReceive()) {
      if (!r->frame.ok()) continue;
      routing_id = r->routing_id;
      if (r->frame->has_hello()) ++hellos;
      if (r->frame->has_delivery_ack()) delivery_acks.push_back(r->frame->delivery_ack().delivery_id());
      if (!r->frame->has_event()) continue;
      const std::string id = r->frame->event().id();
      events.push_back(id);
      auto ack = answer(id);
      if (!ack) continue;
      ack->set_event_id(id);
      omnibroker::v1::BrokerFrame frame;
      *frame.mutable_ack() = *std::move(ack);
      ingest.Send(r->routing_id, frame);
    }
  }
  std::string endpoint;
  ingest::IngestEndpoint ingest;
  std::string routing_id;  // the client's, once it said something
  int hellos = 0;
  std::vector<std::string> events;
  std::vector<std::string> delivery_acks;
};

omnibroker::v1::IngestAck Accepted() {
  omnibroker::v1::IngestAck ack;
  ack.set_status(omnibroker::v1::INGEST_STATUS_ACCEPTED);
  return ack;
}

TEST(ReliableClientTest, InAClusterEachTenantGoesToTheBrokerNamedAsItsLeader) {
  zmq::context_t zmq;
  ClusterMember standby(zmq, FreeEndpoint(zmq));
  auto leader = std::make_unique<ClusterMember>(zmq, FreeEndpoint(zmq));
  const std::string leader_endpoint = leader->endpoint;
  ReliableClient* self = nullptr;
  ReliableClient client(zmq,
                        {.broker_endpoint = standby.endpoint,
                         .connector_name = "t",
                         .ack_timeout = 300ms,
                         .hello_interval = 10s},
                        [&](omnibroker::v1::Delivery delivery) {
                          omnibroker::v1::DeliveryAck ack;
                          ack.set_delivery_id(delivery.delivery_id());
                          ack.set_ok(true);
                          self->SendDeliveryAck(std::move(ack));
                        });
  self = &client;
  ASSERT_OK(client.Start());
  std::mutex mu;
  std::set<std::string> accepted;
  auto publish = [&](int i) {
    auto event = MakeEvent(i);
    event.set_tenant("acme");
    return client.Publish(event, [&, id = event.id()](const omnibroker::v1::IngestAck& ack) {
      EXPECT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << ack.reason();
      std::lock_guard lock(mu);
      accepted.insert(id);
    });
  };
  auto was_accepted = [&](int i) {
    std::lock_guard lock(mu);
    return accepted.contains("test:" + std::to_string(i));
  };
  // The standby does not lead acme: it names the leader.
  auto led_elsewhere = [&](const std::string&) {
    omnibroker::v1::IngestAck ack;
    ack.set_status(omnibroker::v1::INGEST_STATUS_RETRY_LATER);
    ack.set_leader_endpoint(leader_endpoint);
    return std::optional(ack);
  };

  ASSERT_OK(publish(1));
  ASSERT_TRUE(WaitFor([&] {
    standby.Pump(led_elsewhere);
    leader->Pump([](const std::string&) { return std::optional(Accepted()); });
    return was_accepted(1);
  }, 5s));
  EXPECT_EQ(standby.events, std::vector<std::string>{"test:1"});
  EXPECT_EQ(leader->events, std::vector<std::string>{"test:1"});
  EXPECT_GE(leader->hellos, 1) << "greeted before its first event, so deliveries can come";

  // A delivery from the leader is acked to the leader.
  omnibroker::v1::BrokerFrame delivery;
  delivery.mutable_delivery()->set_delivery_id("d1");
  ASSERT_TRUE(leader->ingest.Send(leader->routing_id, delivery));
  ASSERT_TRUE(WaitFor([&] {
    leader->Pump([](const std::string&) { return std::optional(Accepted()); });
    return !leader->delivery_acks.empty();
  }, 5s));
  EXPECT_EQ(leader->delivery_acks, std::vector<std::string>{"d1"});

  // The next event of the tenant goes straight to the leader.
  ASSERT_OK(publish(2));
  ASSERT_TRUE(WaitFor([&] {
    standby.Pump(led_elsewhere);
    leader->Pump([](const std::string&) { return std::optional(Accepted()); });
    return was_accepted(2);
  }, 5s));
  EXPECT_EQ(standby.events, std::vector<std::string>{"test:1"});

  // The leader is gone: the standby (leading now) is asked again and takes it.
  leader.reset();
  ASSERT_OK(publish(3));
  ASSERT_TRUE(WaitFor([&] {
    standby.Pump([](const std::string&) { return std::optional(Accepted()); });
    return was_accepted(3);
  }, 5s));
  EXPECT_EQ(standby.events.back(), "test:3");
  EXPECT_EQ(client.pending(), 0u);
  client.Stop();
}

// Two brokers configured; the first cannot take the tenant's events now ("retry later" naming
// no leader: a leader cut off from its engine, its store refusing writes), then does not answer
// at all: each time the next is sent to the other, which takes it, and the tenant's events
// stay there.
TEST(ReliableClientTest, ABrokerThatCannotTakeEventsIsPassedOverForTheNextConfigured) {
  zmq::context_t zmq;
  ClusterMember stuck(zmq, FreeEndpoint(zmq));
  ClusterMember other(zmq, FreeEndpoint(zmq));
  ReliableClient client(zmq,
                        {.broker_endpoint = stuck.endpoint + "," + other.endpoint,
                         .connector_name = "t",
                         .ack_timeout = 300ms},
                        [](omnibroker::v1::Delivery) {});
  ASSERT_OK(client.Start());
  std::mutex mu;
  std::set<std::string> accepted;
  auto publish = [&](int i) {
    return client.Publish(MakeEvent(i), [&, i](const omnibroker::v1::IngestAck& ack) {
      EXPECT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << ack.reason();
      std::lock_guard lock(mu);
      accepted.insert("test:" + std::to_string(i));
    });
  };
  auto was_accepted = [&](int i) {
    std::lock_guard lock(mu);
    return accepted.contains("test:" + std::to_string(i));
  };
  auto retry_later = [](const std::string&) {
    omnibroker::v1::IngestAck ack;
    ack.set_status(omnibroker::v1::INGEST_STATUS_RETRY_LATER);
    return std::optional(ack);
  };
  auto accept = [](const std::string&) { return std::optional(Accepted()); };

  ASSERT_OK(publish(1));
  ASSERT_TRUE(WaitFor([&] {
    stuck.Pump(retry_later);
    other.Pump(accept);
    return was_accepted(1);
  }, 5s));
  EXPECT_EQ(stuck.events, std::vector<std::string>{"test:1"});
  EXPECT_EQ(other.events, std::vector<std::string>{"test:1"});
  // The next events of the tenant go to the one that took it, from the first.
  for (int i = 2; i <= 5; ++i) ASSERT_OK(publish(i));
  ASSERT_TRUE(WaitFor([&] {
    stuck.Pump(retry_later);
    other.Pump(accept);
    return was_accepted(5);
  }, 5s));
  EXPECT_EQ(stuck.events, std::vector<std::string>{"test:1"});

  // Now the other does not answer at all: after the ack timeout, the first is asked (and takes it).
  ASSERT_OK(publish(6));
  ASSERT_TRUE(WaitFor([&] {
    stuck.Pump(accept);
    other.Pump([](const std::string&) { return std::nullopt; });
    return was_accepted(6);
  }, 5s));
  EXPECT_EQ(other.events.back(), "test:6");
  EXPECT_EQ(stuck.events.back(), "test:6");
  EXPECT_EQ(client.pending(), 0u);
  client.Stop();
}

}  // namespace
}  // namespace omni::connectors
