// The ingest endpoint as a CURVE server over real tcp sockets on 127.0.0.1: a connector whose key
// is allowed gets its events through and acked (through the real ReliableClient); one with an
// unknown key, one without CURVE and one holding the wrong broker key get nothing through, and
// each refusal is reported by kind; a frame above max_message_bytes is dropped with its
// connection, and the connector's next frame arrives.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <deque>
#include <optional>

#include "base/curve_keys.h"
#include "broker/ingest/ingest_endpoint.h"
#include "connectors/sdk/reliable_client.h"
#include "tests/support/test_support.h"

namespace omni::ingest {
namespace {

using namespace std::chrono_literals;
using omni::testing::WaitFor;

CurveKeyPair NewPair() {
  auto pair = GenerateCurveKeyPair();
  EXPECT_TRUE(pair.ok()) << pair.status();
  return *pair;
}

class IngestGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CurveAvailable());
    IngestOptions options;
    options.max_message_bytes = 4096;
    options.curve_secret_key = broker_.secret_key;
    options.clients = {{allowed_.public_key, ConnectorGrant{.name = "allowed"}}};
    options.observe = [this](GuardEvent e) { seen_[static_cast<size_t>(e)]++; };
    endpoint_ = std::make_unique<IngestEndpoint>(zmq_, options);
    ASSERT_TRUE(endpoint_->Bind({"tcp://127.0.0.1:*"}).ok());
  }
  void TearDown() override {
    for (auto& socket : clients_) socket.close();
    endpoint_->Close();
  }

  int Seen(GuardEvent e) const { return seen_[static_cast<size_t>(e)].load(); }

  // A DEALER that connects with `curve` (no CURVE when it has no server key).
  zmq::socket_t& Client(const CurveClientKeys& curve) {
    zmq::socket_t& socket = clients_.emplace_back(zmq_, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    if (curve.enabled()) {
      socket.set(zmq::sockopt::curve_serverkey, curve.server_public_key);
      socket.set(zmq::sockopt::curve_publickey, *CurvePublicKey("client", curve.secret_key));
      socket.set(zmq::sockopt::curve_secretkey, curve.secret_key);
    }
    socket.connect(endpoint_->bound()[0]);
    return socket;
  }

  // Sends a Hello from `connector`; it queues in the DEALER until a handshake succeeds, which for
  // a refused client is never.
  static void SendHello(zmq::socket_t& socket, const std::string& connector) {
    omnibroker::v1::ConnectorFrame frame;
    frame.mutable_hello()->set_connector(connector);
    (void)socket.send(zmq::buffer(frame.SerializeAsString()), zmq::send_flags::none);
  }

  // The connector named in the next Hello to arrive (within the deadline), or "".
  std::string NextHello() {
    std::optional<Received> next;
    if (!WaitFor([&] { return (next = endpoint_->TryReceive()).has_value(); })) return "";
    return next->frame.ok() ? next->frame->hello().connector() : "(unparsable)";
  }

  // The refused client's refusal is reported, and nothing it sent arrives, while an allowed
  // connector on the same endpoint gets through.
  void ExpectRefused(const CurveClientKeys& keys, GuardEvent why) {
    SendHello(Client(keys), "refused");
    ASSERT_TRUE(WaitFor([&] { return Seen(why) >= 1; }));
    SendHello(Client({broker_.public_key, allowed_.secret_key}), "allowed");
    EXPECT_EQ(NextHello(), "allowed");
    EXPECT_FALSE(endpoint_->TryReceive().has_value());
  }

  const CurveKeyPair broker_ = NewPair();
  const CurveKeyPair allowed_ = NewPair();
  zmq::context_t zmq_;
  std::array<std::atomic<int>, 4> seen_{};
  std::unique_ptr<IngestEndpoint> endpoint_;
  std::deque<zmq::socket_t> clients_;
};

TEST_F(IngestGuardTest, AnAllowedConnectorsEventsArriveAndAreAcked) {
  connectors::ReliableClient client(zmq_,
                                    {.broker_endpoint = endpoint_->bound()[0],
                                     .connector_name = "gw",
                                     .curve = {broker_.public_key, allowed_.secret_key}},
                                    [](omnibroker::v1::Delivery) {});
  ASSERT_OK(client.Start());
  std::atomic<int> acked{0};
  omnibroker::v1::Event event;
  event.set_id("e1");
  ASSERT_TRUE(client.Publish(event, [&](const omnibroker::v1::IngestAck&) { acked++; }).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto received = endpoint_->TryReceive();
    if (received && received->frame.ok() && received->frame->has_event()) {
      omnibroker::v1::BrokerFrame ack;
      ack.mutable_ack()->set_event_id(received->frame->event().id());
      ack.mutable_ack()->set_status(omnibroker::v1::INGEST_STATUS_ACCEPTED);
      endpoint_->Send(received->routing_id, ack);
    }
    return acked.load() == 1;
  }));
  client.Stop();
  EXPECT_EQ(Seen(GuardEvent::kKeyNotAllowed) + Seen(GuardEvent::kNotCurve) +
                Seen(GuardEvent::kHandshakeFailed),
            0);
}

TEST_F(IngestGuardTest, AnUnknownKeyIsRefused) {
  ExpectRefused({broker_.public_key, NewPair().secret_key}, GuardEvent::kKeyNotAllowed);
}

TEST_F(IngestGuardTest, AConnectorWithoutCurveIsRefused) {
  ExpectRefused({}, GuardEvent::kNotCurve);
}

TEST_F(IngestGuardTest, AConnectorWithTheWrongBrokerKeyIsRefused) {
  ExpectRefused({NewPair().public_key, allowed_.secret_key}, GuardEvent::kHandshakeFailed);
}

TEST_F(IngestGuardTest, AnOversizedFrameIsDroppedWithItsConnection) {
  zmq::socket_t& client = Client({broker_.public_key, allowed_.secret_key});
  SendHello(client, "first");
  EXPECT_EQ(NextHello(), "first");
  SendHello(client, std::string(8192, 'x'));  // above max_message_bytes (4096)
  ASSERT_TRUE(WaitFor([&] { return Seen(GuardEvent::kDisconnected) >= 1; }));
  // The DEALER reconnects by itself; what it sends next arrives, the big frame never does.
  SendHello(client, "after");
  EXPECT_EQ(NextHello(), "after");
}

// A Bind refused (the address is taken, as right after another broker let it go) may be tried
// again: the endpoint's guard is started once (before, the second Bind started its thread over
// the running one and std::terminate ended the process).
TEST(IngestEndpointTest, ABindRefusedCanBeTriedAgain) {
  zmq::context_t zmq;
  IngestEndpoint holder(zmq);
  ASSERT_TRUE(holder.Bind({"tcp://127.0.0.1:*"}).ok());
  IngestEndpoint endpoint(zmq);
  EXPECT_FALSE(endpoint.Bind({holder.bound()[0]}).ok()) << "the address is taken";
  EXPECT_FALSE(endpoint.Bind({holder.bound()[0]}).ok()) << "still taken";
  const std::string address = holder.bound()[0];
  holder.Close();
  EXPECT_TRUE(WaitFor([&] { return endpoint.Bind({address}).ok(); }));
  EXPECT_EQ(endpoint.bound(), std::vector<std::string>{address});
}

}  // namespace
}  // namespace omni::ingest
