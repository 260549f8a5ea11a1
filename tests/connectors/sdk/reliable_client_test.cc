// ReliableClient against the broker's real ROUTER endpoint (broker/ingest) over real tcp sockets
// on 127.0.0.1: nothing is lost while the broker is away, unacked events are resent, what is left
// at stop is spooled for the next run, and what a killed process sent from its spool without an
// ack is sent again by the next.
#include "connectors/sdk/reliable_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
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

}  // namespace
}  // namespace omni::connectors
