// Connectors at a real broker's CURVE ingest endpoint take only what their keys are granted
// (ingest.clients): events for another tenant or provider are refused, a sender they may not vouch
// for stays unverified, a Hello for a provider they may not serve brings them none of its replies,
// and only the connector a delivery was sent to may ack it. Several gateways for one provider
// share its deliveries, and a delivery moves when its gateway goes quiet. A frame the broker
// cannot parse (text that is not UTF-8) is refused by name, so the connector drops it and the
// events behind it go through.
//
// Connectors here are raw DEALER sockets with CURVE keys, so the test says exactly what each sends.
#include <gtest/gtest.h>

#include <deque>
#include <optional>

#include "base/curve_keys.h"
#include "tests/support/broker_harness.h"

namespace omni::testing {
namespace {

using omnibroker::v1::BrokerFrame;
using omnibroker::v1::ConnectorFrame;

CurveKeyPair NewPair() {
  auto pair = GenerateCurveKeyPair();
  EXPECT_TRUE(pair.ok()) << pair.status();
  return *pair;
}

// One connector identity, speaking the wire protocol by hand.
class RawConnector {
 public:
  RawConnector(zmq::context_t& zmq, const std::string& endpoint, const std::string& broker_key,
               const CurveKeyPair& keys)
      : socket_(zmq, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::curve_serverkey, broker_key);
    socket_.set(zmq::sockopt::curve_publickey, keys.public_key);
    socket_.set(zmq::sockopt::curve_secretkey, keys.secret_key);
    socket_.connect(endpoint);
  }

  void SendRaw(const std::string& bytes) {
    ASSERT_TRUE(socket_.send(zmq::buffer(bytes), zmq::send_flags::none).has_value());
  }
  void Send(const ConnectorFrame& frame) { SendRaw(frame.SerializeAsString()); }
  void Hello(const std::vector<std::string>& providers) {
    ConnectorFrame frame;
    frame.mutable_hello()->set_connector("raw");
    for (const auto& p : providers) frame.mutable_hello()->add_providers(p);
    Send(frame);
  }
  void Publish(const omnibroker::v1::Event& event) {
    ConnectorFrame frame;
    *frame.mutable_event() = event;
    Send(frame);
  }
  void AckDelivery(const std::string& delivery_id) {
    ConnectorFrame frame;
    frame.mutable_delivery_ack()->set_delivery_id(delivery_id);
    frame.mutable_delivery_ack()->set_ok(true);
    Send(frame);
  }

  // The next frame from the broker within `timeout`.
  std::optional<BrokerFrame> Next(std::chrono::milliseconds timeout = 5s) {
    socket_.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
    zmq::message_t message;
    if (!socket_.recv(message)) return std::nullopt;
    BrokerFrame frame;
    if (!frame.ParseFromArray(message.data(), static_cast<int>(message.size()))) return std::nullopt;
    return frame;
  }
  std::optional<omnibroker::v1::IngestAck> NextAck() {
    for (auto frame = Next(); frame; frame = Next()) {
      if (frame->has_ack()) return frame->ack();
    }
    return std::nullopt;
  }
  // The next delivery within `timeout`, saying Hello for `providers` meanwhile (as a live
  // connector does every second).
  std::optional<omnibroker::v1::Delivery> NextDelivery(const std::vector<std::string>& providers,
                                                       std::chrono::milliseconds timeout = 10s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      Hello(providers);
      auto frame = Next(200ms);
      if (frame && frame->has_delivery()) return frame->delivery();
    }
    return std::nullopt;
  }

 private:
  zmq::socket_t socket_;
};

class IngestPeersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CurveAvailable());
    app::BrokerConfig config = TestConfig(dir_.path(), "tcp://127.0.0.1:*");
    config.ingest.curve_secret_key = broker_keys_.secret_key;
    config.ingest.clients = {
        {.name = "gateway-a", .public_key = a_.public_key, .tenants = {"default"},
         .providers = {"fakeprov"}},
        {.name = "gateway-b", .public_key = b_.public_key, .tenants = {"default"},
         .providers = {"fakeprov"}},
        {.name = "whatsapp-gw", .public_key = vouching_.public_key, .tenants = {"default"},
         .providers = {"*"}, .verify_senders = true},
    };
    broker_ = std::make_unique<app::BrokerApp>(config);
    ASSERT_OK(broker_->Start());
    endpoint_ = broker_->ingest_endpoints().back();
  }
  void TearDown() override {
    connectors_.clear();
    broker_->Stop();
  }

  RawConnector& Connect(const CurveKeyPair& keys) {
    return connectors_.emplace_back(zmq_, endpoint_, broker_keys_.public_key, keys);
  }

  // An event from `connector`, answered ACCEPTED (or the test fails).
  std::string Accepted(RawConnector& connector, const omnibroker::v1::Event& event) {
    connector.Publish(event);
    auto ack = connector.NextAck();
    EXPECT_TRUE(ack.has_value());
    if (!ack) return "";
    EXPECT_EQ(ack->status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << ack->reason();
    return ack->conversation_id();
  }

  // Alice accepts the conversation of `event` and replies: a delivery for its provider.
  void AliceReplies(const std::string& text) {
    auto offer = NextOffer(*alice_);
    ASSERT_TRUE(offer.has_value());
    auto conversation = alice_->Accept(offer->offer_id());
    ASSERT_OK(conversation.status());
    ASSERT_OK(alice_->SendText(*conversation, text).status());
  }

  const CurveKeyPair broker_keys_ = NewPair();
  const CurveKeyPair a_ = NewPair();
  const CurveKeyPair b_ = NewPair();
  const CurveKeyPair vouching_ = NewPair();
  TempDir dir_;
  std::unique_ptr<app::BrokerApp> broker_;
  std::string endpoint_;
  zmq::context_t zmq_;
  std::deque<RawConnector> connectors_;
  std::unique_ptr<agent::AgentClient> alice_;
};

TEST_F(IngestPeersTest, AnEventForAnotherTenantOrProviderIsRefusedAndCounted) {
  RawConnector& a = Connect(a_);
  auto foreign_tenant = MessageFrom("t1", "fakeprov", "+100", "hello");
  foreign_tenant.set_tenant("globex");
  a.Publish(foreign_tenant);
  auto ack = a.NextAck();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status(), omnibroker::v1::INGEST_STATUS_REJECTED);
  EXPECT_EQ(ack->reason(), "connector 'gateway-a' may not publish for tenant 'globex'");

  a.Publish(MessageFrom("t2", "telegram", "+100", "hello"));
  ack = a.NextAck();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status(), omnibroker::v1::INGEST_STATUS_REJECTED);
  EXPECT_EQ(ack->reason(), "connector 'gateway-a' may not publish for provider 'telegram'");
  EXPECT_EQ(broker_->metrics().reject(ops::RejectReason::kNotPermitted).value(), 2);

  // Its own tenant and provider go through.
  EXPECT_FALSE(Accepted(a, MessageFrom("t3", "fakeprov", "+100", "hello")).empty());
}

TEST_F(IngestPeersTest, OnlyAKeyAllowedToVouchLinksASenderToACustomer) {
  // A verified phone links every identity that shows it to one customer: the customer's history
  // and tier go with it. Only a connector trusted to check phones may say so.
  auto with_phone = [](omnibroker::v1::Event event) {
    event.mutable_sender()->set_phone("+12025550100");
    event.mutable_sender()->set_verified(true);
    return event;
  };
  AdminClient admin(broker_->grpc_address());
  auto customer_of = [&](const std::string& conversation) {
    return admin.Conversation(conversation).customer_id();
  };
  RawConnector& vouching = Connect(vouching_);
  const std::string owner =
      customer_of(Accepted(vouching, with_phone(MessageFrom("v1", "whatsapp", "+1202", "hi"))));

  RawConnector& a = Connect(a_);
  const std::string claimed =
      customer_of(Accepted(a, with_phone(MessageFrom("v2", "fakeprov", "mallory", "my history?"))));
  EXPECT_NE(claimed, owner);
  EXPECT_EQ(broker_->metrics().unverified_senders.value(), 1);

  // The same claim from the trusted connector does link.
  const std::string linked =
      customer_of(Accepted(vouching, with_phone(MessageFrom("v3", "viber", "ann-v", "hello"))));
  EXPECT_EQ(linked, owner);
  EXPECT_EQ(broker_->metrics().unverified_senders.value(), 1);
}

TEST_F(IngestPeersTest, AFrameThatIsNotUtf8IsRefusedByNameAndTheNextGoesThrough) {
  RawConnector& a = Connect(a_);
  auto poison = MessageFrom("bad-1", "fakeprov", "+300", "x");
  // As a connector without the SDK's repair would send it.
  poison.mutable_content()->mutable_text()->assign("caf\xC3\x28 \xFF");
  a.Publish(poison);
  auto ack = a.NextAck();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->event_id(), "bad-1");
  EXPECT_EQ(ack->status(), omnibroker::v1::INGEST_STATUS_REJECTED);
  EXPECT_NE(ack->reason().find("UTF-8"), std::string::npos) << ack->reason();
  EXPECT_EQ(broker_->metrics().reject(ops::RejectReason::kUnparsable).value(), 1);

  EXPECT_FALSE(Accepted(a, MessageFrom("good-1", "fakeprov", "+300", "café")).empty());
}

TEST_F(IngestPeersTest, GatewaysShareAProvidersDeliveriesAndOnlyTheChosenOneMayAck) {
  alice_ = AvailableAgent(*broker_, "alice");
  RawConnector& a = Connect(a_);
  RawConnector& b = Connect(b_);
  RawConnector& stranger = Connect(vouching_);  // may serve every provider, but says no Hello
  a.Hello({"fakeprov"});
  b.Hello({"fakeprov"});
  Accepted(a, MessageFrom("d1", "fakeprov", "+400", "where is my order?"));
  AliceReplies("on its way");

  // Exactly one of them gets it.
  std::optional<omnibroker::v1::Delivery> to_a, to_b;
  ASSERT_TRUE(WaitFor([&] {
    a.Hello({"fakeprov"});
    b.Hello({"fakeprov"});
    if (auto f = a.Next(100ms); f && f->has_delivery()) to_a = f->delivery();
    if (auto f = b.Next(100ms); f && f->has_delivery()) to_b = f->delivery();
    return to_a || to_b;
  }));
  ASSERT_NE(to_a.has_value(), to_b.has_value());
  RawConnector& chosen = to_a ? a : b;
  RawConnector& other = to_a ? b : a;
  const std::string delivery_id = (to_a ? to_a : to_b)->delivery_id();

  // An ack from anyone else changes nothing: the chosen one gets it again on the next retry.
  other.AckDelivery(delivery_id);
  stranger.AckDelivery(delivery_id);
  ASSERT_TRUE(WaitFor([&] { return broker_->metrics().foreign_delivery_acks.value() == 2; }));
  auto again = chosen.NextDelivery({"fakeprov"});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->delivery_id(), delivery_id);
  EXPECT_GT(again->attempt(), 1);

  // The chosen one goes quiet (no Hello, no ack): the delivery moves to the other.
  auto moved = other.NextDelivery({"fakeprov"}, 15s);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->delivery_id(), delivery_id);
  other.AckDelivery(delivery_id);
  // Confirmed: nobody gets it again.
  EXPECT_FALSE(other.NextDelivery({"fakeprov"}, 4s).has_value());
}

TEST_F(IngestPeersTest, AHelloForAProviderOutsideTheGrantBringsNoneOfItsReplies) {
  alice_ = AvailableAgent(*broker_, "alice");
  RawConnector& vouching = Connect(vouching_);
  RawConnector& a = Connect(a_);
  Accepted(vouching, MessageFrom("w1", "whatsapp", "+500", "hello"));
  AliceReplies("hi there");
  // gateway-a claims whatsapp: refused, counted, and the reply waits for a connector that may.
  EXPECT_FALSE(a.NextDelivery({"whatsapp"}, 4s).has_value());
  EXPECT_GE(broker_->metrics().providers_refused.value(), 1);
  auto delivery = vouching.NextDelivery({"whatsapp"});
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->event().content().text(), "hi there");
}

}  // namespace
}  // namespace omni::testing
